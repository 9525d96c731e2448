/**
 * One TS-0020 connection: request and response primitives both ways over one WebSocket.
 *
 * - Outgoing requests are matched to their responses by `rqi`, many in flight. A request that
 *   gets no response by its expiration (`rqet`, else `requestTimeout`) resolves locally with
 *   4008 REQUEST_TIMEOUT; one whose connection closes first resolves with 5103
 *   TARGET_NOT_REACHABLE. A request with `rt.rtv` 5 (noResponse) resolves with null at once.
 * - Incoming requests go to the handler; its response is sent back (none for noResponse).
 * - A message that does not decode, or arrives in the wrong frame type (table 6.2.2.9-1), is
 *   answered with a response primitive (4000 and the `rqi` when it could be recovered) and the
 *   connection stays open. Responses with an unknown `rqi` are logged and dropped.
 */
import { EventEmitter } from 'node:events';
import type { WebSocket } from '../ws/connection.js';
import {
  Operation,
  PrimitiveEncodeError,
  ResponseStatusCode,
  decodePrimitive,
  encodePrimitive,
  type DecodeOptions,
  type RequestPrimitive,
  type ResponsePrimitive,
  type Serialization,
} from '../primitives/index.js';
import { addDeadline, removeDeadline, type Expirable } from './deadlines.js';
import { silentLogger, type Logger } from './log.js';
import { isBinarySerialization } from './subprotocols.js';
import { resolveTimestamp } from './time.js';

/** Handles an incoming request; returns the response, or null to send none. */
export type RequestHandler = (
  request: RequestPrimitive,
  endpoint: Endpoint,
) => ResponsePrimitive | null | Promise<ResponsePrimitive | null>;

export interface EndpointOptions {
  serialization: Serialization;
  /** Emit Release-2 wrapped JSON/CBOR (`{"m2m:rqp": ...}`), for legacy peers. */
  wrapped?: boolean;
  /** Timeout for a request without `rqet`, in ms (default 30,000). */
  requestTimeout?: number;
  /** Most outgoing requests awaiting a response (default 10,000); more are refused locally. */
  maxPendingRequests?: number;
  /** Most incoming requests being handled at once; reading pauses above it (default 256). */
  maxConcurrentRequests?: number;
  decodeOptions?: DecodeOptions;
  logger?: Logger;
  /** A name for log lines (peer address, originator). */
  label?: string;
}

export const ENDPOINT_DEFAULTS = {
  requestTimeout: 30_000,
  maxPendingRequests: 10_000,
  maxConcurrentRequests: 256,
} as const;

/** An outgoing request awaiting its response; expires through the shared deadline timer. */
class Pending implements Expirable {
  deadlineKey = 0;
  constructor(
    private readonly endpoint: Endpoint,
    readonly rqi: string,
    readonly resolve: (response: ResponsePrimitive | null) => void,
  ) {}

  expire(): void {
    this.endpoint.expire(this.rqi);
  }
}

export interface EndpointEvents {
  /** No outgoing request awaits a response and no incoming one is being handled. */
  idle: [];
  /** A response nobody waits for (late, or an unknown `rqi`); already logged. */
  unmatchedResponse: [response: ResponsePrimitive];
  close: [code: number, reason: string, error?: Error];
}

export class Endpoint extends EventEmitter<EndpointEvents> {
  readonly ws: WebSocket;
  readonly serialization: Serialization;
  label: string;
  handler: RequestHandler | null = null;

  private readonly wrapped: boolean;
  private readonly binary: boolean;
  private readonly requestTimeout: number;
  private readonly maxPending: number;
  private readonly maxConcurrent: number;
  private readonly decodeOptions: DecodeOptions | undefined;
  private readonly log: Logger;
  /** Requests awaiting a response, by rqi. Shared empty map until the first request (most AEs never receive one). */
  private pending: Map<string, Pending> = NO_PENDING;
  private handling = 0;
  private pausedForHandler = false;
  private closed = false;

  constructor(ws: WebSocket, options: EndpointOptions) {
    super();
    this.ws = ws;
    this.serialization = options.serialization;
    this.binary = isBinarySerialization(options.serialization);
    this.wrapped = options.wrapped ?? false;
    this.requestTimeout = options.requestTimeout ?? ENDPOINT_DEFAULTS.requestTimeout;
    this.maxPending = options.maxPendingRequests ?? ENDPOINT_DEFAULTS.maxPendingRequests;
    this.maxConcurrent = options.maxConcurrentRequests ?? ENDPOINT_DEFAULTS.maxConcurrentRequests;
    // Text frames reach us already UTF-8-validated by the engine: the codec need not scan again.
    this.decodeOptions = this.binary ? options.decodeOptions : textDecodeOptions(options.decodeOptions);
    this.log = options.logger ?? silentLogger;
    this.label = options.label ?? ws.socket.remoteAddress ?? 'peer';
    // Module-level listeners that find the endpoint through the socket: no closures per connection.
    (ws as OwnedWebSocket)[kEndpoint] = this;
    ws.on('message', wsOnMessage);
    ws.on('close', wsOnClose);
  }

