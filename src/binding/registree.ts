/**
 * The registree side of TS-0020 (clauses 5.2, 6.4, 6.6, 7): an AE, or a CSE towards its
 * registrar, is always the WebSocket client.
 *
 * - The connection to the registrar's `pointOfAccess` opens on the first request; after a close
 *   the next request reopens it (registration is not repeated: the originator learned from the
 *   registration response is sent as `X-M2M-Origin` so the registrar can associate at once).
 * - Optional persistent mode: reconnect after any close with exponential backoff and jitter.
 * - Requests made while connecting wait, up to their expiration.
 * - Incoming requests (notifications) go to the handler; its result is the response.
 * - Proxies: HTTP CONNECT to a configured proxy, or from HTTP(S)_PROXY / NO_PROXY; TLS runs
 *   through the tunnel for wss. TLS options (CA, client certificate, PSK) pass through.
 */
import { EventEmitter } from 'node:events';
import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import { connect } from '../ws/client.js';
import type { ConnectionOptions } from '../ws/connection.js';
import type { DeflateOptions } from '../ws/protocol/deflate.js';
import { parseWebSocketUrl } from '../ws/client.js';
import { Operation, ResponseStatusCode, type RequestPrimitive, type ResponsePrimitive, type Serialization } from '../primitives/index.js';
import { Endpoint, localResponse, type EndpointOptions, type RequestHandler } from './endpoint.js';
import { silentLogger, type Logger } from './log.js';
import { openTunnel, proxyForUrl } from './proxy.js';
import { isRelease2, offerFor, serializationOf } from './subprotocols.js';
import { resolveTimestamp } from './time.js';

export interface BackoffOptions {
  /** First delay, ms (default 500). */
  initial?: number;
  /** Largest delay, ms (default 30,000). */
  max?: number;
  /** Growth per failed attempt (default 2). */
  factor?: number;
  /** Random share of each delay, 0..1 (default 0.5: a delay d waits between d/2 and d). */
  jitter?: number;
}

export interface RegistreeOptions {
  /** The registrar's point of access: `ws://host[:port][/path]` or `wss://...`. */
  url: string;
  /** Serializations to offer, most preferred first (default json, cbor, xml). */
  serializations?: readonly Serialization[];
  /** Offer the Release-2 names (`oneM2M.R2.0.json` ...) for an old registrar. */
  release2?: boolean;
  /** Our AE-ID / CSE-ID when already registered; learned from a registration response otherwise. */
  originator?: string;
  /** Answers requests from the registrar (notifications). Without one they get 5001. */
  handler?: RequestHandler;
  /** Reconnect after every close until `close()` (default false: reopen on the next request). */
  persistent?: boolean;
  backoff?: BackoffOptions;
  /** An HTTP proxy URL, `'env'` for HTTPS_PROXY / HTTP_PROXY / NO_PROXY (default), or null for none. */
  proxy?: string | URL | 'env' | null;
  /** TLS options for wss (ca, cert, key, servername, rejectUnauthorized, pskCallback ...). */
  tls?: TlsConnectionOptions;
  perMessageDeflate?: boolean | DeflateOptions;
  /** Engine options (limits, keepalive, timeouts). */
  connection?: ConnectionOptions & { handshakeTimeout?: number };
  /** Timeout for a request without `rqet`, ms (default 30,000). */
  requestTimeout?: number;
  endpoint?: Pick<EndpointOptions, 'maxPendingRequests' | 'maxConcurrentRequests' | 'decodeOptions'>;
  /** Environment for proxy lookup (default process.env). */
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
}

export type RegistreeState = 'closed' | 'connecting' | 'open' | 'stopped';

export interface RegistreeEvents {
  open: [endpoint: Endpoint];
  close: [code: number, reason: string, error?: Error];
  /** Persistent mode: the next attempt starts in `delay` ms. */
  reconnecting: [delay: number, error?: Error];
}

