/**
 * Helpers for the permessage-deflate loopback tests: test data, a raw client that performs the
 * opening handshake with a chosen `Sec-WebSocket-Extensions` offer and then speaks raw frames,
 * a raw server that answers a handshake with a chosen extension response, and a parser for the
 * frames a peer sends back.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import zlib from 'node:zlib';
import { rawFrame } from './frames.js';
import { prng } from './prng.js';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export function acceptKey(key: string): string {
  return createHash('sha1').update(key + GUID).digest('base64');
}

// ---- test data ---------------------------------------------------------------------------

/**
 * Valid UTF-8 text of exactly `size` bytes: oneM2M-like JSON with varied numbers, words and
 * some multi-byte characters, so it compresses but not trivially.
 */
export function textOf(size: number, seed: number): string {
  const rand = prng(seed);
  const words = ['temperature', 'humidity', 'm2m:cin', 'con', 'rqi', 'Cae-sensor', 'lbl', 'état', '€', 'µs', 'value', 'cnf'];
  const parts: string[] = [];
  let bytes = 0;
  while (bytes < size + 8) {
    const r = rand();
    const part = r < 0.3 ? `{"${words[Math.floor(rand() * words.length)]!}":${Math.floor(rand() * 100000)}},` : r < 0.4 ? String.fromCharCode(0x41 + Math.floor(rand() * 26)) : words[Math.floor(rand() * words.length)]!;
    parts.push(part);
    bytes += Buffer.byteLength(part);
  }
  const buf = Buffer.from(parts.join(''));
  // Cut at `size` bytes, then pad the cut character with ASCII so the length is exact.
  let end = size;
  while (end > 0 && (buf[end]! & 0xc0) === 0x80) end--;
  return buf.subarray(0, end).toString('utf8') + 'x'.repeat(size - end);
}

/** Binary data: runs of random bytes (incompressible) and repeats of earlier bytes. */
export function binaryOf(size: number, seed: number): Buffer {
  const rand = prng(seed);
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  while (at < size) {
    const run = Math.min(size - at, 16 + Math.floor(rand() * 200));
    if (at > 300 && rand() < 0.6) {
      const from = at - 1 - Math.floor(rand() * Math.min(at - 1, 4000));
      for (let i = 0; i < run; i++) out[at + i] = out[from + i]!;
    } else {
      for (let i = 0; i < run; i++) out[at + i] = Math.floor(rand() * 256);
    }
    at += run;
  }
  return out;
}

/** Compresses one message as RFC 7692 says: raw deflate, sync flush, tail removed. */
export function deflateMessage(data: Buffer, options: zlib.ZlibOptions = {}): Buffer {
  const out = zlib.deflateRawSync(data, { ...options, finishFlush: zlib.constants.Z_SYNC_FLUSH });
  return out.subarray(0, out.length - 4);
}

// ---- frames read from a peer -------------------------------------------------------------

export interface ParsedFrame {
  fin: boolean;
  rsv: number;
  opcode: number;
  payload: Buffer;
}

/** Parses whole frames (masked or not) from `bytes`; an incomplete tail is ignored. */
export function parseFrames(bytes: Buffer): ParsedFrame[] {
  const frames: ParsedFrame[] = [];
  let at = 0;
  while (at + 2 <= bytes.length) {
    const b0 = bytes[at]!;
    const b1 = bytes[at + 1]!;
    let length = b1 & 0x7f;
    let p = at + 2;
    if (length === 126) {
      if (p + 2 > bytes.length) break;
      length = bytes.readUInt16BE(p);
      p += 2;
    } else if (length === 127) {
      if (p + 8 > bytes.length) break;
      length = Number(bytes.readBigUInt64BE(p));
      p += 8;
    }
    let key: Buffer | null = null;
    if (b1 & 0x80) {
      key = bytes.subarray(p, p + 4);
      p += 4;
    }
    if (p + length > bytes.length) break;
    const payload = Buffer.from(bytes.subarray(p, p + length));
    if (key !== null) for (let i = 0; i < payload.length; i++) payload[i]! ^= key[i & 3]!;
    frames.push({ fin: (b0 & 0x80) !== 0, rsv: (b0 >> 4) & 7, opcode: b0 & 0x0f, payload });
    at = p + length;
  }
  return frames;
}

/** The close code of the first close frame in `frames`, or undefined. */
export function closeCodeOf(frames: ParsedFrame[]): number | undefined {
  const close = frames.find((f) => f.opcode === 0x8);
  return close === undefined || close.payload.length < 2 ? undefined : close.payload.readUInt16BE(0);
}

