/**
 * A small HTTP CONNECT proxy for loopback tests. It parses the CONNECT request itself (not with
 * the code under test), optionally requires Basic auth, records what it saw, and tunnels only to
 * 127.0.0.1: any other target is refused with 403 before anything is dialled.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { once } from 'node:events';

export type ProxyBehaviour =
  /** Tunnel as a proxy should. */
  | 'tunnel'
  /** Answer every CONNECT with 502 Bad Gateway. */
  | 'bad-gateway'
  /** Read the request and never answer. */
  | 'silent'
  /** Close the connection without answering. */
  | 'hang-up'
  /** Wait for the target's first bytes and send them in the same write as the 200. */
  | 'coalesce';

export interface ConnectProxyOptions {
  behaviour?: ProxyBehaviour;
  /** Require `Proxy-Authorization: Basic` with these credentials (407 otherwise). */
  auth?: { user: string; password: string };
}

export interface SeenRequest {
  method: string;
  target: string;
  version: string;
  /** Header names in lower case. */
  headers: Map<string, string>;
}

export interface ConnectProxy {
  port: number;
  /** `http://127.0.0.1:port`, with the given credentials (percent-encoded) if any. */
  url(user?: string, password?: string): string;
  /** Every CONNECT request received, in order. */
  seen: SeenRequest[];
  close(): Promise<void>;
}

const MAX_HEAD = 16 * 1024;

export async function startConnectProxy(options: ConnectProxyOptions = {}): Promise<ConnectProxy> {
  const behaviour = options.behaviour ?? 'tunnel';
  const seen: SeenRequest[] = [];
  const sockets = new Set<Socket>();

  const server: Server = createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    let buffered = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf('\r\n\r\n');
      if (end === -1) {
        if (buffered.length > MAX_HEAD) client.destroy();
        return;
      }
      client.off('data', onData);
      client.pause();
      const request = parseHead(buffered.subarray(0, end).toString('latin1'));
      if (request === null) return void answer(client, 400, 'Bad Request');
      seen.push(request);
      handle(client, request, buffered.subarray(end + 4));
    };
    client.on('data', onData);
  });

  const handle = (client: Socket, request: SeenRequest, rest: Buffer): void => {
    if (request.method !== 'CONNECT') return answer(client, 405, 'Method Not Allowed');
    if (options.auth !== undefined) {
      const expected = `Basic ${Buffer.from(`${options.auth.user}:${options.auth.password}`).toString('base64')}`;
      if (request.headers.get('proxy-authorization') !== expected) {
        return answer(client, 407, 'Proxy Authentication Required', 'Proxy-Authenticate: Basic realm="test"\r\n');
      }
    }
    const colon = request.target.lastIndexOf(':');
    const host = request.target.slice(0, colon);
    const port = Number(request.target.slice(colon + 1));
    // Loopback only: these tests must never send traffic anywhere else.
    if (colon === -1 || host !== '127.0.0.1' || !Number.isInteger(port) || port < 1 || port > 65535) return answer(client, 403, 'Forbidden');
    switch (behaviour) {
      case 'bad-gateway':
        return answer(client, 502, 'Bad Gateway');
      case 'silent':
        return;
      case 'hang-up':
        client.destroy();
        return;
      case 'tunnel':
      case 'coalesce':
        tunnel(client, port, rest, behaviour === 'coalesce');
    }
  };

  const tunnel = (client: Socket, port: number, rest: Buffer, coalesce: boolean): void => {
    const upstream = connect({ host: '127.0.0.1', port });
    sockets.add(upstream);
    upstream.on('close', () => {
      sockets.delete(upstream);
      client.destroy();
    });
    client.on('close', () => upstream.destroy());
    upstream.on('error', () => {
      if (!client.destroyed && client.writable && upstream.bytesRead === 0) answer(client, 502, 'Bad Gateway');
      upstream.destroy();
    });
    const established = 'HTTP/1.1 200 Connection Established\r\n\r\n';
    const pipeBothWays = (): void => {
      if (rest.length > 0) upstream.write(rest);
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    };
    upstream.once('connect', () => {
      if (!coalesce) {
        client.write(established);
        pipeBothWays();
        return;
      }
      upstream.once('data', (first: Buffer) => {
        upstream.pause();
        client.write(Buffer.concat([Buffer.from(established), first]));
        pipeBothWays();
      });
    });
  };

  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  return {
    port,
    url: (user, password) =>
      user === undefined ? `http://127.0.0.1:${port}` : `http://${encodeURIComponent(user)}:${encodeURIComponent(password ?? '')}@127.0.0.1:${port}`,
    seen,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function answer(client: Socket, status: number, reason: string, extraHeaders = ''): void {
  client.end(`HTTP/1.1 ${status} ${reason}\r\n${extraHeaders}Content-Length: 0\r\nConnection: close\r\n\r\n`);
}

function parseHead(text: string): SeenRequest | null {
  const lines = text.split('\r\n');
  const parts = lines[0]!.split(' ');
  if (parts.length !== 3) return null;
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) return null;
    headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { method: parts[0]!, target: parts[1]!, version: parts[2]!, headers };
}