export class Registree extends EventEmitter<RegistreeEvents> {
  /** Our AE-ID / CSE-ID, once known. */
  originator: string | undefined;
  private readonly options: RegistreeOptions;
  private readonly log: Logger;
  private endpoint: Endpoint | null = null;
  private opening: Promise<Endpoint> | null = null;
  private stopped = false;
  private attempt = 0;
  private retryTimer: NodeJS.Timeout | null = null;

  constructor(options: RegistreeOptions) {
    super();
    parseWebSocketUrl(options.url); // fail fast on a bad point of access
    this.options = options;
    this.originator = options.originator;
    this.log = options.logger ?? silentLogger;
  }

  get state(): RegistreeState {
    if (this.stopped) return 'stopped';
    if (this.endpoint?.isOpen === true) return 'open';
    return this.opening !== null || this.retryTimer !== null ? 'connecting' : 'closed';
  }

  /** The open connection, if any. */
  get connection(): Endpoint | null {
    return this.endpoint?.isOpen === true ? this.endpoint : null;
  }

  /**
   * Sends a request to the registrar, opening the connection if needed. Resolves with the
   * response, null for noResponse, or a local response: 5103 when the registrar cannot be
   * reached, 4008 when the request expired first. Never rejects.
   */
  async send(request: RequestPrimitive): Promise<ResponsePrimitive | null> {
    const now = Date.now();
    const deadline = resolveTimestamp(request.rqet, now) ?? now + (this.options.requestTimeout ?? 30_000);
    let endpoint = this.connection;
    if (endpoint === null) {
      if (this.stopped) return localResponse(ResponseStatusCode.TARGET_NOT_REACHABLE, request.rqi, 'Registree is closed');
      const opened = await withDeadline(this.open(), deadline);
      if (opened === 'expired') return localResponse(ResponseStatusCode.REQUEST_TIMEOUT, request.rqi, 'Request expired while connecting');
      if (opened instanceof Error) return localResponse(ResponseStatusCode.TARGET_NOT_REACHABLE, request.rqi, `Cannot reach the registrar: ${opened.message}`);
      endpoint = opened;
    }
    const response = await endpoint.request(request);
    this.learnOriginator(request, response);
    return response;
  }

  /**
   * Opens the connection (shared by concurrent callers). In persistent mode it retries with
   * backoff until it succeeds or `close()` is called; otherwise one attempt.
   */
  open(): Promise<Endpoint> {
    if (this.connection !== null) return Promise.resolve(this.connection);
    if (this.opening === null) {
      this.opening = this.options.persistent === true ? this.openWithRetry() : this.openOnce();
      this.opening.then(
        () => (this.opening = null),
        () => (this.opening = null),
      );
    }
    return this.opening;
  }

  /** Closes the connection and stops reconnecting. */
  async close(code = 1000, reason = ''): Promise<void> {
    this.stopped = true;
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const endpoint = this.endpoint;
    if (endpoint !== null && endpoint.ws.readyState !== 'closed') {
      const closed = new Promise((resolve) => endpoint.once('close', resolve));
      endpoint.close(code, reason);
      await closed;
    }
  }

  // ---- connecting -----------------------------------------------------------------------

