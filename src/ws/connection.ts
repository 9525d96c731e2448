/**
 * A WebSocket connection: the sans-I/O protocol core bound to a `net.Socket` or `tls.TLSSocket`.
 *
 * This adapter adds what the core leaves out on purpose: writing (frames queued in one tick
 * leave in one socket write), backpressure (a send status, `bufferedAmount`, a `drain` event,
 * reading paused while our output is behind), keepalive pings with a pong deadline, and the
 * TCP side of closing (the server closes TCP first; the client waits a bounded time for it).
 */
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { CloseCode } from './protocol/frame.js';
import {
  ProtocolState,
  WebSocketProtocol,
  type MessageCompressor,
  type ProtocolError,
  type ProtocolHandler,
  type SendOptions,
} from './protocol/protocol.js';

export interface ConnectionOptions {
  /** Largest incoming message in bytes, after decompression (default 16 MiB; 1009 above). */
  maxMessageSize?: number;
  /** Most frames in one incoming message (default 4,096; 1008 above). */
  maxFragments?: number;
  /** `send()` returns false once this many bytes wait to be written (default 256 KiB). */
  highWaterMark?: number;
  /** A peer that lets more than this many bytes pile up unread is dropped (default 64 MiB). */
  maxBufferedAmount?: number;
  /** Stop reading while our output is above the high-water mark (default true). */
  pauseReadingOnBackpressure?: boolean;
  /** Ping after this many ms without input; 0 turns keepalive off (default 20,000). */
  pingInterval?: number;
  /** Drop the connection when no pong (or any input) follows a keepalive ping in this many ms (default 20,000). */
  pongTimeout?: number;
  /** Longest wait, in ms, for the peer's close frame and then for TCP to end (default 10,000). */
  closeTimeout?: number;
}

export const CONNECTION_DEFAULTS = {
  maxMessageSize: 16 * 1024 * 1024,
  maxFragments: 4096,
  highWaterMark: 256 * 1024,
  maxBufferedAmount: 64 * 1024 * 1024,
  pauseReadingOnBackpressure: true,
  pingInterval: 20_000,
  pongTimeout: 20_000,
  closeTimeout: 10_000,
} as const satisfies Required<ConnectionOptions>;

export type ReadyState = 'open' | 'closing' | 'closed';

/** Frames smaller than this in total are joined into one buffer for the write. */
const JOIN_UP_TO = 16 * 1024;

export interface WebSocketEvents {
  /** `data` may be a view into a read buffer that is reused later: copy what you keep. */
  message: [data: Buffer, isBinary: boolean];
  ping: [data: Buffer];
  pong: [data: Buffer];
  /** The output went back under the high-water mark. */
  drain: [];
  /**
   * Once, when the socket is closed. `error` says why when the close was not clean (a protocol
   * violation, a timeout, a socket error). There is no `error` event: nothing a peer sends can
   * become an unhandled exception.
   */
  close: [code: number, reason: string, error?: Error];
}

/** Where a socket's module-level listeners find their WebSocket (no closures per connection). */
const kWebSocket = Symbol('onem2m-ws.WebSocket');
type OwnedSocket = Socket & { [kWebSocket]: WebSocket };

export class WebSocket extends EventEmitter<WebSocketEvents> implements ProtocolHandler {
  /** The subprotocol the server selected ('' for none). */
  readonly protocol: string;
  /** The negotiated `Sec-WebSocket-Extensions` value ('' for none). */
  readonly extensions: string;
  readonly isServer: boolean;
  readonly socket: Socket;

  private readonly core: WebSocketProtocol;
  private readonly options: Required<ConnectionOptions>;
  private queue: Buffer[] = [];
  private queued = 0;
  private flushScheduled = false;
  /** The socket's buffer is over the high-water mark: pongs held, reading paused. */
  private backpressured = false;
  /** A send() returned false: a `drain` event is owed. */
  private owesDrain = false;
  private pausedByUser = false;
  private pausedByOutput = false;
  private socketClosed = false;
  private closeError: Error | undefined;

  private inputSinceTick = false;
  private keepalive: KeepaliveClock | null = null;
  private pongTimer: NodeJS.Timeout | null = null;
  private closeTimer: NodeJS.Timeout | null = null;