// ---- a raw client ------------------------------------------------------------------------

export interface RawClient {
  socket: Socket;
  /** The response head's header lines, by lower-case name. */
  headers: Map<string, string>;
  status: number;
  /** Everything received after the response head. */
  received(): Buffer;
  frames(): ParsedFrame[];
  /** Sends a masked frame (as a client must). */
  send(frame: Parameters<typeof rawFrame>[0]): void;
  closed: Promise<void>;
  /** performance.now() when the bytes of a close frame were first seen, if any. */
  readonly closeFrameAt: number | undefined;
}

/** Connects, sends an upgrade request offering `extensions` (if given) and reads the response head. */
export async function rawClient(port: number, extensions?: string, timeoutMs = 5000): Promise<RawClient> {
  const socket = connect({ host: '127.0.0.1', port });
  socket.on('error', () => {});
  const closed = once(socket, 'close').then(() => undefined);
  await once(socket, 'connect');
  const key = Buffer.from('0123456789abcdef').toString('base64');
  socket.write(
    'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n` +
      (extensions !== undefined ? `Sec-WebSocket-Extensions: ${extensions}\r\n` : '') +
      '\r\n',
  );
  let buffered = Buffer.alloc(0);
  let body: Buffer[] = [];
  let head: string | null = null;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no handshake response')), timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      if (head !== null) {
        body.push(chunk);
        return;
      }
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0) return;
      head = buffered.subarray(0, end).toString('latin1');
      body = [buffered.subarray(end + 4)];
      clearTimeout(timer);
      resolve();
    });
    socket.once('close', () => reject(new Error('closed during the handshake')));
  });
  const lines = head!.split('\r\n');
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  const received = (): Buffer => Buffer.concat(body);
  let closeFrameAt: number | undefined;
  socket.on('data', () => {
    if (closeFrameAt === undefined && parseFrames(received()).some((f) => f.opcode === 0x8)) closeFrameAt = performance.now();
  });
  return {
    get closeFrameAt() {
      return closeFrameAt;
    },
    socket,
    headers,
    status: Number(lines[0]!.split(' ')[1]),
    received,
    frames: () => parseFrames(received()),
    send: (frame) => void socket.write(rawFrame({ masked: true, ...frame })),
    closed,
  };
}

// ---- a raw server ------------------------------------------------------------------------

/**
 * A `net` server that answers every upgrade request with 101, a correct accept value and the
 * given `Sec-WebSocket-Extensions` value (whatever the client offered), then keeps the socket
 * open. `offers` records what each client offered.
 */
export async function rawExtensionServer(extensions: string): Promise<{ server: Server; port: number; offers: string[]; close(): Promise<void> }> {
  const offers: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    let buffered = '';
    const onData = (chunk: Buffer): void => {
      buffered += chunk.toString('latin1');
      if (!buffered.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      const key = /sec-websocket-key:\s*(\S+)/i.exec(buffered)?.[1] ?? '';
      offers.push(/sec-websocket-extensions:\s*([^\r]*)/i.exec(buffered)?.[1] ?? '');
      socket.write(
        'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          `Sec-WebSocket-Accept: ${acceptKey(key)}\r\nSec-WebSocket-Extensions: ${extensions}\r\n\r\n`,
      );
    };
    socket.on('data', onData);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    server,
    port: (server.address() as { port: number }).port,
    offers,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/**
 * A `net` server that accepts one upgrade with permessage-deflate (echoing `extensions`), then
 * writes `frames` (unmasked, as a server sends them) and collects what the client sends back.
 */
export async function rawFrameServer(
  extensions: string,
  frames: Buffer[],
): Promise<{ port: number; received: () => Buffer; closed: Promise<void>; close(): Promise<void> }> {
  const chunks: Buffer[] = [];
  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => (resolveClosed = r));
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => {
      sockets.delete(socket);
      resolveClosed();
    });
    let buffered = '';
    let upgraded = false;
    socket.on('data', (chunk: Buffer) => {
      if (upgraded) {
        chunks.push(chunk);
        return;
      }
      buffered += chunk.toString('latin1');
      if (!buffered.includes('\r\n\r\n')) return;
      upgraded = true;
      const key = /sec-websocket-key:\s*(\S+)/i.exec(buffered)?.[1] ?? '';
      socket.write(
        'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          `Sec-WebSocket-Accept: ${acceptKey(key)}\r\nSec-WebSocket-Extensions: ${extensions}\r\n\r\n`,
      );
      for (const f of frames) socket.write(f);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as { port: number }).port,
    received: () => Buffer.concat(chunks),
    closed,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
