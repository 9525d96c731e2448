/** State in the data directory: restarts keep resources, registrations and buffered notifications. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { readFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Notification } from '../../src/primitives/index.js';
import { startCse } from '../../src/cse/index.js';
import { Cleanup, admin, client, registeredAe, tempDir, waitFor } from './helpers.js';

const cleanup = new Cleanup();
after(() => cleanup.run());

test('a restart with the same data directory keeps resources and registrations', async () => {
  const dataDir = tempDir(cleanup);
  const first = await startCse({ port: 0, dataDir });
  const ae = await registeredAe(cleanup, first.urls[0]!, { rn: 'keeper' });
  await ae.send({ op: 1, to: 'cse-in/keeper', ty: 3, pc: { 'm2m:cnt': { rn: 'c', mni: 2 } } });
  for (const con of ['a', 'b', 'c']) await ae.send({ op: 1, to: 'cse-in/keeper/c', ty: 4, pc: { 'm2m:cin': { con } } });
  await ae.send({ op: 1, to: 'cse-in/keeper', ty: 3, pc: { 'm2m:cnt': { rn: 'gone' } } });
  await ae.send({ op: 4, to: 'cse-in/keeper/gone' });
  const baseCt = (await ae.send({ op: 2, to: 'cse-in' })).pc?.['m2m:cb']?.ct;
  await ae.registree.close();
  await first.close();
  // A torn last record (a crash mid-write) is dropped on recovery.
  appendFileSync(join(dataDir, 'resources.jsonl'), '{"put":{"ty":3,"ri":"torn"');

  const second = await startCse({ port: 0, dataDir });
  cleanup.add(() => second.close());
  // The AE reconnects without registering again: its AE-ID is still known.
  const again = client(cleanup, second.urls[0]!, { originator: ae.aei });
  const cnt = await again.send({ op: 2, to: 'cse-in/keeper/c', rcn: 4 });
  assert.equal(cnt.rsc, 2000);
  assert.deepEqual(cnt.pc?.['m2m:cnt']?.['m2m:cin']?.map((c) => c.con), ['b', 'c']);
  assert.equal(cnt.pc?.['m2m:cnt']?.st, 3);
  assert.equal((await again.send({ op: 2, to: 'cse-in/keeper/gone' })).rsc, 4004);
  const base = (await again.send({ op: 2, to: 'cse-in' })).pc?.['m2m:cb'];
  assert.equal(base?.ct, baseCt);
  assert.deepEqual(base?.poa, second.urls);
  assert.equal((await client(cleanup, second.urls[0]!).send({ op: 1, to: 'cse-in', ty: 2, fr: ae.aei, pc: { 'm2m:ae': { api: 'Nx' } } })).rsc, 4117);
  assert.doesNotMatch(readFileSync(join(dataDir, 'resources.jsonl'), 'utf8'), /torn/);
});

const FIXTURE = fileURLToPath(new URL('./fixtures/cse-process.ts', import.meta.url));

async function spawnCse(dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, dataDir], { stdio: ['pipe', 'pipe', 'inherit'] });
  cleanup.add(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
  return { child, url: (JSON.parse(line) as { url: string }).url };
}

test('kill -9 while notifications are buffered: after a restart and a reconnection each is delivered exactly once', async () => {
  const dataDir = tempDir(cleanup);
  const first = await spawnCse(dataDir);
  const ae = await registeredAe(cleanup, first.url);
  await ae.send({ op: 1, to: ae.aei, ty: 3, pc: { 'm2m:cnt': { rn: 'c' } } });
  await ae.send({ op: 1, to: `${ae.aei}/c`, ty: 23, pc: { 'm2m:sub': { nu: [ae.aei], enc: { net: [3] } } } });
  await ae.registree.close(); // the AE goes away

  const root = admin(cleanup, first.url);
  const count = 20;
  for (let i = 0; i < count; i++) assert.equal((await root.send({ op: 1, to: `${ae.aei}/c`, ty: 4, pc: { 'm2m:cin': { con: `n${i}` } } })).rsc, 2001);
  first.child.kill('SIGKILL');
  await once(first.child, 'exit');
  await root.registree.close();

  const second = await spawnCse(dataDir);
  const back = client(cleanup, second.url, { originator: ae.aei });
  await back.registree.open();
  await waitFor(() => back.inbox.length >= count, 10_000, 'buffered notifications');
  await new Promise((r) => setTimeout(r, 200)); // nothing more may come
  const contents = back.inbox.map((n) => ((n.pc?.['m2m:sgn'] as Notification).nev?.rep?.['m2m:cin'] as { con: string }).con);
  assert.deepEqual(contents, Array.from({ length: count }, (_, i) => `n${i}`));
  await back.registree.close();
  second.child.stdin!.end();
  await once(second.child, 'exit');
});

test('the journal compacts itself when dead records dominate, and a restart reads the compacted file', { timeout: 60_000 }, async () => {
  const dataDir = tempDir(cleanup);
  const journal = join(dataDir, 'resources.jsonl');
  const first = await startCse({ port: 0, dataDir });
  let firstClosed = false;
  cleanup.add(async () => {
    if (!firstClosed) await first.close();
  });
  const ae = await registeredAe(cleanup, first.urls[0]!, { rn: 'churner' });
  await ae.send({ op: 1, to: 'cse-in/churner', ty: 3, pc: { 'm2m:cnt': { rn: 'c', mni: 3 } } });
  // Each instance adds a put (and the container's put), and from the 4th on a del: over 1,000
  // records for about ten live resources, so compaction must run, probably more than once.
  let largest = 0;
  for (let i = 0; i < 400; i++) {
    assert.equal((await ae.send({ op: 1, to: 'cse-in/churner/c', ty: 4, pc: { 'm2m:cin': { rn: `i${i}`, con: `v${i}` } } })).rsc, 2001);
    largest = Math.max(largest, readFileSync(journal, 'utf8').split('\n').length - 1);
  }
  const lines = readFileSync(journal, 'utf8').split('\n').filter((l) => l !== '');
  assert.ok(largest >= 990, `the log came up to the compaction floor of 1,000 records (${largest})`);
  // About ten live resources, then three records per instance since the compaction.
  assert.ok(lines.length < largest / 3, `compacted: ${lines.length} records now, ${largest} before`);
  const before = await ae.send({ op: 2, to: 'cse-in/churner/c', rcn: 4 });
  await ae.registree.close();
  await first.close();
  firstClosed = true;

  const second = await startCse({ port: 0, dataDir });
  cleanup.add(() => second.close());
  const again = client(cleanup, second.urls[0]!, { originator: ae.aei });
  const after = await again.send({ op: 2, to: 'cse-in/churner/c', rcn: 4 });
  assert.equal(after.rsc, 2000);
  assert.deepEqual(after.pc?.['m2m:cnt']?.['m2m:cin']?.map((c) => c.con), ['v397', 'v398', 'v399']);
  assert.deepEqual(after.pc, before.pc, 'the same container, instances and attributes after the restart');
  // Parents come before children in the compacted file, so every line replays in order.
  const order = readFileSync(journal, 'utf8').split('\n').filter((l) => l !== '').map((l) => (JSON.parse(l) as { put?: { rn?: string } }).put?.rn);
  assert.ok(order.indexOf('churner') < order.indexOf('c') && order.indexOf('c') < order.indexOf('i399'));
});
