/**
 * The server side: accepts upgrade requests on its own `net`/`tls` server, or on an existing
 * `node:http(s)` server's `upgrade` event, and turns each accepted socket into a `WebSocket`.
 *
 * Every refusal is a real HTTP response (status, a short plain-text reason, `Connection:
 * close`) and a `handshakeError` event the host can log. The handshake is bounded in size
 * (HttpHeadParser limits) and in time (`handshakeTimeout`, 408 then close).
 */
import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket, type TlsOptions } from 'node:tls';
import { CONNECTION_DEFAULTS, WebSocket, resolveConnectionOptions, type ConnectionOptions } from './connection.js';
import { parseExtensionHeader } from './protocol/extension-header.js';
import { PerMessageDeflate, checkDeflateOptions, serverNegotiate, type DeflateOptions } from './protocol/deflate.js';
import {
  HandshakeError,
  HttpHeadParser,
  buildAcceptResponse,
  buildRejectResponse,
  checkUpgradeRequest,
  type HeadLimits,
  type HttpHead,
} from './protocol/handshake.js';

/** What the host sees of a handshake before deciding on it. */
export interface HandshakeRequest {
  /** Request target, e.g. `/` or `/path?x=1`. */
  target: string;
  /** Request headers by lower-case name; repeated lines joined with ", ". */
  headers: ReadonlyMap<string, string>;
  /** Subprotocols offered, in the client's order of preference, exactly as sent. */
  protocols: readonly string[];
  remoteAddress: string | undefined;
  /** The underlying socket (a `TLSSocket` for wss: peer certificate, PSK identity). */
  socket: Socket;
}

export type HandshakeDecision =
  | { accept: true; protocol?: string | undefined; headers?: ReadonlyArray<[string, string]> }
  | { accept: false; status: number; reason: string; headers?: ReadonlyArray<[string, string]> };

export interface ServerOptions extends ConnectionOptions {
  /**
   * Decides on each valid upgrade request: accept (with the subprotocol to select) or refuse
   * (with an HTTP status and reason). Default: accept, selecting the first offered subprotocol.
   */
  onHandshake?: (request: HandshakeRequest) => HandshakeDecision | Promise<HandshakeDecision>;
  /** permessage-deflate: off by default; `true` for the defaults, or options. */
  perMessageDeflate?: boolean | DeflateOptions;
  /** Limits on the request head (defaults: 8 KiB lines, 100 fields, 16 KiB in all). */
  headLimits?: Partial<HeadLimits>;
  /** Time allowed from TCP accept to a complete request head, in ms (default 10,000). */
  handshakeTimeout?: number;
  /** TLS options: when given, `listen()` serves wss (set `requestCert` for mutual TLS). */
  tls?: TlsOptions;
}

export interface ServerEvents {
  connection: [ws: WebSocket, request: HandshakeRequest];
  /** A refused or failed handshake (already answered); for logging. */
  handshakeError: [error: HandshakeError | Error, remoteAddress: string | undefined];
}

export class WebSocketServer extends EventEmitter<ServerEvents> {
  /** Open connections. */
  readonly clients = new Set<WebSocket>();
  private readonly options: ServerOptions;
  private readonly deflate: DeflateOptions | null;
  private readonly handshakeTimeout: number;
  private server: NetServer | null = null;
  private readonly pending = new Set<Socket>();
  /** Connection options with defaults filled in once, shared by every connection. */
  private readonly connectionOptions: Required<ConnectionOptions>;

  constructor(options: ServerOptions = {}) {
    super();
    this.options = options;
    this.connectionOptions = resolveConnectionOptions(options);
    const d = options.perMessageDeflate;
    this.deflate = d === undefined || d === false ? null : d === true ? {} : d;
    // Bad settings fail here, not later inside a peer's handshake.
    if (this.deflate !== null) checkDeflateOptions(this.deflate);
    this.handshakeTimeout = options.handshakeTimeout ?? 10_000;
  }

  /** Listens on its own TCP (or TLS, with `options.tls`) server. */
  async listen(port: number, host = '127.0.0.1'): Promise<AddressInfo> {
    const onSocket = (socket: Socket): void => this.handleSocket(socket);
    const tlsOptions = this.options.tls;
    const server = tlsOptions !== undefined ? createTlsServer(tlsOptions, onSocket) : createNetServer(onSocket);
    // TLS failures (bad client certificate, wrong PSK) never reach a handshake: report them.
    server.on('tlsClientError', (err: Error, socket: TLSSocket) => this.emit('handshakeError', err, socket.remoteAddress));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return server.address() as AddressInfo;
  }

