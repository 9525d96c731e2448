/**
 * The lean client process of bench/load.ts (`--client lean`, the default): COUNT raw `node:net`
 * sockets that speak just enough RFC 6455 and oneM2M JSON to register and to load a server.
 *
 * Why it exists: on one 2-core machine the load generator competes with the server under test.
 * With full Registree clients (`--client registree`) the clients used about twice the server's
 * CPU, so the run measured the clients. A lean client spends a fraction of that per round trip:
 * requests are JSON templates with the `rqi` spliced in, masked with a per-connection key and
 * written once per tick per socket; responses are read by scanning for `"rqi":"` and `"rsc":`
 * instead of parsing. It is the same wire protocol for both servers (each frame masked, text
 * frames, subprotocol oneM2M.json), so the servers are what differs.
 *
 * Same IPC as bench/lib/load-client.ts: → {type:'ready', count, failed, ms};
 * ← {type:'rr', seconds, rate, maxOutstanding?} → {type:'rr', sent, ok, latencies, cpu};
 * ← {type:'notes'} → {type:'notes', latencies}; ← {type:'stop'}.
 * Round trips: open loop at `rate` (latency from when each request was due), or with
 * `maxOutstanding` set, saturation: every connection keeps maxOutstanding/count requests in
 * flight and sends the next one as each answer arrives (latency from send).
 */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { field } from './json-scan.js';
import { nextFrame, splitHead } from './raw-frames.js';

const [url, countArg, prefix] = process.argv.slice(2) as [string, string, string];
const count = Number(countArg);
const target = new URL(url);
const now = (): number => performance.timeOrigin + performance.now();

/** One client frame: FIN + text (or `opcode`), masked with `key`, payload given as ASCII. */
function maskedFrame(payload: string, key: Buffer, opcode = 0x1): Buffer {
  const n = payload.length; // ASCII only: bytes === chars
  const head = n < 126 ? 2 : 4;
  const frame = Buffer.allocUnsafe(head + 4 + n);
  frame[0] = 0x80 | opcode;
  if (n < 126) frame[1] = 0x80 | n;
  else {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(n, 2);
  }
  key.copy(frame, head);
  const at = head + 4;
  frame.write(payload, at, 'latin1');
  for (let i = 0; i < n; i++) frame[at + i]! ^= key[i & 3]!;
  return frame;
}


type OnMessage = (conn: LeanConnection, text: string) => void;

class LeanConnection {
  readonly key = randomBytes(4);
  aei = '';
  inflight = 0;
  private pending: Buffer[] = [];
  private input: Buffer | null = null;
  private upgraded = false;

  constructor(
    readonly socket: Socket,
    private readonly onMessage: OnMessage,
    private readonly onUpgrade: (ok: boolean) => void,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.data(chunk));
    socket.on('error', () => {});
    socket.on('close', () => {
      if (!this.upgraded) this.onUpgrade(false);
    });
  }

  queue(text: string): void {
    if (this.pending.length === 0) dirty.push(this);
    this.pending.push(maskedFrame(text, this.key));
  }

  flush(): void {
    const p = this.pending;
    if (p.length === 0) return;
    this.pending = [];
    this.socket.write(p.length === 1 ? p[0]! : Buffer.concat(p));
  }

  private data(chunk: Buffer): void {
    let buf = this.input === null ? chunk : Buffer.concat([this.input, chunk]);
    this.input = null;
    if (!this.upgraded) {
      const split = splitHead(buf);
      if (split === null) {
        this.input = buf;
        return;
      }
      const ok = split.head.startsWith('HTTP/1.1 101');
      this.upgraded = ok;
      this.onUpgrade(ok);
      if (!ok) return void this.socket.destroy();
      buf = split.rest;
    }
    let p = 0;
    for (let f = nextFrame(buf, p); f !== null; f = nextFrame(buf, p)) {
      if (f.opcode === 0x1 && f.fin) this.onMessage(this, buf.toString('latin1', f.start, f.end));
      else if (f.opcode === 0x9) this.pending.push(maskedFrame(buf.toString('latin1', f.start, f.end), this.key, 0xa));
      else if (f.opcode === 0x8) this.socket.end();
      else if (f.opcode !== 0xa) throw new Error(`lean client: unexpected frame (opcode ${f.opcode}, fin ${f.fin}): fragmented or binary`);
      p = f.end;
    }
    if (p < buf.length) this.input = buf.subarray(p);
    this.flush();
  }
}

/** Connections with queued frames, flushed together once per tick. */
const dirty: LeanConnection[] = [];
function flushAll(): void {
  for (const c of dirty) c.flush();
  dirty.length = 0;
}

// ---- what the connections do with messages -------------------------------------------------

let noteLatencies: number[] = [];
/** Per round trip k: when it counts from (intended or sent), and whether it was answered. */
let sentAt = new Float64Array(0);
let latencies: number[] = [];
let ok = 0;
let outstanding = 0;
let refill: ((conn: LeanConnection) => void) | null = null;
const registrations = new Map<string, (rsc: number, aei: string) => void>();

