/**
 * The registrar side of TS-0020 (clauses 5.2, 6.4, 6.5): a WebSocket server embedded in a CSE.
 *
 * - Subprotocol negotiation: the client's most preferred name we support, echoed exactly; no
 *   acceptable name is a 400 whose body lists the names we support.
 * - Gating: until a connection is associated with a registered originator only registration
 *   requests (create `<AE>` ty 2, create `<remoteCSE>` ty 16) reach the host; anything else is
 *   answered 4103. A connection is associated with the AE-ID / CSE-ID of a successful
 *   registration response, or with an originator the host confirms as registered: the
 *   `X-M2M-Origin` handshake header, the TLS client identity, or the first request's `fr`.
 * - On an AE's connection a request whose `fr` is not that AE is answered 4103 (a CSE registree
 *   may forward for others). Closing never de-registers; `deregister()` dissociates.
 * - One connection per registree: a newer association replaces the older connection.
 * - Routing with store-and-forward: `send()` to a registree goes over its connection, or is
 *   buffered (bounded, durable with a FileStore) until it reconnects or the primitive expires;
 *   buffered primitives are delivered in order before new traffic.
 */
import { EventEmitter } from 'node:events';
import type { Server as NetServer, AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { WebSocket } from '../ws/connection.js';
import { WebSocketServer, type HandshakeDecision, type HandshakeRequest, type ServerOptions } from '../ws/server.js';
import { ResponseStatusCode, type RequestPrimitive, type ResponsePrimitive, type Serialization } from '../primitives/index.js';
import { Endpoint, isLocalResponse, isRegistration, localResponse, type EndpointOptions, type RequestHandler } from './endpoint.js';
import { silentLogger, type Logger } from './log.js';
import { MemoryStore } from './store/memory.js';
import type { PrimitiveStore, StoredEntry } from './store/types.js';
import { ALL_SERIALIZATIONS, isRelease2, selectSubprotocol, serializationOf, supportedNames } from './subprotocols.js';
import { resolveTimestamp } from './time.js';

export type RegistreeKind = 'ae' | 'cse';

/** One accepted connection from a registree (or a would-be registree). */
export class RegistreeConnection {
  /** The AE-ID or CSE-ID this connection is associated with, once known. */
  id: string | undefined;
  kind: RegistreeKind | undefined;
  readonly endpoint: Endpoint;
  /** Identities offered at the handshake, candidates for association on a reopened connection. */
  readonly claimedOrigin: string | undefined;
  readonly tlsIdentity: string | undefined;
  readonly remoteAddress: string | undefined;

  constructor(endpoint: Endpoint, request: HandshakeRequest, tlsIdentity: string | undefined) {
    this.endpoint = endpoint;
    this.claimedOrigin = request.headers.get('x-m2m-origin');
    this.tlsIdentity = tlsIdentity;
    this.remoteAddress = request.remoteAddress;
  }

  get ws(): WebSocket {
    return this.endpoint.ws;
  }

  get protocol(): string {
    return this.endpoint.ws.protocol;
  }
}

/** The RequestContext of one connection. */
class ConnectionContext implements RequestContext {
  constructor(
    readonly connection: RegistreeConnection,
    readonly registrar: Registrar,
  ) {}

  associate(id: string, kind: RegistreeKind): void {
    this.registrar.associateForHost(this.connection, id, kind);
  }
}

const kContext = Symbol('onem2m-ws.RequestContext');
type OwnedEndpoint = Endpoint & { [kContext]: ConnectionContext };
function endpointOnClose(this: Endpoint, code: number, reason: string): void {
  const context = (this as OwnedEndpoint)[kContext];
  context.registrar.onClose(context.connection, code, reason);
}

export interface RequestContext {
  connection: RegistreeConnection;
  registrar: Registrar;
  /**
   * Associates this connection with a registree the host has just registered, for responses
   * that do not carry `m2m:ae.aei` / `m2m:csr.csi` (a registration with `rcn` 0, say).
   */
  associate(id: string, kind: RegistreeKind): void;
}

export type RegistrarHandler = (
  request: RequestPrimitive,
  context: RequestContext,
) => ResponsePrimitive | null | Promise<ResponsePrimitive | null>;

export type SendResult =
  | { status: 'delivered'; response: ResponsePrimitive | null }
  | { status: 'buffered'; entry: StoredEntry }
  | { status: 'refused'; response: ResponsePrimitive };

export interface RegistrarOptions {
  /** The host CSE's request handler. */
  handler: RegistrarHandler;
  /** Is this originator registered with the host? Used to associate a reopened connection. */
  isRegistered?: (originator: string) => boolean | Promise<boolean>;
  /** Serializations this server speaks (default all three). */
  serializations?: readonly Serialization[];
  /** Where undeliverable primitives wait (default: an in-memory store). */
  store?: PrimitiveStore;
  /** Lifetime of a buffered primitive without `rqet`, in ms (default 24 h). */
  bufferLifetime?: number;
  /** Close a connection idle this long with nothing outstanding, in ms (default 0: never). */
  idleTimeout?: number;
  /** Emit wrapped JSON/CBOR to peers that chose a Release-2 subprotocol (default true). */
  wrapForRelease2?: boolean;
  /** The identity a TLS client proved (default: the certificate's CN when authorized). */
  tlsIdentity?: (socket: TLSSocket) => string | undefined;
  /**
   * What may associate a reopened connection with a registered originator: `'claimed'`
   * (default) also trusts the `X-M2M-Origin` header and the first request's `fr`, as TS-0020
   * deployments without TLS must; `'tls'` accepts only the TLS client identity (certificate or
   * PSK), so nobody can act as a registered AE by naming it.
   */
  originatorTrust?: 'claimed' | 'tls';
  /** WebSocket server options (tls, perMessageDeflate, limits, timeouts). */
  server?: Omit<ServerOptions, 'onHandshake'>;
  endpoint?: Pick<EndpointOptions, 'requestTimeout' | 'maxPendingRequests' | 'maxConcurrentRequests' | 'decodeOptions'>;
  logger?: Logger;
}

export interface RegistrarEvents {
  connection: [connection: RegistreeConnection];
  associated: [connection: RegistreeConnection, id: string];
  disconnected: [connection: RegistreeConnection, code: number, reason: string];
  /** A buffered primitive reached its registree. */
  delivered: [entry: StoredEntry, response: ResponsePrimitive | null];
  /** Buffered primitives dropped because they expired. */
  expired: [entries: StoredEntry[]];
}

/** The certificate's common name when the TLS client was authorized against our CA. */
export function certificateName(socket: TLSSocket): string | undefined {
  if (!socket.authorized) return undefined;
  const cn = socket.getPeerCertificate()?.subject?.CN;
  return typeof cn === 'string' && cn.length > 0 ? cn : undefined;
}

export class Registrar extends EventEmitter<RegistrarEvents> {
  readonly server: WebSocketServer;
  readonly store: PrimitiveStore;
  private readonly options: RegistrarOptions;
  private readonly serializations: readonly Serialization[];
  private readonly log: Logger;
  /** Whether per-primitive debug lines are wanted (formatting them costs on the hot path). */
  private readonly debug: boolean;
  /** The request handler of every endpoint: gating, then the host's handler. */
  private readonly gateHandler: RequestHandler = (request, endpoint) => this.gate((endpoint as OwnedEndpoint)[kContext], request);
  private readonly byId = new Map<string, RegistreeConnection>();
  private readonly connections = new Set<RegistreeConnection>();
  /** Registrees whose buffered primitives are being delivered: new sends queue behind. */
  private readonly flushing = new Set<string>();
  /**
   * Per registree with direct sends (not from the store) in flight: how many, and the sends
   * waiting for them to settle because the connection went away meanwhile (see send()).
   */
  private readonly inFlight = new Map<string, { count: number; held: Array<() => void> }>();
  private readonly expiryTimer: NodeJS.Timeout;

  constructor(options: RegistrarOptions) {
    super();
    this.options = options;
    this.serializations = options.serializations ?? ALL_SERIALIZATIONS;
    this.log = options.logger ?? silentLogger;
    this.debug = this.log.debugEnabled !== false;
    this.store = options.store ?? new MemoryStore();
    this.server = new WebSocketServer({ ...options.server, onHandshake: (request) => this.onHandshake(request) });
    this.server.on('connection', (ws, request) => this.onConnection(ws, request));
    this.server.on('handshakeError', (err, peer) => this.log.warn(`handshake refused from ${peer ?? '?'}: ${err.message}`));
    this.expiryTimer = setInterval(() => this.expire(), 1000);
    this.expiryTimer.unref();
  }

  listen(port: number, host?: string): Promise<AddressInfo> {
    return this.server.listen(port, host);
  }

  attach(httpServer: NetServer): void {
    this.server.attach(httpServer);
  }

  /** The connection associated with a registree, if it is connected. */
  connectionOf(id: string): RegistreeConnection | undefined {
    return this.byId.get(id);
  }

  /** IDs of the registrees that are connected now. */
  connectedIds(): string[] {
    return [...this.byId.keys()];
  }

  /**
   * Sends a request to a registree: over its connection when it has one (`delivered`, with the
   * response), else into the store (`buffered`), or `refused` with a 5103 response saying why.
   *
   * A request whose connection fails while it is in flight goes back into the store (`buffered`)
   * unless `buffer` is false: the peer may or may not have got it, so it is delivered again when
   * the registree is back (at least once). It stays ahead of every request sent after it: while
   * requests to a registree are in flight on a connection that is going away, later sends wait
   * until those have settled before they are buffered.
   */
  async send(to: string, request: RequestPrimitive, options: { buffer?: boolean } = {}): Promise<SendResult> {
    const connection = this.byId.get(to);
    if (connection !== undefined && connection.endpoint.isOpen && !this.flushing.has(to)) {
      return this.sendDirect(to, connection, request, options.buffer !== false);
    }
    if (options.buffer === false) {
      return { status: 'refused', response: localResponse(ResponseStatusCode.TARGET_NOT_REACHABLE, request.rqi, `${to} is not connected`) };
    }
    const inFlight = this.inFlight.get(to);
    if (inFlight !== undefined) {
      await new Promise<void>((release) => inFlight.held.push(release));
      return this.send(to, request, options);
    }
    return this.buffer(to, request);
  }

  /** Over the connection; back into the store if the connection fails before the response. */
  private async sendDirect(to: string, connection: RegistreeConnection, request: RequestPrimitive, rebuffer: boolean): Promise<SendResult> {
    if (this.debug) this.log.debug(`→ ${to} op=${request.op} rqi=${request.rqi}`);
    // Not to be buffered again: nothing to keep later sends behind (fan-outs take this path).
    if (!rebuffer) return { status: 'delivered', response: await connection.endpoint.request(request) };
    let inFlight = this.inFlight.get(to);
    if (inFlight === undefined) {
      inFlight = { count: 0, held: [] };
      this.inFlight.set(to, inFlight);
    }
    inFlight.count++;
    const response = await connection.endpoint.request(request);
    try {
      if (isLocalResponse(response) && !connection.endpoint.isOpen) {
        this.log.info(`rqi=${request.rqi} for ${to} was in flight when its connection failed: buffered again`);
        const buffered = this.buffer(to, request);
        if (buffered.status === 'buffered') {
          // The registree may already be back on a newer connection, flushed before this entry
          // existed: flush again, so that it goes first and does not wait for the next reconnect.
          if (this.byId.get(to)?.endpoint.isOpen === true) void this.flush(to);
          return buffered;
        }
      }
      return { status: 'delivered', response };
    } finally {
      if (--inFlight.count === 0) {
        this.inFlight.delete(to);
        for (const release of inFlight.held) release();
      }
    }
  }

  private buffer(to: string, request: RequestPrimitive): SendResult {
    const now = Date.now();
    const expiresAt = resolveTimestamp(request.rqet, now) ?? now + (this.options.bufferLifetime ?? 24 * 3600_000);
    if (expiresAt <= now) {
      return { status: 'refused', response: localResponse(ResponseStatusCode.TARGET_NOT_REACHABLE, request.rqi, `${to} is not connected and the request has expired`) };
    }
    const put = this.store.put(to, request, expiresAt);
    if (!put.ok) {
      this.log.warn(`cannot buffer rqi=${request.rqi} for ${to}: ${put.reason}`);
      return { status: 'refused', response: localResponse(ResponseStatusCode.TARGET_NOT_REACHABLE, request.rqi, `${to} is not connected and its buffer is full: ${put.reason}`) };
    }
    if (this.debug) this.log.debug(`buffered rqi=${request.rqi} for ${to}`);
    return { status: 'buffered', entry: put.entry };
  }

  /** De-registration: the registree's `<AE>`/`<remoteCSE>` was deleted. Its buffer goes too. */
  deregister(id: string): void {
    const connection = this.byId.get(id);
    if (connection !== undefined) {
      this.byId.delete(id);
      connection.id = undefined;
      connection.kind = undefined;
    }
    this.store.clear(id);
    this.log.info(`${id} de-registered`);
  }

  /** Stops listening, closes every connection (1001) and the store. */
  async close(): Promise<void> {
    clearInterval(this.expiryTimer);
    await this.server.close();
    await this.store.close();
  }

  // ---- handshake and connections --------------------------------------------------------

  private onHandshake(request: HandshakeRequest): HandshakeDecision {
    const protocol = selectSubprotocol(request.protocols, this.serializations);
    if (protocol === undefined) {
      const offered = request.protocols.length > 0 ? request.protocols.join(', ') : 'none';
      return { accept: false, status: 400, reason: `No supported oneM2M subprotocol offered (offered: ${offered}; supported: ${supportedNames(this.serializations).join(', ')})` };
    }
    return { accept: true, protocol };
  }

  private onConnection(ws: WebSocket, request: HandshakeRequest): void {
    const serialization = serializationOf(ws.protocol)!;
    const endpoint = new Endpoint(ws, {
      serialization,
      wrapped: (this.options.wrapForRelease2 ?? true) && isRelease2(ws.protocol),
      logger: this.log,
      label: request.remoteAddress ?? 'peer',
      ...this.options.endpoint,
    });
    const socket = request.socket as TLSSocket;
    const tlsIdentity = socket.encrypted === true ? (this.options.tlsIdentity ?? certificateName)(socket) : undefined;
    const connection = new RegistreeConnection(endpoint, request, tlsIdentity);
    this.connections.add(connection);
    // Per connection: one context object, and no closures (the handler and the close listener
    // are shared and find the connection through the endpoint).
    (endpoint as OwnedEndpoint)[kContext] = new ConnectionContext(connection, this);
    endpoint.handler = this.gateHandler;
    endpoint.on('close', endpointOnClose);
    this.log.info(`connection from ${request.remoteAddress ?? '?'} (${ws.protocol}${ws.extensions ? `, ${ws.extensions}` : ''})`);
    this.emit('connection', connection);
    this.armIdleTimer(connection);

    // A reopened connection that names a registered originator is associated at once, so
    // buffered primitives flow without waiting for a request from it.
    const claimed = tlsIdentity ?? (this.trustsClaims ? connection.claimedOrigin : undefined);
    if (claimed !== undefined) void this.associateIfRegistered(connection, claimed);
  }

  /** @internal (the shared close listener of the endpoints) */
  onClose(connection: RegistreeConnection, code: number, reason: string): void {
    this.connections.delete(connection);
    const id = connection.id;
    if (id !== undefined && this.byId.get(id) === connection) this.byId.delete(id);
    this.log.info(`${id ?? connection.remoteAddress ?? 'peer'} disconnected (${code}${reason ? ` ${reason}` : ''})`);
    this.emit('disconnected', connection, code, reason);
  }

  // ---- gating and association -----------------------------------------------------------

  private get trustsClaims(): boolean {
    return (this.options.originatorTrust ?? 'claimed') === 'claimed';
  }

  /**
   * Every request from a registree passes here. Synchronous for an associated connection (the
   * common case: no promise of our own per request); registration and association may wait.
   */
  private gate(context: RequestContext, request: RequestPrimitive): ResponsePrimitive | null | Promise<ResponsePrimitive | null> {
    const connection = context.connection;
    if (this.debug) this.log.debug(`← ${connection.id ?? connection.remoteAddress ?? 'peer'} op=${request.op} to=${request.to} rqi=${request.rqi}`);
    if (connection.id === undefined) return this.gateUnassociated(context, request);
    return this.gateAssociated(context, request);
  }

  private gateAssociated(context: RequestContext, request: RequestPrimitive): ResponsePrimitive | null | Promise<ResponsePrimitive | null> {
    const connection = context.connection;
    if (connection.kind === 'ae' && request.fr !== undefined && !sameOriginator(request.fr, connection.id!)) {
      return localResponse(ResponseStatusCode.ORIGINATOR_HAS_NO_PRIVILEGE, request.rqi, `Originator ${request.fr} does not match this connection's AE ${connection.id}`);
    }
    return this.options.handler(request, context);
  }

  /** Before association only a registration passes, or a request from a registered originator. */
  private async gateUnassociated(context: RequestContext, request: RequestPrimitive): Promise<ResponsePrimitive | null> {
    const connection = context.connection;
    if (isRegistration(request)) {
      const response = await this.options.handler(request, context);
      if (response !== null && response.rsc === ResponseStatusCode.CREATED && connection.id === undefined) {
        const id = registeredId(request, response);
        if (id !== undefined) this.associate(connection, id, request.ty === 16 ? 'cse' : 'ae');
      }
      return response;
    }
    const candidate = this.trustsClaims ? (request.fr ?? connection.claimedOrigin) : undefined;
    if (candidate === undefined || !(await this.associateIfRegistered(connection, candidate))) {
      return localResponse(ResponseStatusCode.ORIGINATOR_HAS_NO_PRIVILEGE, request.rqi, 'Not registered: only a registration request is accepted on this connection');
    }
    return this.gateAssociated(context, request);
  }

  private async associateIfRegistered(connection: RegistreeConnection, originator: string): Promise<boolean> {
    if (connection.id !== undefined) return connection.id === originator;
    const check = this.options.isRegistered;
    if (check === undefined || !(await check(originator))) return false;
    if (connection.id === undefined && connection.endpoint.isOpen) this.associate(connection, originator, originator.startsWith('/') ? 'cse' : 'ae');
    return connection.id === originator;
  }

  /** @internal (RequestContext.associate) */
  associateForHost(connection: RegistreeConnection, id: string, kind: RegistreeKind): void {
    if (connection.id !== id && connection.endpoint.isOpen) this.associate(connection, id, kind);
  }

  private associate(connection: RegistreeConnection, id: string, kind: RegistreeKind): void {
    const previous = this.byId.get(id);
    connection.id = id;
    connection.kind = kind;
    connection.endpoint.label = id;
    this.byId.set(id, connection); // routing moves first ...
    if (previous !== undefined && previous !== connection) {
      previous.id = undefined; // ... then the older connection goes
      previous.endpoint.close(1000, 'Replaced by a newer connection');
    }
    this.log.info(`${id} associated (${kind}, ${connection.protocol})`);
    this.emit('associated', connection, id);
    void this.flush(id);
  }

  // ---- store and forward ----------------------------------------------------------------

  /** Delivers the registree's buffered primitives in order; new sends queue behind them. */
  private async flush(id: string): Promise<void> {
    if (this.flushing.has(id)) return;
    this.flushing.add(id);
    try {
      for (;;) {
        const connection = this.byId.get(id);
        if (connection === undefined || !connection.endpoint.isOpen) return;
        const entries = this.store.pending(id);
        if (entries.length === 0) return;
        // Sent back to back (one write each, in order); removed once answered by the peer.
        const deliveries = entries.map(async (entry) => {
          const response = await connection.endpoint.request(entry.primitive);
          if (isLocalResponse(response)) return false;
          this.store.remove(entry.id);
          this.emit('delivered', entry, response);
          return true;
        });
        const results = await Promise.all(deliveries);
        if (results.some((ok) => !ok)) return; // the connection failed; retry on the next one
      }
    } finally {
      this.flushing.delete(id);
    }
  }

  private expire(): void {
    const dropped = this.store.expire();
    if (dropped.length === 0) return;
    for (const entry of dropped) this.log.warn(`dropped expired rqi=${entry.primitive.rqi} for ${entry.target}`);
    this.emit('expired', dropped);
  }

  // ---- idle policy ----------------------------------------------------------------------

  /** Closes a connection idle for `idleTimeout` ms, never while requests are outstanding. */
  private armIdleTimer(connection: RegistreeConnection): void {
    const idleTimeout = this.options.idleTimeout ?? 0;
    if (idleTimeout <= 0) return;
    const ws = connection.ws;
    const timer = setTimeout(() => {
      if (connection.endpoint.outstanding > 0) {
        timer.refresh();
        return;
      }
      this.log.info(`closing idle connection ${connection.id ?? connection.remoteAddress ?? ''}`);
      connection.endpoint.close(1000, 'Idle');
    }, idleTimeout);
    timer.unref();
    ws.on('message', () => timer.refresh());
    ws.on('close', () => clearTimeout(timer));
  }
}

/** The AE-ID or CSE-ID a successful registration response gives. */
function registeredId(request: RequestPrimitive, response: ResponsePrimitive): string | undefined {
  const pc = response.pc;
  if (pc === undefined) return undefined;
  if (request.ty === 2) {
    const aei = pc['m2m:ae']?.aei;
    return typeof aei === 'string' && aei.length > 0 ? aei : undefined;
  }
  const csi = pc['m2m:csr']?.csi;
  return typeof csi === 'string' && csi.length > 0 ? csi : undefined;
}

/** `Cae1` and `/id-in/Cae1` (SP-relative) name the same AE. */
function sameOriginator(fr: string, id: string): boolean {
  return fr === id || (fr.endsWith(id) && fr.charCodeAt(fr.length - id.length - 1) === 0x2f);
}
