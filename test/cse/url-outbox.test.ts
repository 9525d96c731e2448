/** The per-URL notification outbox, against a fake client: order, retry, bounds, shutdown. */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { localResponse, silentLogger, type Registree } from '../../src/binding/index.js';
import type { RequestPrimitive, ResponsePrimitive } from '../../src/primitives/index.js';
import { UrlOutbox, type UrlOutboxLimits } from '../../src/cse/url-outbox.js';

/** A client whose URL is down until `up` is set; it records what it was asked to send. */
function fakeClient() {
  const state = { up: false, tries: [] as string[] };
  const client = {
    async send(request: RequestPrimitive): Promise<ResponsePrimitive> {
      state.tries.push(request.rqi);
      return state.up ? { rsc: 2000, rqi: request.rqi } : localResponse(5103, request.rqi, 'connect ECONNREFUSED');
    },
  } as unknown as Registree;
  return { client, state };
}

// The outbox's retry timer is unref'd (a CSE's sockets keep it alive); here nothing else would.
const keepAlive = setInterval(() => {}, 1000);
after(() => clearInterval(keepAlive));

const notify = (rqi: string): RequestPrimitive => ({ op: 5, to: 'ws://x', fr: '/id-in', rqi, rvi: '3', pc: { 'm2m:sgn': { sur: 's' } } });
const limits = (extra: Partial<UrlOutboxLimits> = {}): UrlOutboxLimits => ({ maxQueued: 10, maxAgeMs: 60_000, retryInitialMs: 10, retryMaxMs: 40, ...extra });

test('retries the head with growing delays; the rest wait behind it and go in order once it is up', async () => {
  const { client, state } = fakeClient();
  const outbox = new UrlOutbox('ws://x', client, silentLogger, limits());
  const outcomes = ['a', 'b', 'c'].map((rqi) => outbox.send(notify(rqi)));
  await new Promise((r) => setTimeout(r, 120)); // tries at ~0, 10, 30, 70 ms (delays 10, 20, 40)
  assert.ok(state.tries.length >= 3 && state.tries.every((rqi) => rqi === 'a'), `only the head is tried: ${state.tries.join(',')}`);
  assert.equal(outbox.waiting, 3);
  state.up = true;
  const results = await Promise.all(outcomes);
  assert.deepEqual(results.map((r) => (r.status === 'answered' ? r.response?.rsc : r.status)), [2000, 2000, 2000]);
  assert.deepEqual(state.tries.filter((rqi) => rqi !== 'a'), ['b', 'c']);
  assert.equal(outbox.waiting, 0);
});

test('bounded: refuses past maxQueued, gives up on what waited past maxAgeMs, answers all on close', async () => {
  const { client } = fakeClient();
  const full = new UrlOutbox('ws://x', client, silentLogger, limits({ maxQueued: 2 }));
  const waiting = [full.send(notify('a')), full.send(notify('b'))];
  const refused = await full.send(notify('c'));
  assert.equal(refused.status, 'failed');
  assert.match(refused.status === 'failed' ? refused.reason : '', /already wait/);
  full.close();
  for (const outcome of await Promise.all(waiting)) assert.deepEqual(outcome, { status: 'failed', reason: 'the CSE is shutting down' });
  assert.equal((await full.send(notify('d'))).status, 'failed', 'closed: nothing more is taken');

  const aging = new UrlOutbox('ws://x', client, silentLogger, limits({ maxAgeMs: 30 }));
  const old = await aging.send(notify('e'));
  assert.equal(old.status, 'failed');
  assert.match(old.status === 'failed' ? old.reason : '', /unreachable for 30 ms/);
});