  get isOpen(): boolean {
    return !this.closed && this.ws.readyState === 'open';
  }

  /** Outgoing requests awaiting a response plus incoming ones being handled. */
  get outstanding(): number {
    return this.pending.size + this.handling;
  }

  /**
   * Sends a request and resolves with its response (or a local 4008 / 5103 / 4000 response),
   * or with null for a noResponse (`rt.rtv` 5) request. Never rejects.
   */
  request(request: RequestPrimitive): Promise<ResponsePrimitive | null> {
    const rqi = request.rqi;
    if (!this.isOpen) return Promise.resolve(localResponse(ResponseStatusCode.TARGET_NOT_REACHABLE, rqi, 'Connection is not open'));
    if (this.pending.has(rqi)) return Promise.resolve(localResponse(ResponseStatusCode.BAD_REQUEST, rqi, `Request ${rqi} is already in flight`));
    if (this.pending.size >= this.maxPending) {
      return Promise.resolve(localResponse(ResponseStatusCode.TARGET_NOT_REACHABLE, rqi, `Too many requests in flight (${this.maxPending})`));
    }
    if (!this.write(request, 'request')) return Promise.resolve(localResponse(ResponseStatusCode.BAD_REQUEST, rqi, 'Request cannot be serialized'));
    if (request.rt?.rtv === 5) return Promise.resolve(null);

    const now = Date.now();
    const expires = resolveTimestamp(request.rqet, now) ?? now + this.requestTimeout;
    return new Promise((resolve) => {
      const pending = new Pending(this, rqi, resolve);
      pending.deadlineKey = addDeadline(pending, expires);
      if (this.pending === NO_PENDING) this.pending = new Map();
      this.pending.set(rqi, pending);
    });
  }

  /** @internal The request's deadline passed without a response. */
  expire(rqi: string): void {
    this.settle(rqi, localResponse(ResponseStatusCode.REQUEST_TIMEOUT, rqi, 'No response before the request expired'));
  }

  /** Sends a response primitive (for hosts that answer outside the handler). */
  respond(response: ResponsePrimitive): boolean {
    return this.write(response, 'response');
  }

  close(code = 1000, reason = ''): void {
    if (this.ws.readyState === 'open') this.ws.close(code, reason);
  }

  // ---- incoming -------------------------------------------------------------------------

  /** @internal */
  onMessage(data: Buffer, isBinary: boolean): void {
    if (isBinary !== this.binary) {
      const expected = this.binary ? 'binary' : 'text';
      this.answerUndecodable(ResponseStatusCode.BAD_REQUEST, undefined, `${this.serialization.toUpperCase()} primitives travel in ${expected} frames`);
      return;
    }
    const result = decodePrimitive(data, this.serialization, this.decodeOptions);
    if (!result.ok) {
      this.answerUndecodable(result.error.rsc, result.error.rqi, result.error.message);
      return;
    }
    if (result.kind === 'response') {
      this.onResponse(result.primitive);
    } else {
      this.onRequest(result.primitive);
    }
  }

  private answerUndecodable(rsc: number, rqi: string | undefined, message: string): void {
    this.log.warn(`${this.label}: undecodable message answered ${rsc}: ${message}`);
    this.write(localResponse(rsc, rqi ?? '', message), 'response');
  }

  private onResponse(response: ResponsePrimitive): void {
    if (!this.settle(response.rqi, response)) {
      this.log.warn(`${this.label}: dropped a response with unknown rqi ${JSON.stringify(response.rqi)} (rsc ${response.rsc})`);
      this.emit('unmatchedResponse', response);
    }
  }

  /**
   * Hands a request to the handler and sends its response. A handler that answers at once (no
   * promise) is answered in the same turn: no promise or microtask of ours per request.
   */
  private onRequest(request: RequestPrimitive): void {
    this.handling++;
    if (this.handling >= this.maxConcurrent && !this.pausedForHandler) {
      this.pausedForHandler = true;
      this.ws.pause();
    }
    let outcome: ResponsePrimitive | null | Promise<ResponsePrimitive | null>;
    try {
      outcome = this.handler === null ? localResponse(ResponseStatusCode.NOT_IMPLEMENTED, request.rqi, 'This endpoint accepts no requests') : this.handler(request, this);
    } catch (err) {
      outcome = this.handlerFailed(request, err);
    }
    if (outcome !== null && typeof (outcome as Promise<unknown>).then === 'function') {
      (outcome as Promise<ResponsePrimitive | null>).then(
        (response) => this.answer(request, response),
        (err: unknown) => this.answer(request, this.handlerFailed(request, err)),
      );
    } else {
      this.answer(request, outcome as ResponsePrimitive | null);
    }
  }

