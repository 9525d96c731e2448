/** The per-connection request/response machinery over a real loopback connection. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer, type WebSocket } from '../../src/ws/index.js';
import { Endpoint, isLocalResponse } from '../../src/binding/endpoint.js';
import type { Serialization } from '../../src/primitives/index.js';
import { waitFor } from '../helpers/net.js';

const closers: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of closers) await c();
});

/** Both ends of a real loopback connection (the client offers `protocols`). */
async function sockets(protocols: string[] = []): Promise<{ clientWs: WebSocket; serverWs: WebSocket }> {
  let serverWs: WebSocket | undefined;
  const server = createServer({}, (ws) => (serverWs = ws));
  closers.push(() => server.close());
  const { port } = await server.listen(0);
  const clientWs = await connect(`ws://127.0.0.1:${port}`, { protocols });
  await waitFor(() => serverWs !== undefined);
  return { clientWs, serverWs: serverWs! };
}

/** Two endpoints joined by a real connection, speaking `serialization`. */
async function pair(serialization: Serialization = 'json') {
  const { clientWs, serverWs } = await sockets([`oneM2M.${serialization}`]);
  const a = new Endpoint(clientWs, { serialization, requestTimeout: 2000 });
  const b = new Endpoint(serverWs, { serialization, requestTimeout: 2000 });
  return { a, b, clientWs, serverWs };
}

for (const serialization of ['json', 'xml', 'cbor'] as const) {
  test(`requests both ways, many in flight, matched by rqi (${serialization})`, async () => {
    const { a, b } = await pair(serialization);
    b.handler = async (req) => {
      await new Promise((r) => setTimeout(r, Math.random() * 20)); // answer out of order
      return { rsc: 2000, rqi: req.rqi, pc: { 'm2m:dbg': `to ${req.to}` } };
    };
    a.handler = (req) => ({ rsc: 2001, rqi: req.rqi });
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) => a.request({ op: 2, to: `cse-in/r${i}`, fr: 'Cae1', rqi: `q${i}`, rvi: '3' })),
    );
    responses.forEach((r, i) => {
      assert.equal(r?.rqi, `q${i}`);
      assert.equal(r?.rsc, 2000);
      assert.deepEqual(r?.pc, { 'm2m:dbg': `to cse-in/r${i}` });
    });
    // The other direction on the same connection.
    const back = await b.request({ op: 5, to: 'Cae1', fr: '/id-in', rqi: 'n1', rvi: '3', pc: { 'm2m:sgn': { sur: 's', vrq: true } } });
    assert.equal(back?.rsc, 2001);
    a.close();
  });
}

test('no response by rqet: local 4008; a late response is dropped', async () => {
  const { a, b } = await pair();
  let release!: () => void;
  b.handler = (req) => new Promise((resolve) => (release = () => resolve({ rsc: 2000, rqi: req.rqi })));
  const unmatched: string[] = [];
  a.on('unmatchedResponse', (r) => unmatched.push(r.rqi));
  const started = Date.now();
  const r = await a.request({ op: 2, to: 'x', fr: 'C1', rqi: 'slow', rvi: '3', rqet: 100 });
  assert.equal(r?.rsc, 4008);
  assert.equal(isLocalResponse(r), true);
  assert.ok(Date.now() - started < 1000);
  release();
  await waitFor(() => unmatched.length === 1);
  assert.deepEqual(unmatched, ['slow']);
  a.close();
});

test('a second request with an rqi in flight is refused locally', async () => {
  const { a, b } = await pair();
  b.handler = async (req) => {
    await new Promise((r) => setTimeout(r, 50));
    return { rsc: 2000, rqi: req.rqi };
  };
  const first = a.request({ op: 2, to: 'x', fr: 'C1', rqi: 'dup', rvi: '3' });
  const second = await a.request({ op: 2, to: 'x', fr: 'C1', rqi: 'dup', rvi: '3' });
  assert.equal(second?.rsc, 4000);
  assert.match(String(second?.pc?.['m2m:dbg']), /already in flight/);
  assert.equal((await first)?.rsc, 2000);
  a.close();
});

test('noResponse (rt.rtv 5): nothing is sent back, the sender resolves null', async () => {
  const { a, b } = await pair();
  let handled = 0;
  b.handler = (req) => {
    handled++;
    return { rsc: 2000, rqi: req.rqi };
  };
  const unmatched: string[] = [];
  a.on('unmatchedResponse', (r) => unmatched.push(r.rqi));
  assert.equal(await a.request({ op: 5, to: 'x', fr: 'C1', rqi: 'nr', rvi: '3', rt: { rtv: 5 }, pc: { 'm2m:sgn': { vrq: true } } }), null);
  await waitFor(() => handled === 1);
  // A normal request afterwards still works and nothing unmatched arrived.
  assert.equal((await a.request({ op: 2, to: 'x', fr: 'C1', rqi: 'after', rvi: '3' }))?.rsc, 2000);
  assert.deepEqual(unmatched, []);
  a.close();
});

test('undecodable messages and wrong frame types get a 4000 response; the connection stays open', async () => {
  const { a, b, clientWs } = await pair('json');
  b.handler = (req) => ({ rsc: 2000, rqi: req.rqi });
  const received: unknown[] = [];
  clientWs.on('message', (d) => received.push(JSON.parse(d.toString())));
  clientWs.send('{"op": 2, "rqi": "broken-1", "to": ');
  clientWs.send('{"op": 9, "to": "x", "fr": "C1", "rqi": "bad-op", "rvi": "3"}');
  clientWs.send(Buffer.from('{"op":2}'), { binary: true });
  await waitFor(() => received.length === 3);
  const [r1, r2, r3] = received as Array<{ rsc: number; rqi: string; pc: { 'm2m:dbg': string } }>;
  assert.equal(r1!.rsc, 4000);
  assert.equal(r2!.rsc, 4000);
  assert.equal(r2!.rqi, 'bad-op');
  assert.equal(r3!.rsc, 4000);
  assert.match(r3!.pc['m2m:dbg'], /text frames/);
  assert.equal((await a.request({ op: 2, to: 'x', fr: 'C1', rqi: 'still-open', rvi: '3' }))?.rsc, 2000);
  a.close();
});

