/**
 * The server process of bench/load.ts: `ours` is a Registrar (src/binding) with the minimal
 * host CSE (bench/lib/load-handler.ts); `ws` is the baseline, a minimal `ws` server that speaks
 * oneM2M JSON the same way (selects oneM2M.json, registration → 2001 with an AE-ID, anything
 * else → 2000, and can send a notification to every registered AE and wait for the responses);
 * `floor` is the same behaviour with next to no JavaScript (bench/lib/floor-server.ts), the
 * lower bound of any server on the machine.
 *
 * IPC: → {type:'listening', port}; ← {type:'memory'} → {type:'memory', ...} (after gc);
 * ← {type:'cpu'} → {type:'cpu', user, system}; ← {type:'fanout', seq} → {type:'fanout', ms, ok, total};
 * ← {type:'count'} → {type:'count', registered}; ← {type:'stop'}.
 * Run with --expose-gc.
 */
import { WebSocketServer as WsServer, type WebSocket as WsSocket } from 'ws';
import { floorServer } from './floor-server.js';
import { binding } from './load-engine.js';
import { minimalCse, notification } from './load-handler.js';
import type { RequestPrimitive } from '../../src/primitives/index.js';

const impl = process.argv[2] === 'ws' || process.argv[2] === 'floor' ? process.argv[2] : 'ours';
const now = (): number => performance.timeOrigin + performance.now();
const gc = (globalThis as { gc?: () => void }).gc;

interface Server {
  port: number;
  registered(): number;
  /** Sends one notification to every registered AE; resolves when all answered. */
  fanout(seq: number): Promise<{ ok: number; total: number }>;
}

async function ours(): Promise<Server> {
  const cse = minimalCse();
  const registrar = new binding.Registrar({
    handler: cse.handler,
    isRegistered: cse.isRegistered,
    serializations: ['json'],
    server: { pingInterval: 0 },
    endpoint: { requestTimeout: 60_000 },
  });
  const { port } = await registrar.listen(0, '127.0.0.1');
  return {
    port,
    registered: () => registrar.connectedIds().length,
    async fanout(seq) {
      const ids = registrar.connectedIds();
      const sentAt = now();
      const results = await Promise.all(ids.map((id, i) => registrar.send(id, notification(id, `n${seq}-${i}`, seq, sentAt), { buffer: false })));
      const ok = results.filter((r) => r.status === 'delivered' && r.response?.rsc === 2000).length;
      return { ok, total: ids.length };
    },
  };
}

async function baseline(): Promise<Server> {
  const cse = minimalCse();
  const byId = new Map<string, WsSocket>();
  const pending = new Map<string, () => void>();
  const wss = new WsServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false, handleProtocols: (p) => (p.has('oneM2M.json') ? 'oneM2M.json' : false) });
  wss.on('connection', (ws) => {
    ws.on('error', () => {});
    ws.on('message', (data) => {
      let p: Record<string, unknown>;
      try {
        p = JSON.parse(data.toString());
      } catch {
        ws.send(JSON.stringify({ rsc: 4000 }));
        return;
      }
      if (p.op === undefined) {
        // A response to one of our notifications.
        const done = pending.get(p.rqi as string);
        if (done !== undefined) {
          pending.delete(p.rqi as string);
          done();
        }
        return;
      }
      const response = cse.handler(p as unknown as RequestPrimitive);
      if (response.rsc === 2001) byId.set((response.pc as { 'm2m:ae': { aei: string } })['m2m:ae'].aei, ws);
      ws.send(JSON.stringify(response));
    });
    ws.on('close', () => {
      for (const [id, s] of byId) if (s === ws) byId.delete(id);
    });
  });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  const port = (wss.address() as { port: number }).port;
  return {
    port,
    registered: () => byId.size,
    async fanout(seq) {
      const sentAt = now();
      let ok = 0;
      const waits: Promise<void>[] = [];
      let i = 0;
      for (const [id, ws] of byId) {
        const rqi = `n${seq}-${i++}`;
        waits.push(new Promise<void>((resolve) => pending.set(rqi, () => { ok++; resolve(); })));
        ws.send(JSON.stringify(notification(id, rqi, seq, sentAt)));
      }
      await Promise.race([Promise.all(waits), new Promise((r) => setTimeout(r, 60_000))]);
      return { ok, total: byId.size };
    },
  };
}

async function floor(): Promise<Server> {
  const f = await floorServer();
  return {
    port: f.port,
    registered: f.registered,
    fanout(seq) {
      const sentAt = now();
      return f.fanout(seq, (to, rqi) => `{"op":5,"to":"${to}","fr":"/id-in","rqi":"${rqi}","rvi":"3","pc":{"m2m:sgn":{"sur":"sub1","nev":{"rep":{"m2m:cin":{"con":"${seq}:${sentAt}"}},"net":3}}}}`);
    },
  };
}

const server = impl === 'ws' ? await baseline() : impl === 'floor' ? await floor() : await ours();
process.send!({ type: 'listening', port: server.port });
process.on('message', async (msg: { type: string; seq?: number }) => {
  if (msg.type === 'stop') process.exit(0);
  if (msg.type === 'memory') {
    for (let i = 0; i < 3; i++) gc?.();
    const m = process.memoryUsage();
    process.send!({ type: 'memory', rss: m.rss, heapUsed: m.heapUsed, external: m.external });
  }
  if (msg.type === 'cpu') {
    const u = process.cpuUsage();
    process.send!({ type: 'cpu', user: u.user, system: u.system });
  }
  if (msg.type === 'count') process.send!({ type: 'count', registered: server.registered() });
  if (msg.type === 'fanout') {
    const t0 = performance.now();
    const r = await server.fanout(msg.seq!);
    process.send!({ type: 'fanout', ms: performance.now() - t0, ...r });
  }
});
// Never outlive the parent.
process.on('disconnect', () => process.exit(0));
