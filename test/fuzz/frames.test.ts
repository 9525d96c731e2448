/**
 * Fuzz (CI length): the frame parser (Receiver, server side), without and with a
 * permessage-deflate inflater. Inputs are client sessions (messages, fragments, control frames,
 * close frames, tiny-fragment floods, compressed bombs) mutated at the frame level (FIN, RSV,
 * opcode, mask bit, length encodings and claimed lengths, dropped / duplicated / reordered
 * frames) and at the byte level, plus noise. Each input is fed whole and in random chunks: the
 * events must be identical, nothing may follow a terminal event, every failure must be
 * 1002/1007/1008/1009, text must be valid UTF-8, messages within maxMessageSize.
 * Long mode: npx tsx bench/fuzz.ts --target frames --seconds 600 --seed 1 (or frames-deflate)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { framesDeflateTarget, framesTarget } from '../../bench/lib/fuzz-targets.js';
import { fuzzClean } from './helpers.js';

const ALLOWED = /^(delivered|nothing yet|peer close frame|close (1002|1007|1008|1009))$/;

test('frame fuzz, seed 1: documented close codes only, chunking-invariant, bounded', async () => {
  const report = await fuzzClean(framesTarget, 1, 5000, 4);
  for (const o of Object.keys(report.outcomes)) assert.match(o, ALLOWED);
  for (const code of [1002, 1007, 1008, 1009]) assert.ok(report.outcomes[`close ${code}`]! > 0, `no close ${code}`);
});

test('frame fuzz with permessage-deflate, seed 1: documented close codes only, bombs stopped', async () => {
  const report = await fuzzClean(framesDeflateTarget, 1, 2500, 4);
  for (const o of Object.keys(report.outcomes)) assert.match(o, ALLOWED);
  for (const code of [1002, 1007, 1009]) assert.ok(report.outcomes[`close ${code}`]! > 0, `no close ${code}`);
});