  private handlerFailed(request: RequestPrimitive, err: unknown): ResponsePrimitive {
    this.log.error(`${this.label}: request handler failed for ${request.rqi}: ${(err as Error)?.message ?? String(err)}`);
    return localResponse(ResponseStatusCode.INTERNAL_SERVER_ERROR, request.rqi, 'Internal error');
  }

  private answer(request: RequestPrimitive, response: ResponsePrimitive | null): void {
    this.handling--;
    if (this.pausedForHandler && this.handling < this.maxConcurrent) {
      this.pausedForHandler = false;
      this.ws.resume();
    }
    const noResponse = request.rt?.rtv === 5;
    if (response !== null && !noResponse && this.isOpen) {
      if (response.rqi !== request.rqi) response = { ...response, rqi: request.rqi };
      if (!this.write(response, 'response')) {
        this.write(localResponse(ResponseStatusCode.INTERNAL_SERVER_ERROR, request.rqi, 'Response cannot be serialized'), 'response');
      }
    }
    if (this.outstanding === 0) this.emit('idle');
  }

  // ---- outgoing -------------------------------------------------------------------------

  private write(primitive: RequestPrimitive | ResponsePrimitive, kind: 'request' | 'response'): boolean {
    let data: string | Buffer;
    try {
      data = encodePrimitive(primitive, this.serialization, { wrapped: this.wrapped });
    } catch (err) {
      if (!(err instanceof PrimitiveEncodeError) && !(err instanceof TypeError)) throw err;
      this.log.warn(`${this.label}: cannot serialize ${kind} ${primitive.rqi}: ${err.message}`);
      return false;
    }
    if (!this.isOpen) return true; // closed meanwhile: the caller's waiter resolves on close
    this.ws.send(data, { binary: this.binary });
    return true;
  }

  private settle(rqi: string, response: ResponsePrimitive | null): boolean {
    const waiter = this.pending.get(rqi);
    if (waiter === undefined) return false;
    this.pending.delete(rqi);
    removeDeadline(waiter, waiter.deadlineKey);
    waiter.resolve(response);
    if (this.outstanding === 0) this.emit('idle');
    return true;
  }

  /** @internal */
  onClose(code: number, reason: string, error?: Error): void {
    this.closed = true;
    for (const rqi of [...this.pending.keys()]) {
      this.settle(rqi, localResponse(ResponseStatusCode.TARGET_NOT_REACHABLE, rqi, 'Connection closed before the response'));
    }
    this.emit('close', code, reason, error);
  }
}

/**
 * The decode options for text frames: the caller's, plus `utf8Validated`. Derived once per
 * options object, so the thousands of endpoints of one registrar share one (and the codec's
 * resolved form of it) instead of holding a copy each.
 */
const textOptions = new WeakMap<DecodeOptions, DecodeOptions>();
const DEFAULT_TEXT_OPTIONS: DecodeOptions = Object.freeze({ utf8Validated: true });
function textDecodeOptions(options: DecodeOptions | undefined): DecodeOptions {
  if (options === undefined) return DEFAULT_TEXT_OPTIONS;
  let derived = textOptions.get(options);
  if (derived === undefined) {
    derived = { ...options, utf8Validated: true };
    textOptions.set(options, derived);
  }
  return derived;
}

const kEndpoint = Symbol('onem2m-ws.Endpoint');
type OwnedWebSocket = WebSocket & { [kEndpoint]: Endpoint };
function wsOnMessage(this: WebSocket, data: Buffer, isBinary: boolean): void {
  (this as OwnedWebSocket)[kEndpoint].onMessage(data, isBinary);
}
function wsOnClose(this: WebSocket, code: number, reason: string, error?: Error): void {
  (this as OwnedWebSocket)[kEndpoint].onClose(code, reason, error);
}

/** Never written: `Endpoint.pending` is replaced by a map of its own before the first set. */
const NO_PENDING = new Map<string, Pending>();

const localResponses = new WeakSet<ResponsePrimitive>();

/** A response made here rather than by the peer, with the reason in `m2m:dbg`. */
export function localResponse(rsc: number, rqi: string, debug: string): ResponsePrimitive {
  const response: ResponsePrimitive = { rsc, rqi, pc: { 'm2m:dbg': debug } };
  localResponses.add(response);
  return response;
}

/** True for a response this side made up (timeout, closed connection...), not the peer's. */
export function isLocalResponse(response: ResponsePrimitive | null): boolean {
  return response !== null && localResponses.has(response);
}

/** Is this request a registration (create `<AE>`, ty 2, or `<remoteCSE>`, ty 16)? */
export function isRegistration(request: RequestPrimitive): boolean {
  return request.op === Operation.CREATE && (request.ty === 2 || request.ty === 16);
}
