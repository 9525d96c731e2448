/** The CLI's echo-server and echo-client, run as real processes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import WsClient, { WebSocketServer as WsServer } from 'ws';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

function cli(args: string[]): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Resolves with the first stderr match of `pattern`. */
function waitForLine(child: ChildProcess, pattern: RegExp): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (chunk: Buffer) => {
      text += chunk.toString();
      const m = text.match(pattern);
      if (m) {
        child.stderr!.off('data', onData);
        resolve(m);
      }
    };
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`exited ${code} before ${pattern}: ${text}`)));
  });
}

test('echo-server echoes text as text and binary as binary, with any subprotocol', async () => {
  const child = cli(['echo-server', '--port', '0', '--max-message', '65536']);
  try {
    const [, url] = await waitForLine(child, /listening on (ws:\/\/\S+)/);
    const ws = new WsClient(url!, ['anything']);
    await once(ws, 'open');
    assert.equal(ws.protocol, 'anything');
    const got: Array<[string, boolean]> = [];
    ws.on('message', (d, isBinary) => got.push([isBinary ? (d as Buffer).toString('hex') : d.toString(), isBinary]));
    ws.send('text é');
    ws.send(Buffer.from([0, 1, 255]));
    while (got.length < 2) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(got, [['text é', false], ['0001ff', true]]);
    // The limit from --max-message holds: 1009.
    ws.send(Buffer.alloc(65537));
    const [code] = await once(ws, 'close');
    assert.equal(code, 1009);
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
});

test('echo-client echoes until the peer closes, then exits 0', async () => {
  const server = new WsServer({ host: '127.0.0.1', port: 0 });
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  const echoed: string[] = [];
  server.on('connection', (ws) => {
    ws.on('message', (d) => {
      echoed.push(d.toString());
      if (echoed.length === 3) ws.close(1000, 'enough');
    });
    ws.send('one');
    ws.send('two');
    ws.send('three');
  });
  const child = cli(['echo-client', `ws://127.0.0.1:${port}/`, '--quiet']);
  const [code] = await once(child, 'exit');
  assert.equal(code, 0);
  assert.deepEqual(echoed, ['one', 'two', 'three']);
  server.close();
});

test('usage errors exit 2', async () => {
  const child = cli(['no-such-command']);
  const [code] = await once(child, 'exit');
  assert.equal(code, 2);
  const missing = cli(['echo-client']);
  assert.equal((await once(missing, 'exit'))[0], 2);
});