test('a handler that throws gives 5000; no handler gives 5001', async () => {
  const { a, b } = await pair();
  b.handler = () => {
    throw new Error('boom');
  };
  assert.equal((await a.request({ op: 2, to: 'x', fr: 'C1', rqi: 't1', rvi: '3' }))?.rsc, 5000);
  b.handler = null;
  assert.equal((await a.request({ op: 2, to: 'x', fr: 'C1', rqi: 't2', rvi: '3' }))?.rsc, 5001);
  a.close();
});

test('handlers may answer at once or later: sync, async, rejected, wrong rqi, unserializable', async () => {
  const { a, b } = await pair();
  b.handler = (req) => {
    switch (req.to) {
      case 'sync':
        return { rsc: 2000, rqi: req.rqi, pc: { 'm2m:dbg': 'now' } };
      case 'async':
        return new Promise((r) => setTimeout(() => r({ rsc: 2000, rqi: req.rqi, pc: { 'm2m:dbg': 'later' } }), 5));
      case 'rejects':
        return Promise.reject(new Error('async boom'));
      case 'wrong-rqi':
        return { rsc: 2000, rqi: 'not-yours' };
      default:
        return { rsc: 2000, rqi: req.rqi, pc: { 'm2m:dbg': 10n as unknown as string } }; // JSON cannot write a BigInt
    }
  };
  const ask = (to: string, rqi: string) => a.request({ op: 2, to, fr: 'C1', rqi, rvi: '3' });
  const [sync, later, rejected, wrong, unserializable] = await Promise.all([ask('sync', 'h1'), ask('async', 'h2'), ask('rejects', 'h3'), ask('wrong-rqi', 'h4'), ask('bigint', 'h5')]);
  assert.deepEqual([sync?.rsc, sync?.pc?.['m2m:dbg']], [2000, 'now']);
  assert.deepEqual([later?.rsc, later?.pc?.['m2m:dbg']], [2000, 'later']);
  assert.equal(rejected?.rsc, 5000);
  assert.deepEqual([wrong?.rsc, wrong?.rqi], [2000, 'h4']); // the endpoint puts the request's rqi back
  assert.equal(unserializable?.rsc, 5000);
  assert.match(String(unserializable?.pc?.['m2m:dbg']), /cannot be serialized/);
  assert.equal(isLocalResponse(unserializable), false); // made by the peer's endpoint, not locally
  a.close();
});

test('maxConcurrentRequests: reading pauses while the handler holds that many, and resumes', async () => {
  const { clientWs: ws, serverWs } = await sockets();
  const a = new Endpoint(ws, { serialization: 'json', requestTimeout: 2000 });
  const b = new Endpoint(serverWs, { serialization: 'json', maxConcurrentRequests: 2 });
  const held: Array<() => void> = [];
  let started = 0;
  b.handler = (req) => {
    started++;
    return new Promise((r) => held.push(() => r({ rsc: 2000, rqi: req.rqi })));
  };
  // Like ws's pause(), this stops reading from the socket: messages of a chunk already read
  // are still handled. So the first two go alone, and the rest come once they are held.
  const ask = (i: number) => a.request({ op: 2, to: 'x', fr: 'C1', rqi: `p${i}`, rvi: '3' });
  const answers = [ask(0), ask(1)];
  await waitFor(() => started === 2);
  answers.push(ask(2), ask(3), ask(4));
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(started, 2, 'no third request is read while two are held');
  while (started < 5 || held.length > 0) {
    await waitFor(() => held.length > 0);
    held.shift()!();
  }
  assert.deepEqual((await Promise.all(answers)).map((r) => r?.rsc), [2000, 2000, 2000, 2000, 2000]);
  a.close();
});

test('requests in flight when the connection closes resolve 5103; idle fires when all are settled', async () => {
  const { a, b } = await pair();
  b.handler = () => new Promise(() => {}); // never answers
  let idle = 0;
  a.on('idle', () => idle++);
  const p = a.request({ op: 2, to: 'x', fr: 'C1', rqi: 'c1', rvi: '3' });
  assert.equal(a.outstanding, 1);
  b.close(1001, 'bye');
  const r = await p;
  assert.equal(r?.rsc, 5103);
  assert.equal(isLocalResponse(r), true);
  assert.equal(idle, 1);
  assert.equal((await a.request({ op: 2, to: 'x', fr: 'C1', rqi: 'c2', rvi: '3' }))?.rsc, 5103);
});

test('too many requests in flight are refused locally', async () => {
  const { clientWs: ws } = await sockets();
  const a = new Endpoint(ws, { serialization: 'json', maxPendingRequests: 2, requestTimeout: 200 });
  a.request({ op: 2, to: 'x', fr: 'C1', rqi: 'm1', rvi: '3' });
  a.request({ op: 2, to: 'x', fr: 'C1', rqi: 'm2', rvi: '3' });
  const third = await a.request({ op: 2, to: 'x', fr: 'C1', rqi: 'm3', rvi: '3' });
  assert.equal(third?.rsc, 5103);
  assert.match(String(third?.pc?.['m2m:dbg']), /Too many/);
  a.close();
});
