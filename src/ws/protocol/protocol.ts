/**
 * One WebSocket connection after the opening handshake, without I/O (sans-I/O).
 *
 * Bytes in through `receive()`, events out through the handler, bytes out through
 * `handler.onOutput()`. It owns the closing handshake (§7), automatic pongs (§5.5.3) and the
 * message limits, and is shared by client and server. The socket adapter (../connection.ts)
 * adds sockets, timers and backpressure.
 */
import { CloseCode, Opcode, MAX_CONTROL_PAYLOAD, isValidCloseCode } from './frame.js';
import { Receiver, type MessageInflater, type ReceiverHandler } from './receiver.js';
import { encodeFrame } from './sender.js';

/** The permessage-deflate codec of a connection, as the protocol core uses it. */
export interface MessageCompressor extends MessageInflater {
  shouldCompress(byteLength: number): boolean;
  compress(data: Buffer): Buffer;
  close(): void;
}

export interface ProtocolHandler {
  onMessage(data: Buffer, isBinary: boolean): void;
  onPing?(data: Buffer): void;
  onPong?(data: Buffer): void;
  /**
   * The connection is closed at the WebSocket level: a close frame was received (clean), or the
   * connection failed (`error` set; `code` is what we sent). The transport should be closed now.
   */
  onClose(code: number, reason: string, error?: ProtocolError): void;
  /** Bytes to write, in order. A frame may come as two buffers (header, payload). */
  onOutput(data: Buffer): void;
}

export class ProtocolError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'ProtocolError';
  }
}

export interface ProtocolOptions {
  isServer: boolean;
  /** Largest message accepted, in bytes (after decompression). */
  maxMessageSize: number;
  /** Most frames in one message. */
  maxFragments: number;
  /** The negotiated permessage-deflate codec, if any. */
  compressor?: MessageCompressor | null;
}

export const enum ProtocolState {
  Open,
  /** We sent a close frame and wait for the peer's. */
  Closing,
  Closed,
}

export interface SendOptions {
  binary?: boolean;
  /** Split the message into frames of at most this many payload bytes. */
  fragmentSize?: number;
  /** Compress this message when permessage-deflate is on (default: by the size threshold). */
  compress?: boolean;
}

export class WebSocketProtocol implements ReceiverHandler {
  state = ProtocolState.Open;
  /** Close code and reason we sent, or received first. */
  closeCode: number = CloseCode.Abnormal;
  closeReason = '';

  private readonly handler: ProtocolHandler;
  private readonly receiver: Receiver;
  private readonly mask: boolean;
  private readonly compressor: MessageCompressor | null;
  /** While the transport cannot take more, at most one pong waits (the latest ping's). */
  private heldPong: Buffer | null = null;
  private outputBlocked = false;

  constructor(handler: ProtocolHandler, options: ProtocolOptions) {
    this.handler = handler;
    this.mask = !options.isServer;
    this.compressor = options.compressor ?? null;
    this.receiver = new Receiver(this, {
      isServer: options.isServer,
      maxMessageSize: options.maxMessageSize,
      maxFragments: options.maxFragments,
      inflater: this.compressor,
    });
  }

  /** Feeds bytes read from the transport. */
  receive(chunk: Buffer): void {
    this.receiver.push(chunk);
  }

  /**
   * Sends a message. Returns false if it was not sent because the connection is closing or
   * closed.
   */
  send(data: Buffer | string, options: SendOptions = {}): boolean {
    if (this.state !== ProtocolState.Open) return false;
    const opcode = options.binary === true ? Opcode.Binary : Opcode.Text;
    let payload: Buffer | string = data;
    let compressed = false;
    const c = this.compressor;
    if (c !== null && options.compress !== false) {
      const length = typeof data === 'string' ? Buffer.byteLength(data) : data.length;
      if (options.compress === true || c.shouldCompress(length)) {
        payload = c.compress(typeof data === 'string' ? Buffer.from(data) : data);
        compressed = true;
      }
    }
    const size = options.fragmentSize;
    if (size === undefined || size <= 0) {
      this.output(encodeFrame(opcode, payload, { mask: this.mask, compressed }));
      return true;
    }
    const bytes = typeof payload === 'string' ? Buffer.from(payload) : payload;
    let offset = 0;
    do {
      const end = Math.min(bytes.length, offset + size);
      const frameOpcode = offset === 0 ? opcode : Opcode.Continuation;
      const fin = end === bytes.length;
      this.output(encodeFrame(frameOpcode, bytes.subarray(offset, end), { mask: this.mask, fin, compressed: compressed && offset === 0 }));
      offset = end;
    } while (offset < bytes.length);
    return true;
  }

  ping(data: Buffer | string = EMPTY): boolean {
    return this.sendControl(Opcode.Ping, data);
  }