  constructor(
    socket: Socket,
    init: { isServer: boolean; protocol?: string; extensions?: string; compressor?: MessageCompressor | null; head?: Buffer },
    options: ConnectionOptions = {},
  ) {
    super();
    this.socket = socket;
    this.isServer = init.isServer;
    this.protocol = init.protocol ?? '';
    this.extensions = init.extensions ?? '';
    this.options = resolveConnectionOptions(options);
    this.core = new WebSocketProtocol(this, {
      isServer: init.isServer,
      maxMessageSize: this.options.maxMessageSize,
      maxFragments: this.options.maxFragments,
      compressor: init.compressor ?? null,
    });

    socket.setNoDelay(true);
    socket.setTimeout(0);
    (socket as OwnedSocket)[kWebSocket] = this;
    socket.on('data', socketOnData);
    socket.on('drain', socketOnDrain);
    socket.on('end', socketOnEnd);
    socket.on('error', socketOnError);
    socket.on('close', socketOnClose);
    this.startKeepalive();
    // Start reading only after the code that awaited connect() or handled 'connection' has
    // attached its listeners: setImmediate runs after pending promise continuations, whereas
    // nextTick (and socket.resume's own flow) would run before them and lose the first frames,
    // which often arrive in the same read as the handshake.
    const head = init.head;
    setImmediate(() => {
      if (head !== undefined && head.length > 0) {
        this.inputSinceTick = true;
        this.core.receive(head);
      }
      if (!this.pausedByUser && !this.pausedByOutput) socket.resume();
    });
  }

  get readyState(): ReadyState {
    if (this.socketClosed) return 'closed';
    return this.core.state === ProtocolState.Open ? 'open' : 'closing';
  }

  /** Bytes accepted by `send()` but not yet handed to the kernel. */
  get bufferedAmount(): number {
    return this.queued + this.socket.writableLength;
  }

  /**
   * Sends a message: a string as a text frame by default, a Buffer as binary by default
   * (override with `binary`). Returns false when the message was queued but the output is
   * above the high-water mark: wait for `drain` before sending more. Throws when not open.
   */
  send(data: string | Buffer, options?: SendOptions): boolean {
    const opts = options ?? (typeof data === 'string' ? TEXT : BINARY);
    if (!this.core.send(data, opts)) throw new Error('WebSocket is not open');
    if (this.queued + this.socket.writableLength <= this.options.highWaterMark) return true;
    this.owesDrain = true;
    return false;
  }

  ping(data?: Buffer | string): void {
    this.core.ping(data);
  }

  pong(data?: Buffer | string): void {
    this.core.pong(data);
  }

  /** Starts the closing handshake; the `close` event follows when TCP is closed. */
  close(code: number = CloseCode.Normal, reason = ''): void {
    if (this.core.state !== ProtocolState.Open) return;
    this.core.close(code, reason);
    this.armCloseTimer();
  }

  /** Drops the connection at once, without a closing handshake. */
  terminate(): void {
    this.socket.destroy();
  }

  /** Stops reading from the peer (TCP backpressure) until `resume()`. */
  pause(): void {
    this.pausedByUser = true;
    this.socket.pause();
  }

  resume(): void {
    this.pausedByUser = false;
    if (!this.pausedByOutput) this.socket.resume();
  }

  // ---- core events (ProtocolHandler; called by the protocol core, not by applications) ----

  /** @internal */
  onMessage(data: Buffer, isBinary: boolean): void {
    this.emit('message', data, isBinary);
  }

  /** @internal */
  onPing(data: Buffer): void {
    this.emit('ping', data);
  }

  /** @internal */
  onPong(data: Buffer): void {
    this.emit('pong', data);
  }

  /** @internal */
  onOutput(data: Buffer): void {
    this.enqueue(data);
  }

  /** @internal */
  onClose(code: number, reason: string, error?: ProtocolError): void {
    this.onProtocolClose(code, reason, error);
  }

  /** @internal */
  onSocketData(chunk: Buffer): void {
    this.inputSinceTick = true;
    if (this.pongTimer !== null) this.stopPongTimer(); // the peer is alive
    this.core.receive(chunk);
  }

  private onProtocolClose(_code: number, _reason: string, error?: ProtocolError): void {
    this.stopKeepalive();
    if (error !== undefined && this.closeError === undefined) this.closeError = error;
    if (this.socketClosed) return;
    // Flush the close frame now rather than next tick: we are about to end the socket.
    this.flush();
    if (this.isServer || error !== undefined) {
      this.socket.end(); // the server closes TCP first (§7.1.1)
    }
    this.armCloseTimer();
  }

