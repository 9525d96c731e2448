/** `send` and `connect` as real processes against a registrar in the test process. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Registrar } from '../../src/binding/registrar.js';
import { FakeCse, notify } from '../helpers/cse.js';
import { waitFor } from '../helpers/net.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const closers: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const c of closers.reverse()) await c();
});

async function run(args: string[], stdin?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => (stdout += c));
  child.stderr.on('data', (c) => (stderr += c));
  child.stdin.end(stdin ?? '');
  const [code] = await once(child, 'exit');
  return { code: code as number, stdout, stderr };
}

async function registrar() {
  const cse = new FakeCse();
  const r = new Registrar({ handler: cse.handler, isRegistered: cse.isRegistered });
  const { port } = await r.listen(0);
  closers.push(() => r.close());
  return { cse, registrar: r, url: `ws://127.0.0.1:${port}` };
}

for (const format of ['json', 'xml', 'cbor']) {
  test(`send registers an AE and prints the response (${format})`, async () => {
    const { url, cse } = await registrar();
    const r = await run(['send', url, '{"op":1,"to":"cse-in","ty":2,"pc":{"m2m:ae":{"api":"Napp","rr":true,"srv":["3"]}}}', '--format', format]);
    assert.equal(r.code, 0, r.stderr);
    const response = JSON.parse(r.stdout);
    assert.equal(response.rsc, 2001);
    assert.equal(response.pc['m2m:ae'].aei, 'Cae1');
    assert.equal(cse.handled[0]!.request.rvi, '3', 'rvi filled in');
    assert.equal(typeof cse.handled[0]!.request.rqi, 'string', 'rqi filled in');
  });
}

test('send reads @file, fills fr from --from, exits 1 on an error response', async () => {
  const { url } = await registrar();
  const dir = mkdtempSync(join(tmpdir(), 'onem2m-cli-'));
  closers.push(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'retrieve.json');
  writeFileSync(file, JSON.stringify({ op: 2, to: 'cse-in' }));
  const denied = await run(['send', url, `@${file}`, '--from', 'Cnobody']);
  assert.equal(denied.code, 1);
  assert.equal(JSON.parse(denied.stdout).rsc, 4103);
});

test('send: usage errors exit 2, an unreachable server exits 1', async () => {
  assert.equal((await run(['send'])).code, 2);
  assert.equal((await run(['send', 'ws://127.0.0.1:1', 'not json'])).code, 2);
  assert.equal((await run(['send', 'ws://127.0.0.1:1', '{"op":2,"to":"x"}', '--format', 'yaml'])).code, 2);
  const down = await run(['send', 'ws://127.0.0.1:1', '{"op":2,"to":"x"}']);
  assert.equal(down.code, 1);
  assert.equal(JSON.parse(down.stdout).rsc, 5103);
});

test('connect: registers, sends typed requests, prints incoming notifications', async () => {
  const { url, registrar: r } = await registrar();
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'connect', url, '--register', 'Napp', '--log-level', 'silent'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout.on('data', (c) => (stdout += c));
  await waitFor(() => stdout.includes('registered as Cae1'), 10_000, 'registration');
  child.stdin.write('{"op":2,"to":"cse-in"}\n');
  child.stdin.write('this is not json\n');
  await waitFor(() => stdout.includes('"rsc":2000') && stdout.includes('!!'), 5000, 'response');
  const sent = await r.send('Cae1', notify('Cae1', 1));
  assert.equal(sent.status, 'delivered');
  await waitFor(() => stdout.includes('<< {"op":5'), 5000, 'notification printed');
  child.stdin.end('.quit\n');
  const [code] = await once(child, 'exit');
  assert.equal(code, 0);
});

test('serve starts the reference CSE; send retrieves its CSEBase', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'serve', '--port', '0', '--in-memory', '--cse-id', '/id-test', '--cse-name', 'cse-test'], { stdio: ['ignore', 'pipe', 'pipe'] });
  closers.push(() => {
    child.kill('SIGTERM');
  });
  let stderr = '';
  child.stderr.on('data', (c) => (stderr += c));
  await waitFor(() => /ready: .* at (ws:\/\/\S+)/.test(stderr), 15_000, 'serve to start');
  const url = /ready: .* at (ws:\/\/[^\s,]+)/.exec(stderr)![1]!;
  const r = await run(['send', url, '{"op":2,"to":"cse-test"}', '--from', 'CAdmin', '--format', 'cbor']);
  assert.equal(r.code, 0, r.stderr);
  const cb = JSON.parse(r.stdout).pc['m2m:cb'];
  assert.equal(cb.csi, '/id-test');
  assert.deepEqual(cb.poa, [url]);
  child.kill('SIGTERM');
  const [code] = await once(child, 'exit');
  assert.equal(code, 0);
});
