/**
 * The receiving half of RFC 6455: bytes in, frames parsed, messages assembled and checked.
 *
 * One explicit state machine (header → payload → header ...). It never touches a socket or a
 * timer: the caller pushes each chunk read from the wire and gets callbacks for messages,
 * control frames and protocol errors. After a close frame or an error it ignores all input.
 *
 * Zero copy: payload bytes are unmasked in place in the chunk they arrived in and kept as views.
 * A message that arrived as one piece is handed out as that view; a message in several pieces
 * is joined once at the end. Pieces under COPY_BELOW bytes are copied into a small side buffer
 * instead, so a flood of tiny fragments cannot pin many large read buffers.
 */
import { CloseCode, isControl, isKnownOpcode, isValidCloseCode, MAX_CONTROL_PAYLOAD, Opcode, applyMask, RSV1 } from './frame.js';
import { isValidUtf8, Utf8Validator } from './utf8.js';

/** Inflates a compressed message (RFC 7692); implemented by the permessage-deflate module. */
export interface MessageInflater {
  decompress(
    fragments: readonly Buffer[],
    maxSize: number,
  ): { ok: true; data: Buffer } | { ok: false; code: number; reason: string };
}

export interface ReceiverHandler {
  /** A whole data message. `data` may be a view into a read buffer: copy it to keep it. */
  onMessage(data: Buffer, isBinary: boolean): void;
  onPing(data: Buffer): void;
  onPong(data: Buffer): void;
  /** A valid close frame; `code` is 1005 when it carried none. */
  onCloseFrame(code: number, reason: string): void;
  /** The peer broke the protocol: fail the connection with this close code. */
  onProtocolError(code: number, reason: string): void;
}

export interface ReceiverOptions {
  /** A server expects masked frames from its client, a client expects unmasked ones. */
  isServer: boolean;
  /** Largest message (after decompression) in bytes; bigger ones fail with 1009. */
  maxMessageSize: number;
  /** Most frames in one fragmented message; more fail with 1008. */
  maxFragments: number;
  /** Present when permessage-deflate was negotiated: RSV1 then marks compressed messages. */
  inflater?: MessageInflater | null;
}

const enum State {
  Header,
  Payload,
  Done,
}

/** Pieces smaller than this are copied aside instead of kept as views of their read buffer. */
const COPY_BELOW = 1024;
const SIDE_BUFFER_SIZE = 4096;

export class Receiver {
  private readonly handler: ReceiverHandler;
  private readonly isServer: boolean;
  private readonly maxMessageSize: number;
  private readonly maxFragments: number;
  private readonly inflater: MessageInflater | null;

  private state = State.Header;
  /** Unread input: the head chunk from `offset` on, then the rest whole. */
  private chunks: Buffer[] = [];
  private offset = 0;
  private buffered = 0;

  // The frame being read.
  private fin = false;
  private opcode = 0;
  private frameLength = 0;
  private frameRead = 0;
  private masked = false;
  /** From the shared pool: written from each masked header before it is read. */
  private readonly mask = Buffer.allocUnsafe(4);

  // The data message being assembled.
  private messageOpcode = 0; // 0: no message in progress
  private compressed = false;
  private messageLength = 0;
  private fragments = 0;
  private parts: Buffer[] = [];
  private side: Buffer | null = null;
  private sideUsed = 0;
  private readonly utf8 = new Utf8Validator();
  /** Set once we have sent a close frame: data messages are then read but dropped. */
  private discardData = false;

  constructor(handler: ReceiverHandler, options: ReceiverOptions) {
    this.handler = handler;
    this.isServer = options.isServer;
    this.maxMessageSize = options.maxMessageSize;
    this.maxFragments = options.maxFragments;
    this.inflater = options.inflater ?? null;
  }

  /** True after a close frame or an error: all further input is ignored. */
  get done(): boolean {
    return this.state === State.Done;
  }

  /** Bytes received but not yet consumed (an incomplete frame header or control frame). */
  get bufferedAmount(): number {
    return this.buffered;
  }

  /** After we send a close frame, data still arriving is not delivered (§5.5.1). */
  discardDataMessages(): void {
    this.discardData = true;
  }

  /** Stops reading for good (the connection failed or closed). Releases held buffers. */
  stop(): void {
    this.state = State.Done;
    this.chunks = [];
    this.buffered = 0;
    this.offset = 0;
    this.resetMessage();
  }