  private async openOnce(): Promise<Endpoint> {
    const o = this.options;
    const url = parseWebSocketUrl(o.url);
    const serializations = o.serializations ?? ['json', 'cbor', 'xml'];
    const headers: Array<[string, string]> = this.originator !== undefined ? [['X-M2M-Origin', this.originator]] : [];
    const proxy = o.proxy === undefined || o.proxy === 'env' ? proxyForUrl(o.url, o.env ?? process.env) : o.proxy === null ? null : new URL(o.proxy);
    const handshakeTimeout = o.connection?.handshakeTimeout ?? 10_000;
    const socket = proxy !== null ? await openTunnel(proxy, url.hostname, url.port, { timeout: handshakeTimeout }) : undefined;
    const ws = await connect(o.url, {
      ...o.connection,
      protocols: offerFor(serializations, o.release2 === true),
      headers,
      perMessageDeflate: o.perMessageDeflate,
      tls: o.tls,
      socket,
      handshakeTimeout,
    });
    const serialization = serializationOf(ws.protocol);
    if (serialization === undefined) {
      ws.close(1002, 'No oneM2M subprotocol selected');
      throw new Error(`Registrar selected no oneM2M subprotocol (${ws.protocol || 'none'})`);
    }
    const endpoint = new Endpoint(ws, {
      serialization,
      wrapped: isRelease2(ws.protocol),
      requestTimeout: o.requestTimeout,
      logger: this.log,
      label: 'registrar',
      ...o.endpoint,
    });
    endpoint.handler = o.handler ?? null;
    endpoint.on('close', (code, reason, error) => this.onClose(endpoint, code, reason, error));
    this.endpoint = endpoint;
    this.attempt = 0;
    this.log.info(`connected to ${o.url} (${ws.protocol}${ws.extensions ? `, ${ws.extensions}` : ''}${proxy ? `, via ${proxy.host}` : ''})`);
    this.emit('open', endpoint);
    return endpoint;
  }

  private openWithRetry(): Promise<Endpoint> {
    return new Promise((resolve, reject) => {
      const tryOnce = (): void => {
        this.retryTimer = null;
        if (this.stopped) {
          reject(new Error('Registree is closed'));
          return;
        }
        this.openOnce().then(resolve, (err: Error) => {
          if (this.stopped) {
            reject(err);
            return;
          }
          const delay = this.nextDelay();
          this.log.warn(`cannot connect to ${this.options.url}: ${err.message}; retrying in ${delay} ms`);
          this.emit('reconnecting', delay, err);
          this.retryTimer = setTimeout(tryOnce, delay);
        });
      };
      tryOnce();
    });
  }

  /** Exponential backoff with jitter: initial * factor^attempt, capped, then randomized down. */
  private nextDelay(): number {
    const b = this.options.backoff ?? {};
    const initial = b.initial ?? 500;
    const max = b.max ?? 30_000;
    const factor = b.factor ?? 2;
    const jitter = b.jitter ?? 0.5;
    const base = Math.min(max, initial * factor ** this.attempt);
    this.attempt++;
    return Math.round(base * (1 - jitter * Math.random()));
  }

  private onClose(endpoint: Endpoint, code: number, reason: string, error?: Error): void {
    if (this.endpoint === endpoint) this.endpoint = null;
    this.log.info(`connection to ${this.options.url} closed (${code}${reason ? ` ${reason}` : ''}${error ? `: ${error.message}` : ''})`);
    this.emit('close', code, reason, error);
    if (this.options.persistent === true && !this.stopped) {
      const delay = this.nextDelay();
      this.emit('reconnecting', delay);
      this.retryTimer = setTimeout(() => {
        this.retryTimer = null;
        this.open().catch(() => {});
      }, delay);
    }
  }

  /** A successful registration tells us our AE-ID / CSE-ID. */
  private learnOriginator(request: RequestPrimitive, response: ResponsePrimitive | null): void {
    if (response === null || response.rsc !== ResponseStatusCode.CREATED || request.op !== Operation.CREATE) return;
    const id = request.ty === 2 ? response.pc?.['m2m:ae']?.aei : request.ty === 16 ? response.pc?.['m2m:csr']?.csi : undefined;
    if (typeof id === 'string' && id.length > 0) this.originator = id;
  }
}

/** Resolves with the promise's value, its error, or 'expired' at the deadline. */
async function withDeadline<T>(promise: Promise<T>, deadline: number): Promise<T | Error | 'expired'> {
  let timer: NodeJS.Timeout | undefined;
  const expiry = new Promise<'expired'>((resolve) => {
    timer = setTimeout(() => resolve('expired'), Math.max(0, deadline - Date.now()));
    timer.unref();
  });
  try {
    return await Promise.race([promise.catch((err: unknown) => (err instanceof Error ? err : new Error(String(err)))), expiry]);
  } finally {
    clearTimeout(timer);
  }
}