  // ---- output ---------------------------------------------------------------------------

  private enqueue(data: Buffer): void {
    this.queue.push(data);
    this.queued += data.length;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      scheduleFlush(this);
    }
  }

  /** Writes everything queued in one socket write. */
  flush(): void {
    this.flushScheduled = false;
    const queue = this.queue;
    if (queue.length === 0) return;
    const total = this.queued;
    this.queued = 0;
    const socket = this.socket;
    if (socket.destroyed || !socket.writable) {
      queue.length = 0;
      return;
    }
    // One buffer (the only one, or all joined), or the chunks of a large batch; the queue array
    // itself is reused, so it is emptied before writing (in case a write re-enters).
    const data = queue.length === 1 ? queue[0]! : total <= JOIN_UP_TO ? Buffer.concat(queue, total) : queue.slice();
    queue.length = 0;
    if (Buffer.isBuffer(data)) {
      socket.write(data);
    } else {
      socket.cork();
      for (const chunk of data) socket.write(chunk);
      socket.uncork();
    }
    this.checkBackpressure();
  }

  private checkBackpressure(): void {
    const buffered = this.socket.writableLength;
    if (buffered > this.options.maxBufferedAmount) {
      this.closeError = new Error(`Peer is not reading: over ${this.options.maxBufferedAmount} bytes buffered`);
      this.socket.destroy();
      return;
    }
    if (buffered > this.options.highWaterMark) {
      if (this.backpressured) return;
      this.backpressured = true;
      this.core.setOutputBlocked(true);
      if (this.options.pauseReadingOnBackpressure) {
        this.pausedByOutput = true;
        this.socket.pause();
      }
    } else if (this.owesDrain) {
      // The kernel took it all at once: the sender may go on.
      this.owesDrain = false;
      this.emit('drain');
    }
  }

  /** @internal */
  onSocketDrain(): void {
    if (this.backpressured) {
      this.backpressured = false;
      this.core.setOutputBlocked(false);
      if (this.pausedByOutput) {
        this.pausedByOutput = false;
        if (!this.pausedByUser) this.socket.resume();
      }
    }
    if (this.owesDrain) {
      this.owesDrain = false;
      this.emit('drain');
    }
  }

  // ---- socket end -----------------------------------------------------------------------

  /** @internal */
  onSocketEnd(): void {
    // The peer will send nothing more. After a clean close that is expected; else it is 1006.
    this.core.transportClosed();
    if (this.isServer || this.socket.writableEnded) this.socket.destroy();
    else this.socket.end();
  }

  /** @internal */
  onSocketError(err: Error): void {
    if (this.closeError === undefined) this.closeError = err;
    this.core.transportClosed();
  }

  /** @internal */
  onSocketClose(): void {
    this.socketClosed = true;
    this.core.transportClosed();
    this.stopKeepalive();
    if (this.closeTimer !== null) clearTimeout(this.closeTimer);
    this.queue = [];
    this.queued = 0;
    this.emit('close', this.core.closeCode, this.core.closeReason, this.closeError);
  }

  /** Bounds the wait for the peer's close frame and for the TCP close. */
  private armCloseTimer(): void {
    if (this.closeTimer !== null || this.socketClosed) return;
    this.closeTimer = setTimeout(() => {
      if (this.core.state !== ProtocolState.Closed && this.closeError === undefined) {
        this.closeError = new Error('Timed out waiting for the peer to close');
      }
      this.socket.destroy();
    }, this.options.closeTimeout);
    this.closeTimer.unref();
  }

  // ---- keepalive ------------------------------------------------------------------------

  private startKeepalive(): void {
    if (this.options.pingInterval <= 0) return;
    this.keepalive = KeepaliveClock.for(this.options.pingInterval);
    this.keepalive.add(this);
  }

  /**
   * Called by the shared clock every interval: if the peer was silent since the last tick, ping
   * it and expect input within the pong timeout.
   * @internal
   */
  keepaliveTick(): void {
    if (this.core.state !== ProtocolState.Open) return;
    if (this.inputSinceTick) {
      this.inputSinceTick = false;
    } else if (this.pongTimer === null) {
      this.core.ping();
      this.pongTimer = setTimeout(pongDeadline, this.options.pongTimeout, this);
      this.pongTimer.unref();
    }
  }

  /** @internal */
  pongDeadline(): void {
    this.pongTimer = null;
    this.closeError = new Error('Keepalive timeout: no pong from the peer');
    this.core.fail(CloseCode.InternalError, 'keepalive ping timeout');
    this.socket.destroy();
  }

  private stopPongTimer(): void {
    clearTimeout(this.pongTimer!);
    this.pongTimer = null;
  }

  private stopKeepalive(): void {
    this.keepalive?.delete(this);
    this.keepalive = null;
    if (this.pongTimer !== null) this.stopPongTimer();
  }
}