  push(chunk: Buffer): void {
    if (this.state === State.Done || chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    while (this.buffered > 0) {
      if (this.state === State.Header) {
        if (!this.readHeader()) return;
      } else if (this.state === State.Payload) {
        if (!this.readPayload()) return;
      } else {
        return;
      }
    }
    // A frame may be complete with zero bytes left (an empty payload).
    if (this.state === State.Payload && this.frameLength === this.frameRead) this.readPayload();
  }

  // ---- header ---------------------------------------------------------------------------

  /** Parses one frame header if all of it has arrived. Returns false to wait for more input. */
  private readHeader(): boolean {
    if (this.buffered < 2) return false;
    const head = this.chunks[0]!;
    let bytes: Buffer;
    let at: number;
    if (head.length - this.offset >= 14) {
      bytes = head;
      at = this.offset;
    } else {
      bytes = headerScratch;
      at = 0;
      this.peek(bytes, Math.min(14, this.buffered));
    }
    const b0 = bytes[at]!;
    const b1 = bytes[at + 1]!;
    const len7 = b1 & 0x7f;
    const masked = (b1 & 0x80) !== 0;
    const size = 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (masked ? 4 : 0);
    if (this.buffered < size) return false;

    const fin = (b0 & 0x80) !== 0;
    const opcode = b0 & 0x0f;
    if (!this.checkFirstByte(b0, fin, opcode) || !this.checkMask(masked)) return false;

    let length = len7;
    let p = at + 2;
    if (len7 === 126) {
      length = (bytes[p]! << 8) | bytes[p + 1]!;
      p += 2;
    } else if (len7 === 127) {
      const high = bytes.readUInt32BE(p);
      if (high & 0x80000000) return this.fail(CloseCode.ProtocolError, 'Invalid 64-bit payload length');
      length = high * 0x100000000 + bytes.readUInt32BE(p + 4);
      p += 8;
    }
    if (masked) {
      this.mask[0] = bytes[p]!;
      this.mask[1] = bytes[p + 1]!;
      this.mask[2] = bytes[p + 2]!;
      this.mask[3] = bytes[p + 3]!;
    }
    this.skip(size);

    if (isControl(opcode)) {
      if (length > MAX_CONTROL_PAYLOAD) return this.fail(CloseCode.ProtocolError, 'Control frame payload over 125 bytes');
    } else if (!this.startDataFrame(opcode, (b0 & RSV1) !== 0, length)) {
      return false;
    }
    this.fin = fin;
    this.opcode = opcode;
    this.masked = masked;
    this.frameLength = length;
    this.frameRead = 0;
    this.state = State.Payload;
    return true;
  }

  private checkFirstByte(b0: number, fin: boolean, opcode: number): boolean {
    if (!isKnownOpcode(opcode)) return this.fail(CloseCode.ProtocolError, `Reserved opcode 0x${opcode.toString(16)}`);
    const rsv = b0 & 0x70;
    if (rsv !== 0) {
      // Only permessage-deflate defines a bit (RSV1), and only on a message's first frame.
      const rsv1Allowed = this.inflater !== null && (opcode === Opcode.Text || opcode === Opcode.Binary);
      if (rsv !== RSV1 || !rsv1Allowed) return this.fail(CloseCode.ProtocolError, 'Reserved bits set without an extension that defines them');
    }
    if (isControl(opcode)) {
      if (!fin) return this.fail(CloseCode.ProtocolError, 'Fragmented control frame');
    } else if (opcode === Opcode.Continuation) {
      if (this.messageOpcode === 0) return this.fail(CloseCode.ProtocolError, 'Continuation frame without a message in progress');
    } else if (this.messageOpcode !== 0) {
      return this.fail(CloseCode.ProtocolError, 'New data frame inside a fragmented message');
    }
    return true;
  }

  private checkMask(masked: boolean): boolean {
    if (masked === this.isServer) return true;
    return this.fail(CloseCode.ProtocolError, this.isServer ? 'Unmasked frame from a client' : 'Masked frame from a server');
  }

  /** Limits and message bookkeeping for a text, binary or continuation frame. */
  private startDataFrame(opcode: number, rsv1: boolean, length: number): boolean {
    if (opcode !== Opcode.Continuation) {
      this.messageOpcode = opcode;
      this.compressed = rsv1;
      this.fragments = 0;
      this.messageLength = 0;
    }
    if (++this.fragments > this.maxFragments) {
      return this.fail(CloseCode.PolicyViolation, `Message in more than ${this.maxFragments} fragments`);
    }
    // Decided from the header, before any payload byte is read.
    if (this.messageLength + length > this.maxMessageSize) {
      return this.fail(CloseCode.MessageTooBig, `Message over ${this.maxMessageSize} bytes`);
    }
    this.messageLength += length;
    return true;
  }

  // ---- payload --------------------------------------------------------------------------

  private readPayload(): boolean {
    if (isControl(this.opcode)) return this.readControlPayload();

    // Take what has arrived of this frame, piece by piece, without copying.
    while (this.frameRead < this.frameLength && this.buffered > 0) {
      const head = this.chunks[0]!;
      const want = this.frameLength - this.frameRead;
      const available = head.length - this.offset;
      const take = available < want ? available : want;
      const piece = head.subarray(this.offset, this.offset + take);
      this.skip(take);
      if (this.masked) applyMask(piece, this.mask, 0, this.frameRead);
      this.frameRead += take;
      if (this.messageOpcode === Opcode.Text && !this.compressed && !this.utf8.push(piece)) {
        return this.fail(CloseCode.InvalidPayload, 'Invalid UTF-8 in a text message');
      }
      this.keepPiece(piece);
    }
    if (this.frameRead < this.frameLength) return false;
    this.state = State.Header;
    if (this.fin) return this.finishMessage();
    return true;
  }

  private readControlPayload(): boolean {
    const length = this.frameLength;
    if (this.buffered < length) return false;
    let payload: Buffer;
    const head = this.chunks[0];
    if (length === 0) {
      payload = EMPTY;
    } else if (head !== undefined && head.length - this.offset >= length) {
      payload = head.subarray(this.offset, this.offset + length);
    } else {
      payload = Buffer.allocUnsafe(length);
      this.peek(payload, length);
    }
    this.skip(length);
    if (this.masked) applyMask(payload, this.mask, 0, 0);
    this.state = State.Header;

    switch (this.opcode) {
      case Opcode.Ping:
        this.handler.onPing(payload);
        return !this.done;
      case Opcode.Pong:
        this.handler.onPong(payload);
        return !this.done;
      default:
        return this.readClose(payload);
    }
  }

  private readClose(payload: Buffer): boolean {
    if (payload.length === 1) return this.fail(CloseCode.ProtocolError, 'Close frame with a 1-byte payload');
    let code: number = CloseCode.NoStatus;
    let reason = '';
    if (payload.length >= 2) {
      code = payload.readUInt16BE(0);
      if (!isValidCloseCode(code)) return this.fail(CloseCode.ProtocolError, `Invalid close code ${code}`);
      const reasonBytes = payload.subarray(2);
      if (!isValidUtf8(reasonBytes)) return this.fail(CloseCode.InvalidPayload, 'Close reason is not valid UTF-8');
      reason = reasonBytes.toString('utf8');
    }
    this.stop();
    this.handler.onCloseFrame(code, reason);
    return false;
  }

  /**
   * Keeps a payload piece of the current message: a piece that is the whole message, or a large
   * one, as a view; small pieces of a longer message copied aside.
   */
  private keepPiece(piece: Buffer): void {
    if (piece.length >= COPY_BELOW || (piece.length === this.messageLength && this.parts.length === 0 && this.sideUsed === 0)) {
      this.flushSide();
      this.parts.push(piece);
      return;
    }
    if (piece.length === 0) return;
    if (this.side === null || this.side.length - this.sideUsed < piece.length) {
      this.flushSide();
      this.side = Buffer.allocUnsafe(SIDE_BUFFER_SIZE);
    }
    piece.copy(this.side, this.sideUsed);
    this.sideUsed += piece.length;
  }

  private flushSide(): void {
    if (this.sideUsed === 0) return;
    this.parts.push(this.side!.subarray(0, this.sideUsed));
    this.side = null;
    this.sideUsed = 0;
  }

  private finishMessage(): boolean {
    this.flushSide();
    const parts = this.parts;
    const isBinary = this.messageOpcode === Opcode.Binary;
    const compressed = this.compressed;
    const textNotWhole = !isBinary && !compressed && !this.utf8.complete;
    const length = this.messageLength;
    this.resetMessage();

    if (textNotWhole) return this.fail(CloseCode.InvalidPayload, 'Text message ends inside a UTF-8 sequence');
    if (this.discardData) return true;

    let data: Buffer;
    if (compressed) {
      const result = this.inflater!.decompress(parts, this.maxMessageSize);
      if (!result.ok) return this.fail(result.code, result.reason);
      data = result.data;
      if (!isBinary && !isValidUtf8(data)) return this.fail(CloseCode.InvalidPayload, 'Invalid UTF-8 in a text message');
    } else {
      data = parts.length === 1 ? parts[0]! : parts.length === 0 ? EMPTY : Buffer.concat(parts, length);
    }
    this.handler.onMessage(data, isBinary);
    return !this.done;
  }

  private resetMessage(): void {
    this.messageOpcode = 0;
    this.compressed = false;
    this.messageLength = 0;
    this.fragments = 0;
    this.parts = [];
    this.side = null;
    this.sideUsed = 0;
    this.utf8.reset();
  }

  private fail(code: number, reason: string): false {
    this.stop();
    this.handler.onProtocolError(code, reason);
    return false;
  }

  // ---- input queue ----------------------------------------------------------------------

  /** Copies the next `n` unread bytes into `target` without consuming them. */
  private peek(target: Buffer, n: number): void {
    let copied = 0;
    let offset = this.offset;
    for (let i = 0; copied < n; i++) {
      const chunk = this.chunks[i]!;
      const take = Math.min(chunk.length - offset, n - copied);
      chunk.copy(target, copied, offset, offset + take);
      copied += take;
      offset = 0;
    }
  }

  /** Consumes `n` bytes. */
  private skip(n: number): void {
    this.buffered -= n;
    while (n > 0) {
      const head = this.chunks[0]!;
      const left = head.length - this.offset;
      if (n < left) {
        this.offset += n;
        return;
      }
      n -= left;
      this.chunks.shift();
      this.offset = 0;
    }
  }
}

const EMPTY = Buffer.alloc(0);

/**
 * Where a frame header split across reads is gathered. Shared by all receivers: it is filled
 * and read within one synchronous readHeader() call.
 */
const headerScratch = Buffer.alloc(14);