  /** Serves upgrades arriving at an existing `node:http` or `node:https` server. */
  attach(httpServer: NetServer): void {
    httpServer.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => this.handleUpgrade(req, socket, head));
  }

  /** Completes an upgrade that `node:http` has parsed. */
  handleUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    const headers = new Map<string, string>();
    const raw = req.rawHeaders;
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const key = raw[i]!.toLowerCase();
      const previous = headers.get(key);
      headers.set(key, previous === undefined ? raw[i + 1]! : `${previous}, ${raw[i + 1]!}`);
    }
    const httpHead: HttpHead = { startLine: [req.method ?? '', req.url ?? '', `HTTP/${req.httpVersion}`], headers };
    socket.on('error', onSocketError);
    this.upgradeSafely(socket, httpHead, head, null);
  }

  /** Reads and answers the handshake on a raw socket (what `listen()` does for each one). */
  handleSocket(socket: Socket): void {
    this.pending.add(socket);
    // Both are dropped once the head is read: the listeners below outlive the handshake and
    // must not keep the parser (and its header strings) alive for the whole connection.
    let parser: HttpHeadParser | null = new HttpHeadParser(true, this.options.headLimits);
    let timer: NodeJS.Timeout | null = setTimeout(() => this.reject(socket, new HandshakeError(408, 'Handshake timeout')), this.handshakeTimeout);
    timer.unref();
    const done = (): void => {
      if (timer !== null) clearTimeout(timer);
      timer = null;
      parser = null;
      socket.off('data', onData);
    };
    // Removed once the connection is up (upgrade()), so that none of these closures stays
    // attached to the socket for the life of the connection.
    const onClose = (): void => {
      done();
      this.pending.delete(socket);
    };
    const onData = (chunk: Buffer): void => {
      if (parser === null) return;
      let result;
      try {
        result = parser.push(chunk);
      } catch (err) {
        done();
        this.reject(socket, err as Error);
        return;
      }
      if (result === null) return;
      done();
      socket.pause(); // frames that follow wait in the socket until the WebSocket reads them
      this.upgradeSafely(socket, result.head, result.rest, onClose);
    };
    socket.on('data', onData);
    socket.on('error', onSocketError);
    socket.on('close', onClose);
  }

  /** Stops listening and closes every connection with 1001 (going away). */
  async close(): Promise<void> {
    for (const ws of this.clients) ws.close(1001, 'Server shutting down');
    for (const socket of this.pending) socket.destroy();
    const server = this.server;
    const closing = new Promise<void>((resolve) => (server === null ? resolve() : server.close(() => resolve())));
    const deadline = Date.now() + (this.options.closeTimeout ?? CONNECTION_DEFAULTS.closeTimeout);
    while (this.clients.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    for (const ws of this.clients) ws.terminate();
    await closing;
  }

  /** An unexpected failure while upgrading is a 500 for that peer, never a process crash. */
  private upgradeSafely(socket: Socket, head: HttpHead, rest: Buffer, onPendingClose: (() => void) | null): void {
    this.upgrade(socket, head, rest, onPendingClose).catch((err: unknown) => {
      this.reject(socket, new HandshakeError(500, `Internal error: ${err instanceof Error ? err.message : String(err)}`));
    });
  }

  private async upgrade(socket: Socket, head: HttpHead, rest: Buffer, onPendingClose: (() => void) | null): Promise<void> {
    let request;
    try {
      request = checkUpgradeRequest(head);
    } catch (err) {
      this.reject(socket, err as Error);
      return;
    }
    const info: HandshakeRequest = {
      target: request.target,
      headers: request.headers,
      protocols: request.protocols,
      remoteAddress: socket.remoteAddress,
      socket,
    };
    let decision: HandshakeDecision;
    try {
      decision = this.options.onHandshake !== undefined ? await this.options.onHandshake(info) : { accept: true, protocol: request.protocols[0] };
    } catch (err) {
      this.reject(socket, new HandshakeError(500, `Handshake hook failed: ${(err as Error).message}`));
      return;
    }
    if (socket.destroyed) return;
    if (!decision.accept) {
      this.reject(socket, new HandshakeError(decision.status, decision.reason, decision.headers));
      return;
    }
    if (decision.protocol !== undefined && !request.protocols.includes(decision.protocol)) {
      this.reject(socket, new HandshakeError(500, 'Handshake hook selected a subprotocol the client did not offer'));
      return;
    }

    let extensions: string | undefined;
    let compressor: PerMessageDeflate | null = null;
    if (request.extensions !== undefined) {
      const offers = parseExtensionHeader(request.extensions);
      if (offers === null) {
        this.reject(socket, new HandshakeError(400, 'Invalid Sec-WebSocket-Extensions header'));
        return;
      }
      if (this.deflate !== null) {
        const agreed = serverNegotiate(offers, this.deflate);
        if (agreed !== null) {
          extensions = agreed.header;
          compressor = new PerMessageDeflate(agreed.params, true, this.deflate);
        }
      }
    }

    this.pending.delete(socket);
    if (onPendingClose !== null) socket.off('close', onPendingClose);
    socket.write(buildAcceptResponse(request.key, decision.protocol, extensions, decision.headers));
    const ws = new WebSocket(socket, { isServer: true, protocol: decision.protocol, extensions, compressor, head: rest }, this.connectionOptions);
    this.clients.add(ws);
    ws.on('close', () => this.clients.delete(ws)); // emitted once; `on` saves once()'s wrapper
    this.emit('connection', ws, info);
  }

  private reject(socket: Socket, err: Error): void {
    const status = err instanceof HandshakeError && err.status >= 400 ? err.status : 400;
    const headers = err instanceof HandshakeError ? err.headers : [];
    this.emit('handshakeError', err, socket.remoteAddress);
    if (!socket.destroyed && socket.writable) socket.end(buildRejectResponse(status, err.message, headers));
    // Do not wait for the peer to read the refusal forever.
    setTimeout(() => socket.destroy(), 1000).unref();
  }
}

/** A socket error ends the socket; the close path reports it. */
function onSocketError(this: Socket): void {
  this.destroy();
}

/** Creates a server; `onConnection` is added as a `connection` listener. */
export function createServer(options: ServerOptions = {}, onConnection?: (ws: WebSocket, request: HandshakeRequest) => void): WebSocketServer {
  const server = new WebSocketServer(options);
  if (onConnection !== undefined) server.on('connection', onConnection);
  return server;
}