/**
 * One timer per ping interval for all connections, instead of one per connection: with tens of
 * thousands of idle connections that saves a Timeout object each, and the work per tick is a
 * flag test per connection.
 */
class KeepaliveClock {
  private static readonly clocks = new Map<number, KeepaliveClock>();
  private readonly members = new Set<WebSocket>();
  private readonly timer: NodeJS.Timeout;

  static for(interval: number): KeepaliveClock {
    let clock = KeepaliveClock.clocks.get(interval);
    if (clock === undefined) {
      clock = new KeepaliveClock(interval);
      KeepaliveClock.clocks.set(interval, clock);
    }
    return clock;
  }

  private constructor(private readonly interval: number) {
    this.timer = setInterval(() => {
      for (const ws of this.members) ws.keepaliveTick();
    }, interval);
    this.timer.unref();
  }

  add(ws: WebSocket): void {
    this.members.add(ws);
  }

  delete(ws: WebSocket): void {
    this.members.delete(ws);
    if (this.members.size === 0) {
      clearInterval(this.timer);
      KeepaliveClock.clocks.delete(this.interval);
    }
  }
}

function socketOnData(this: OwnedSocket, chunk: Buffer): void {
  // What the handlers answer synchronously is written when the chunk is done, in this same
  // callback: one write per connection, and no tick to schedule.
  dispatching = true;
  try {
    this[kWebSocket].onSocketData(chunk);
  } finally {
    dispatching = false;
  }
  if (waitingToFlush.length > 0) flushWaiting();
}
function socketOnDrain(this: OwnedSocket): void {
  this[kWebSocket].onSocketDrain();
}
function socketOnEnd(this: OwnedSocket): void {
  this[kWebSocket].onSocketEnd();
}
function socketOnError(this: OwnedSocket, err: Error): void {
  this[kWebSocket].onSocketError(err);
}
function socketOnClose(this: OwnedSocket): void {
  this[kWebSocket].onSocketClose();
}

/**
 * Picks the connection options out of a larger options object (client or server) and fills in
 * defaults, once; a server shares the result among its connections.
 */
export function resolveConnectionOptions(options: ConnectionOptions): Required<ConnectionOptions> {
  if (resolved.has(options)) return options as Required<ConnectionOptions>;
  const result = { ...CONNECTION_DEFAULTS } as Required<ConnectionOptions>;
  for (const key of Object.keys(CONNECTION_DEFAULTS) as Array<keyof ConnectionOptions>) {
    const value = options[key];
    if (value !== undefined) (result as Record<string, unknown>)[key] = value;
  }
  resolved.add(result);
  return result;
}
const resolved = new WeakSet<object>();

const TEXT: SendOptions = { binary: false };
const BINARY: SendOptions = { binary: true };

/**
 * Connections with output queued in this tick. One nextTick flushes them all (or the end of the
 * socket data callback that produced the output), so the frames a connection produces in one
 * tick leave in one socket write. A fan-out that queues frames on
 * many connections in one synchronous loop would otherwise hold every write until the loop
 * ends while the peers sit idle; past EARLY_FLUSH waiting connections they are written at
 * once (each still in one write), so delivery starts while the loop runs.
 */
let waitingToFlush: WebSocket[] = [];
const EARLY_FLUSH = 64;
/** True while a socket's data is being processed: the data callback flushes at its end. */
let dispatching = false;

function scheduleFlush(ws: WebSocket): void {
  waitingToFlush.push(ws);
  if (waitingToFlush.length === 1) {
    if (!dispatching) process.nextTick(flushWaiting);
  } else if (waitingToFlush.length >= EARLY_FLUSH) flushWaiting();
}

function flushWaiting(): void {
  const list = waitingToFlush;
  waitingToFlush = [];
  for (const ws of list) ws.flush();
}

function pongDeadline(ws: WebSocket): void {
  ws.pongDeadline();
}
