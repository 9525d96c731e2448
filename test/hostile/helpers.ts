/**
 * Shared pieces of the hostile-peer tests: an echo server on our engine with tight limits, and
 * a well-behaved client that keeps sending and measures that it was served throughout an attack.
 */
import { readFileSync } from 'node:fs';
import { connect } from '../../src/ws/client.js';
import { createServer, type ServerOptions, type WebSocketServer } from '../../src/ws/server.js';
import type { WebSocket } from '../../src/ws/connection.js';

/** Limits small enough that each attack reaches them quickly. */
export const HOSTILE_LIMITS = {
  handshakeTimeout: 400,
  maxMessageSize: 1024 * 1024,
  maxFragments: 1024,
  highWaterMark: 64 * 1024,
  maxBufferedAmount: 1024 * 1024,
  closeTimeout: 1000,
  perMessageDeflate: true,
} satisfies ServerOptions;

export interface EchoServer {
  server: WebSocketServer;
  port: number;
  /** Every server-side connection, with its close code and the largest bufferedAmount seen. */
  conns: Array<{ ws: WebSocket; closed?: { code: number; error?: string }; maxBuffered: number }>;
  close(): Promise<void>;
}

export async function echoServer(options: ServerOptions = HOSTILE_LIMITS): Promise<EchoServer> {
  const conns: EchoServer['conns'] = [];
  const server = createServer(options, (ws) => {
    const entry: EchoServer['conns'][number] = { ws, maxBuffered: 0 };
    conns.push(entry);
    ws.on('message', (data, isBinary) => {
      if (ws.readyState !== 'open') return;
      ws.send(Buffer.from(data), { binary: isBinary });
      if (ws.bufferedAmount > entry.maxBuffered) entry.maxBuffered = ws.bufferedAmount;
    });
    ws.on('close', (code, _reason, error) => {
      entry.closed = error === undefined ? { code } : { code, error: error.message };
    });
  });
  const { port } = await server.listen(0, '127.0.0.1');
  return { server, port, conns, close: () => server.close() };
}

export interface ServiceStats {
  sent: number;
  received: number;
  maxLatencyMs: number;
  p99LatencyMs: number;
}

/**
 * A good client: sends a small message every `intervalMs` and times each echo, until `stop()`.
 * `stop()` waits for the last echoes (bounded) and resolves with the figures.
 */
export async function goodClient(port: number, intervalMs = 20): Promise<{ stop(): Promise<ServiceStats> }> {
  const ws = await connect(`ws://127.0.0.1:${port}/`, { pingInterval: 0 });
  const sentAt = new Map<number, number>();
  const latencies: number[] = [];
  let seq = 0;
  ws.on('message', (data) => {
    const n = Number(data.toString());
    const t = sentAt.get(n);
    if (t !== undefined) {
      latencies.push(performance.now() - t);
      sentAt.delete(n);
    }
  });
  const timer = setInterval(() => {
    if (ws.readyState !== 'open') return;
    sentAt.set(seq, performance.now());
    ws.send(String(seq++));
  }, intervalMs);
  return {
    async stop() {
      clearInterval(timer);
      const deadline = Date.now() + 3000;
      while (sentAt.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      ws.terminate();
      const sorted = [...latencies].sort((a, b) => a - b);
      return {
        sent: seq,
        received: latencies.length,
        maxLatencyMs: sorted[sorted.length - 1] ?? Infinity,
        p99LatencyMs: sorted[Math.floor(sorted.length * 0.99)] ?? Infinity,
      };
    },
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** How many sockets this process may open, from `ulimit -n` (fds of both ends count here). */
export function fdBudget(): number {
  // process.getrlimit does not exist in Node 20; read /proc.
  try {
    const m = /Max open files\s+(\d+)/.exec(readFileSync('/proc/self/limits', 'utf8'));
    if (m !== null) return Number(m[1]);
  } catch {
    /* not Linux */
  }
  return 1024;
}
