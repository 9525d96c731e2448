/**
 * A client process of bench/load.ts: `count` registrees (our Registree, the same client against
 * both servers so the servers are what differs), each registering with its own AE-ID.
 *
 * IPC: → {type:'ready', count, failed, ms}; ← {type:'rr', seconds, rate} → {type:'rr', sent, ok,
 * latencies, cpu} (open loop: request k is due at start + k/rate and its latency is counted from then,
 * so a stalled server is not hidden by a stalled sender); ← {type:'notes'} → {type:'notes',
 * latencies} (notification latency: receipt time minus the time the server started the fan-out,
 * both `performance.timeOrigin + now()` on the same machine); ← {type:'stop'}.
 */
import { binding } from './load-engine.js';
import { registration, retrieve } from './load-handler.js';
import type { RequestPrimitive } from '../../src/primitives/index.js';

const [url, countArg, prefix] = process.argv.slice(2) as [string, string, string];
const count = Number(countArg);
const now = (): number => performance.timeOrigin + performance.now();

let noteLatencies: number[] = [];
const clients: InstanceType<typeof binding.Registree>[] = [];
const handler = (request: RequestPrimitive) => {
  const con = (request.pc?.['m2m:sgn'] as { nev?: { rep?: { 'm2m:cin'?: { con?: string } } } } | undefined)?.nev?.rep?.['m2m:cin']?.con;
  if (typeof con === 'string') noteLatencies.push(now() - Number(con.split(':')[1]));
  return { rsc: 2000, rqi: request.rqi };
};

const t0 = performance.now();
let failed = 0;
for (let i = 0; i < count; i += 100) {
  const batch = Array.from({ length: Math.min(100, count - i) }, (_, k) => {
    const r = new binding.Registree({ url, proxy: null, serializations: ['json'], handler, connection: { pingInterval: 0 }, requestTimeout: 60_000 });
    clients.push(r);
    return r.send(registration(`C${prefix}-${i + k}`)).then((res) => {
      if (res?.rsc !== 2001) failed++;
    });
  });
  await Promise.all(batch);
}
process.send!({ type: 'ready', count: clients.length, failed, ms: performance.now() - t0 });

async function roundTrips(seconds: number, rate: number, maxOutstanding = 50_000): Promise<{ sent: number; ok: number; latencies: number[]; cpu: number }> {
  const cpu0 = process.cpuUsage();
  const latencies: number[] = [];
  let sent = 0;
  let ok = 0;
  let outstanding = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  await new Promise<void>((resolve) => {
    const tick = setInterval(() => {
      const t = performance.now();
      // Requests 0..floor(elapsed * rate) are due (request k at start + k / rate).
      const due = Math.min(Math.floor(seconds * rate), Math.floor(((t - start) / 1000) * rate) + 1);
      while (sent < due && outstanding < maxOutstanding) {
        // Open loop: latency counts from when the request was due. Saturation (a cap on
        // requests in flight): from when it was sent.
        const intended = maxOutstanding < 50_000 ? performance.now() : start + (sent * 1000) / rate;
        const c = clients[sent % clients.length]!;
        sent++;
        outstanding++;
        void c.send(retrieve(c.originator!, `${prefix}-rr-${sent}`)).then((r) => {
          outstanding--;
          if (r?.rsc === 2000) {
            ok++;
            latencies.push(performance.now() - intended);
          }
        });
      }
      if (t >= end) {
        clearInterval(tick);
        resolve();
      }
    }, 2);
  });
  const drain = Date.now() + 10_000;
  while (outstanding > 0 && Date.now() < drain) await new Promise((r) => setTimeout(r, 10));
  const c = process.cpuUsage(cpu0);
  return { sent, ok, latencies, cpu: (c.user + c.system) / 1e6 };
}

process.on('message', async (msg: { type: string; seconds?: number; rate?: number; maxOutstanding?: number }) => {
  if (msg.type === 'stop') {
    await Promise.race([Promise.all(clients.map((c) => c.close())), new Promise((r) => setTimeout(r, 3000))]);
    process.exit(0);
  }
  if (msg.type === 'rr') process.send!({ type: 'rr', ...(await roundTrips(msg.seconds!, msg.rate!, msg.maxOutstanding)) });
  if (msg.type === 'notes') {
    process.send!({ type: 'notes', latencies: noteLatencies });
    noteLatencies = [];
  }
});
process.on('disconnect', () => process.exit(0));