  pong(data: Buffer | string = EMPTY): boolean {
    return this.sendControl(Opcode.Pong, data);
  }

  /**
   * Starts the closing handshake. `code` must be sendable (1000, 1001, ... 3000-4999);
   * omit it to send a close frame without a status code.
   */
  close(code?: number, reason = ''): void {
    if (this.state !== ProtocolState.Open) return;
    if (code !== undefined && !isValidCloseCode(code)) throw new RangeError(`Invalid close code ${code}`);
    const reasonBytes = Buffer.from(reason);
    if (reasonBytes.length > MAX_CONTROL_PAYLOAD - 2) throw new RangeError('Close reason over 123 bytes');
    this.state = ProtocolState.Closing;
    this.closeCode = code ?? CloseCode.NoStatus;
    this.closeReason = reason;
    this.writeClose(code, reasonBytes);
    this.receiver.discardDataMessages();
  }

  /**
   * Fails the connection (§7.1.7): sends a close frame with `code` if none was sent yet and
   * stops reading. The handler's onClose reports it with the error.
   */
  fail(code: number, reason: string): void {
    if (this.state === ProtocolState.Closed) return;
    if (this.state === ProtocolState.Open) this.writeClose(code, truncateReason(reason));
    this.finish(code, reason, new ProtocolError(code, reason));
  }

  /**
   * The transport ended without a closing handshake (1006). Safe to call in any state.
   */
  transportClosed(): void {
    if (this.state === ProtocolState.Closed) return;
    this.finish(CloseCode.Abnormal, '', new ProtocolError(CloseCode.Abnormal, 'Connection ended without a close frame'));
  }

  /**
   * The adapter tells the core whether the transport can take more bytes. While it cannot,
   * pongs are held back and only the latest is sent later (§5.5.3 allows that), so a ping flood
   * from a peer that does not read cannot grow our output.
   */
  setOutputBlocked(blocked: boolean): void {
    this.outputBlocked = blocked;
    if (!blocked && this.heldPong !== null) {
      const pong = this.heldPong;
      this.heldPong = null;
      if (this.state === ProtocolState.Open) this.sendControl(Opcode.Pong, pong);
    }
  }

  // ---- receiver events ------------------------------------------------------------------

  onMessage(data: Buffer, isBinary: boolean): void {
    this.handler.onMessage(data, isBinary);
  }

  onPing(data: Buffer): void {
    if (this.state !== ProtocolState.Open) return;
    if (this.outputBlocked) {
      // Copy: the view's read buffer should not stay pinned while we wait.
      this.heldPong = Buffer.from(data);
    } else {
      this.sendControl(Opcode.Pong, data);
    }
    this.handler.onPing?.(data);
  }

  onPong(data: Buffer): void {
    this.handler.onPong?.(data);
  }

  onCloseFrame(code: number, reason: string): void {
    if (this.state === ProtocolState.Open) {
      // Echo the peer's code (§5.5.1); a close without a code is answered without one.
      this.writeClose(code === CloseCode.NoStatus ? undefined : code, EMPTY);
    }
    this.finish(code, reason);
  }

  onProtocolError(code: number, reason: string): void {
    this.fail(code, reason);
  }

  // ---- internals ------------------------------------------------------------------------

  private finish(code: number, reason: string, error?: ProtocolError): void {
    this.state = ProtocolState.Closed;
    this.heldPong = null;
    this.receiver.stop();
    this.compressor?.close();
    this.closeCode = code;
    this.closeReason = reason;
    this.handler.onClose(code, reason, error);
  }

  private sendControl(opcode: number, data: Buffer | string): boolean {
    if (this.state !== ProtocolState.Open) return false;
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    if (bytes.length > MAX_CONTROL_PAYLOAD) throw new RangeError('Control frame payload over 125 bytes');
    this.output(encodeFrame(opcode, bytes, { mask: this.mask }));
    return true;
  }

  private writeClose(code: number | undefined, reason: Buffer): void {
    let payload = EMPTY;
    if (code !== undefined) {
      payload = Buffer.allocUnsafe(2 + reason.length);
      payload.writeUInt16BE(code, 0);
      reason.copy(payload, 2);
    }
    this.output(encodeFrame(Opcode.Close, payload, { mask: this.mask }));
  }

  private output(frame: Buffer | [Buffer, Buffer]): void {
    if (Array.isArray(frame)) {
      this.handler.onOutput(frame[0]);
      this.handler.onOutput(frame[1]);
    } else {
      this.handler.onOutput(frame);
    }
  }
}

/** Close reasons fit in a control frame: at most 123 bytes, cut on a character boundary. */
function truncateReason(reason: string): Buffer {
  let bytes = Buffer.from(reason);
  if (bytes.length <= 123) return bytes;
  let end = 123;
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  bytes = bytes.subarray(0, end);
  return bytes;
}

const EMPTY = Buffer.alloc(0);