function onMessage(conn: LeanConnection, text: string): void {
  const rqi = field(text, 'rqi') ?? '';
  if (text.includes('"op":')) {
    // A request from the server: a notification. Answer it, and record its latency.
    const con = field(text, 'con');
    if (con !== undefined) noteLatencies.push(now() - Number(con.slice(con.indexOf(':') + 1)));
    conn.queue(`{"rsc":2000,"rqi":"${rqi}","rvi":"3"}`);
    return;
  }
  const rsc = Number(field(text, 'rsc'));
  const k = rqi.charCodeAt(0) === 0x6b ? Number(rqi.slice(1)) : -1; // "k<index>"
  if (k < 0) {
    const done = registrations.get(rqi);
    if (done !== undefined) {
      registrations.delete(rqi);
      done(rsc, field(text, 'aei') ?? '');
    }
    return;
  }
  outstanding--;
  conn.inflight--;
  if (rsc === 2000) {
    ok++;
    latencies.push(performance.now() - sentAt[k]!);
  }
  refill?.(conn);
}

// ---- connect and register ------------------------------------------------------------------

const connections: LeanConnection[] = [];
let failed = 0;

function open(i: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const socket = connect({ host: target.hostname, port: Number(target.port) });
    const conn = new LeanConnection(socket, onMessage, (upgraded) => {
      if (!upgraded) {
        failed++;
        return resolve();
      }
      const rqi = `reg-${prefix}-${i}`;
      registrations.set(rqi, (rsc, aei) => {
        if (rsc === 2001) {
          conn.aei = aei;
          connections.push(conn);
        } else failed++;
        resolve();
      });
      conn.queue(`{"op":1,"to":"cse-in","fr":"C${prefix}-${i}","rqi":"${rqi}","ty":2,"rvi":"3","pc":{"m2m:ae":{"api":"Nload","rr":true,"srv":["3"]}}}`);
      flushAll();
    });
    socket.once('connect', () => {
      socket.write(
        `GET ${target.pathname} HTTP/1.1\r\nHost: ${target.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: oneM2M.json\r\n\r\n`,
      );
    });
  });
}

const t0 = performance.now();
for (let i = 0; i < count; i += 100) await Promise.all(Array.from({ length: Math.min(100, count - i) }, (_, k) => open(i + k)));
process.send!({ type: 'ready', count: connections.length, failed, ms: performance.now() - t0 });

// ---- round trips ---------------------------------------------------------------------------

let next = 0;
function request(conn: LeanConnection, from: number): void {
  if (next >= sentAt.length) {
    const grown = new Float64Array(Math.max(1024, sentAt.length * 2));
    grown.set(sentAt);
    sentAt = grown;
  }
  sentAt[next] = from;
  conn.queue(`{"op":2,"to":"cse-in","fr":"${conn.aei}","rqi":"k${next}","rvi":"3"}`);
  next++;
  outstanding++;
  conn.inflight++;
}

async function roundTrips(seconds: number, rate: number, maxOutstanding?: number): Promise<{ sent: number; ok: number; latencies: number[]; cpu: number }> {
  latencies = [];
  ok = 0;
  next = 0;
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  const end = start + seconds * 1000;
  let stopping = false;
  if (maxOutstanding !== undefined) {
    // Saturation: each connection keeps `depth` requests in flight.
    const depth = Math.max(1, Math.round(maxOutstanding / connections.length));
    refill = (conn) => {
      if (!stopping && conn.inflight < depth) request(conn, performance.now());
    };
    for (const c of connections) for (let d = 0; d < depth; d++) request(c, performance.now());
    flushAll();
    await new Promise((r) => setTimeout(r, seconds * 1000));
    stopping = true;
  } else {
    refill = null;
    let rr = 0;
    const total = Math.floor(seconds * rate);
    await new Promise<void>((resolve) => {
      const tick = setInterval(() => {
        const t = performance.now();
        // Requests 0..floor(elapsed * rate) are due (request k at start + k / rate).
        const due = Math.min(total, Math.floor(((t - start) / 1000) * rate) + 1);
        while (next < due) request(connections[rr++ % connections.length]!, start + (next * 1000) / rate);
        flushAll();
        if (t >= end) {
          clearInterval(tick);
          resolve();
        }
      }, 2);
    });
  }
  const drain = Date.now() + 10_000;
  while (outstanding > 0 && Date.now() < drain) await new Promise((r) => setTimeout(r, 10));
  refill = null;
  const c = process.cpuUsage(cpu0);
  return { sent: next, ok, latencies, cpu: (c.user + c.system) / 1e6 };
}

process.on('message', async (msg: { type: string; seconds?: number; rate?: number; maxOutstanding?: number }) => {
  if (msg.type === 'stop') {
    for (const c of connections) c.socket.destroy();
    process.exit(0);
  }
  if (msg.type === 'rr') process.send!({ type: 'rr', ...(await roundTrips(msg.seconds!, msg.rate!, msg.maxOutstanding)) });
  if (msg.type === 'notes') {
    process.send!({ type: 'notes', latencies: noteLatencies });
    noteLatencies = [];
  }
});
process.on('disconnect', () => process.exit(0));
