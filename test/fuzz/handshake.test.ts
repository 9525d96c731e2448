/**
 * Fuzz (CI length): the server's handshake parser. Mutated valid upgrade requests (header-line
 * edits, then bit flips, truncation, duplication, splices) and noise go through HttpHeadParser
 * whole and in random chunks, then checkUpgradeRequest and the permessage-deflate negotiation.
 * Every refusal must be 400/405/414/426/431/505 (or an incomplete head: 408 at the timeout).
 * Long mode: npx tsx bench/fuzz.ts --target handshake --seconds 600 --seed 1
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { handshakeTarget } from '../../bench/lib/fuzz-targets.js';
import { fuzzClean } from './helpers.js';

for (const seed of [1, 2]) {
  test(`handshake fuzz, seed ${seed}: only documented statuses, chunking-invariant, bounded`, async () => {
    const report = await fuzzClean(handshakeTarget, seed, 6000, 3);
    const outcomes = Object.keys(report.outcomes);
    for (const o of outcomes) assert.match(o, /^(accept|accept\+deflate|incomplete \(408 at the timeout\)|status (400|405|414|426|431|505))$/);
    // The mutations reach most of the refusals, not only 400.
    for (const status of [400, 405, 426, 431, 505]) assert.ok(outcomes.includes(`status ${status}`), `no status ${status} in ${outcomes.join(', ')}`);
    assert.ok(outcomes.includes('accept+deflate'));
  });
}
