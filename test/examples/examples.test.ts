/** Every example runs to completion against a reference CSE, as the README tells a newcomer. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { startCse, type Cse } from '../../src/cse/index.js';

let cse: Cse;
before(async () => {
  cse = await startCse({ port: 0, dataDir: null });
});
after(async () => {
  await cse.close();
});

async function example(name: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const file = fileURLToPath(new URL(`../../examples/${name}`, import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', file, '--url', cse.urls[0]!, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => (stdout += c));
  child.stderr.on('data', (c) => (stderr += c));
  const [code] = await once(child, 'exit');
  return { code: code as number, stdout, stderr };
}

for (const format of ['json', 'xml', 'cbor']) {
  test(`annex-a.ts (${format})`, async () => {
    const r = await example('annex-a.ts', ['--format', format]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /registered as C\w+ \(connection: oneM2M\./);
    assert.match(r.stdout, /2\. create a container[\s\S]*rsc=2001/);
    assert.match(r.stdout, /4\. de-register[\s\S]*rsc=2002/);
  });
}

test('subscriber.ts prints each notification', async () => {
  const r = await example('subscriber.ts', ['--count', '3']);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /verification request|notification #1/);
  for (let i = 1; i <= 3; i++) assert.match(r.stdout, new RegExp(`notification #${i}: net=3 con="reading ${i}"`));
});

test('mn-cse.ts: a notification from the IN-CSE reaches the AE under the MN-CSE', async () => {
  const r = await example('mn-cse.ts', ['--mn-port', '0']);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /AE under the MN-CSE received: "21\.5 C"/);
});
