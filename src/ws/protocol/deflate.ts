/**
 * permessage-deflate (RFC 7692), sans I/O: negotiation and a synchronous
 * message codec. Framing rules (RSV1 on the first frame only, never on
 * control frames) belong to the frame layer; this module sees whole messages.
 *
 * Why synchronous zlib: a 1 KiB message compresses in a few microseconds,
 * far less than a round trip through libuv's thread pool (what the async
 * zlib API and `ws` pay per message). Node has no public synchronous API on
 * a *persistent* zlib stream (one that keeps the LZ77 window between
 * messages): `zlib.deflateRawSync` builds a new stream per call, and the
 * internal `_processChunk(chunk, flush)` closes the stream when it returns
 * (checked on Node 20). So we drive the stream's native handle the way Node's own
 * `processChunkSync` does: `handle.writeSync(flush, in, inOff, inLen, out,
 * outOff, outLen)`, then read `[availOut, availIn]` from `_writeState`.
 * Node's own sync helpers rely on those two internals; `SyncZlib.open` checks
 * they exist and the tests exercise every path, so an incompatible Node fails
 * loudly at the first compressed message rather than corrupting data.
 * Owning the output buffer also gives an exact inflate cap: zlib is never
 * handed room for more than `maxSize + 1` bytes in total.
 *
 * See docs/ws-engine.md (## permessage-deflate) for the options, decisions and the
 * measurements behind the defaults.
 */

import zlib from "node:zlib";
import { formatExtension, isToken, type ExtensionOffer, type ExtensionParam } from "./extension-header.js";

export const EXTENSION_NAME = "permessage-deflate";

export interface DeflateOptions {
  /** Server: always reset our compressor per message. Client: ask the server to. Default false. */
  serverNoContextTakeover?: boolean;
  /** Server: ask the client to reset per message. Client: reset our compressor per message. Default false. */
  clientNoContextTakeover?: boolean;
  /** Server: largest window we compress with. Client: ask the server for at most this. 8..15, default 12. */
  serverMaxWindowBits?: number;
  /**
   * Client: `true` offers `client_max_window_bits` without a value (the server picks);
   * a number offers it with that value and caps our compressor. Server: the window we
   * ask a client to use when it offered the parameter. 8..15, default 12.
   */
  clientMaxWindowBits?: number | true;
  /** zlib memLevel of our compressor, 1..9. Default 4. */
  memLevel?: number;
  /** zlib level, 0..9 (or -1 for zlib's default, 6). Default 6. */
  level?: number;
  /** Messages shorter than this many bytes are sent uncompressed (RSV1 clear). Default 64. */
  threshold?: number;
  /**
   * A context without history (its direction has no_context_takeover) is closed
   * after each message by default, so an idle connection holds no zlib memory for
   * that direction. `true` resets it instead: about twice as fast per message,
   * but the memory stays allocated. Default false.
   */
  keepIdleContexts?: boolean;
}

/** What was agreed: the window each side compresses with, and who resets per message. */
export interface DeflateParams {
  serverNoContextTakeover: boolean;
  clientNoContextTakeover: boolean;
  serverMaxWindowBits: number;
  clientMaxWindowBits: number;
}

export const DEFLATE_DEFAULTS = {
  serverMaxWindowBits: 12,
  clientMaxWindowBits: 12,
  memLevel: 4,
  level: 6,
  threshold: 64,
  keepIdleContexts: false,
} as const;

const MIN_WINDOW_BITS = 8;
const MAX_WINDOW_BITS = 15;

// ---------------------------------------------------------------------------
// Negotiation
// ---------------------------------------------------------------------------

/** The four parameters of one offer or response, each at most once. */
interface DeflateParamSet {
  serverNoContextTakeover: boolean;
  clientNoContextTakeover: boolean;
  serverMaxWindowBits: number | undefined;
  /** `true`: present without a value (legal in a client's offer only). */
  clientMaxWindowBits: number | true | undefined;
}

/** Reads the parameters of one permessage-deflate element; a string is the reason it is invalid. */
function readParams(params: readonly ExtensionParam[]): DeflateParamSet | string {
  const set: DeflateParamSet = {
    serverNoContextTakeover: false,
    clientNoContextTakeover: false,
    serverMaxWindowBits: undefined,
    clientMaxWindowBits: undefined,
  };
  for (const [rawName, value] of params) {
    // Names are tokens (ASCII), compared case-insensitively like other HTTP tokens.
    if (!isToken(rawName)) return "invalid parameter name";
    const name = rawName.toLowerCase();
    switch (name) {
      case "server_no_context_takeover":
      case "client_no_context_takeover": {
        const key = name === "server_no_context_takeover" ? "serverNoContextTakeover" : "clientNoContextTakeover";
        if (set[key]) return `repeated ${name}`;
        if (value !== true) return `${name} takes no value`;
        set[key] = true;
        break;
      }
      case "server_max_window_bits": {
        if (set.serverMaxWindowBits !== undefined) return `repeated ${name}`;
        const bits = value === true ? undefined : parseWindowBits(value);
        if (bits === undefined) return `invalid ${name}`;
        set.serverMaxWindowBits = bits;
        break;
      }
      case "client_max_window_bits": {
        if (set.clientMaxWindowBits !== undefined) return `repeated ${name}`;
        const bits = value === true ? true : parseWindowBits(value);
        if (bits === undefined) return `invalid ${name}`;
        set.clientMaxWindowBits = bits;
        break;
      }
      default:
        return `unknown parameter ${rawName}`;
    }
  }
  return set;
}

/** "8".."15" exactly: RFC 7692 §7.1.2 forbids leading zeros, signs and spaces. */
function parseWindowBits(value: string): number | undefined {
  if (value === "8" || value === "9") return Number(value);
  if (value.length === 2 && value[0] === "1" && value[1]! >= "0" && value[1]! <= "5") return Number(value);
  return undefined;
}

function isDeflate(extension: ExtensionOffer): boolean {
  return isToken(extension.name) && extension.name.toLowerCase() === EXTENSION_NAME;
}

function checkedBits(bits: number | undefined, fallback: number, what: string): number {
  const value = bits ?? fallback;
  if (!Number.isInteger(value) || value < MIN_WINDOW_BITS || value > MAX_WINDOW_BITS) {
    throw new RangeError(`${what} must be an integer in 8..15, got ${value}`);
  }
  return value;
}

function serverWindowPreference(options: DeflateOptions): number {
  return checkedBits(options.serverMaxWindowBits, DEFLATE_DEFAULTS.serverMaxWindowBits, "serverMaxWindowBits");
}

function clientWindowPreference(options: DeflateOptions): number | true {
  if (options.clientMaxWindowBits === true) return true;
  return checkedBits(options.clientMaxWindowBits, DEFLATE_DEFAULTS.clientMaxWindowBits, "clientMaxWindowBits");
}

/**
 * Throws a RangeError for any invalid option (window bits, memLevel, level, threshold). The
 * negotiation and the codec check the same things, but only at the first handshake or the
 * first compressed message; call this where the options are given (a server's constructor)
 * so that a bad configuration fails there and not inside a peer's handshake.
 */
export function checkDeflateOptions(options: DeflateOptions): void {
  serverWindowPreference(options);
  clientWindowPreference(options);
  const { memLevel, level, threshold } = options;
  if (memLevel !== undefined && (!Number.isInteger(memLevel) || memLevel < 1 || memLevel > 9)) {
    throw new RangeError(`memLevel must be an integer in 1..9, got ${memLevel}`);
  }
  if (level !== undefined && (!Number.isInteger(level) || level < -1 || level > 9)) {
    throw new RangeError(`level must be an integer in -1..9, got ${level}`);
  }
  if (threshold !== undefined && !(threshold >= 0)) {
    throw new RangeError(`threshold must be a number >= 0, got ${threshold}`);
  }
}

/**
 * The client's `Sec-WebSocket-Extensions` value: one offer. We ask for a small
 * server window (our inflater's memory) and always announce
 * `client_max_window_bits`, so the server can shrink our compressor too. No
 * plain fallback offer: a server that cannot limit its window either ignores
 * the parameter (then we inflate with 15 bits, see clientAccept) or declines,
 * and a decline only costs compression, never the connection.
 */
export function clientOffer(options: DeflateOptions = {}): string {
  const params: ExtensionParam[] = [];
  if (options.serverNoContextTakeover) params.push(["server_no_context_takeover", true]);
  if (options.clientNoContextTakeover) params.push(["client_no_context_takeover", true]);
  const serverBits = serverWindowPreference(options);
  if (serverBits < MAX_WINDOW_BITS) params.push(["server_max_window_bits", String(serverBits)]);
  const clientBits = clientWindowPreference(options);
  params.push(["client_max_window_bits", clientBits === true ? true : String(clientBits)]);
  return formatExtension({ name: EXTENSION_NAME, params });
}

export type ClientAcceptResult = { ok: true; params: DeflateParams } | { ok: false; reason: string };

/**
 * Checks the server's response against `clientOffer(options)`. The caller passes
 * every extension the server accepted (call it only when the response has a
 * `Sec-WebSocket-Extensions` header; without one, compression is simply off).
 * Anything we could not have asked for fails: another extension, two
 * permessage-deflate elements, unknown / repeated / malformed parameters,
 * `server_max_window_bits` above what we asked, `client_max_window_bits`
 * without a value or above what we offered.
 */
export function clientAccept(response: readonly ExtensionOffer[], options: DeflateOptions = {}): ClientAcceptResult {
  const fail = (reason: string): ClientAcceptResult => ({ ok: false, reason });
  if (response.length === 0) return fail("the response accepts no extension");
  if (response.length > 1) return fail("the response accepts more than the one extension we offered");
  const [accepted] = response as [ExtensionOffer];
  if (!isDeflate(accepted)) return fail(`the response accepts an extension we did not offer: ${accepted.name}`);

  const got = readParams(accepted.params);
  if (typeof got === "string") return fail(got);

  const askedServerBits = serverWindowPreference(options);
  if (got.serverMaxWindowBits !== undefined && got.serverMaxWindowBits > askedServerBits) {
    return fail(`server_max_window_bits=${got.serverMaxWindowBits} is above the ${askedServerBits} we asked for`);
  }

  const offeredClientBits = clientWindowPreference(options);
  let clientBits = offeredClientBits === true ? MAX_WINDOW_BITS : offeredClientBits;
  if (got.clientMaxWindowBits === true) return fail("client_max_window_bits needs a value in a response");
  if (got.clientMaxWindowBits !== undefined) {
    if (got.clientMaxWindowBits > clientBits) {
      return fail(`client_max_window_bits=${got.clientMaxWindowBits} is above the ${clientBits} we offered`);
    }
    clientBits = got.clientMaxWindowBits;
  }

  return {
    ok: true,
    params: {
      serverNoContextTakeover: got.serverNoContextTakeover,
      clientNoContextTakeover: got.clientNoContextTakeover || options.clientNoContextTakeover === true,
      // A server that ignored our request (rather than declining) may use any window.
      serverMaxWindowBits: got.serverMaxWindowBits ?? MAX_WINDOW_BITS,
      clientMaxWindowBits: clientBits,
    },
  };
}

/**
 * Takes the first acceptable permessage-deflate offer (the client lists them in
 * its order of preference). An offer with an unknown, repeated or malformed
 * parameter is declined and the next one tried. Returns null to decline all.
 */
export function serverNegotiate(
  offers: readonly ExtensionOffer[],
  options: DeflateOptions = {},
): { header: string; params: DeflateParams } | null {
  const ourServerBits = serverWindowPreference(options);
  const ourClientBits = clientWindowPreference(options);
  for (const offer of offers) {
    if (!isDeflate(offer)) continue;
    const asked = readParams(offer.params);
    if (typeof asked === "string") continue;
    return acceptOffer(asked, options, ourServerBits, ourClientBits);
  }
  return null;
}

function acceptOffer(
  asked: DeflateParamSet,
  options: DeflateOptions,
  ourServerBits: number,
  ourClientBits: number | true,
): { header: string; params: DeflateParams } {
  const params: DeflateParams = {
    serverNoContextTakeover: asked.serverNoContextTakeover || options.serverNoContextTakeover === true,
    clientNoContextTakeover: asked.clientNoContextTakeover || options.clientNoContextTakeover === true,
    serverMaxWindowBits: Math.min(asked.serverMaxWindowBits ?? MAX_WINDOW_BITS, ourServerBits),
    clientMaxWindowBits: MAX_WINDOW_BITS,
  };
  // We may only bound the client's window if it announced client_max_window_bits;
  // a value in the offer is already the client's own bound.
  if (asked.clientMaxWindowBits !== undefined) {
    const offered = asked.clientMaxWindowBits === true ? MAX_WINDOW_BITS : asked.clientMaxWindowBits;
    params.clientMaxWindowBits = Math.min(offered, ourClientBits === true ? MAX_WINDOW_BITS : ourClientBits);
  }

  const response: ExtensionParam[] = [];
  if (params.serverNoContextTakeover) response.push(["server_no_context_takeover", true]);
  if (params.clientNoContextTakeover) response.push(["client_no_context_takeover", true]);
  // RFC 7692 §7.1.2.1: the server must echo server_max_window_bits when offered, and may send it unasked.
  if (asked.serverMaxWindowBits !== undefined || params.serverMaxWindowBits < MAX_WINDOW_BITS) {
    response.push(["server_max_window_bits", String(params.serverMaxWindowBits)]);
  }
  if (params.clientMaxWindowBits < MAX_WINDOW_BITS) {
    response.push(["client_max_window_bits", String(params.clientMaxWindowBits)]);
  }
  return { header: formatExtension({ name: EXTENSION_NAME, params: response }), params };
}

// ---------------------------------------------------------------------------
// Synchronous zlib on a persistent stream
// ---------------------------------------------------------------------------

/** The native handle behind a Node zlib stream (internal, see the file comment). */
interface ZlibHandle {
  writeSync(
    flush: number,
    input: Uint8Array,
    inOffset: number,
    inLength: number,
    output: Uint8Array,
    outOffset: number,
    outLength: number,
  ): void;
}

/** One raw deflate or inflate context, driven synchronously. */
class SyncZlib {
  private constructor(
    private readonly stream: zlib.DeflateRaw | zlib.InflateRaw,
    private readonly handle: ZlibHandle,
    /** Written by the handle after each call: [availOut, availIn]. */
    private readonly state: Uint32Array,
  ) {}

  static open(stream: zlib.DeflateRaw | zlib.InflateRaw): SyncZlib {
    const internals = stream as unknown as { _handle?: Partial<ZlibHandle>; _writeState?: unknown };
    const handle = internals._handle;
    const state = internals._writeState;
    if (typeof handle?.writeSync !== "function" || !(state instanceof Uint32Array) || state.length < 2) {
      stream.close();
      throw new Error("permessage-deflate: this Node.js version's zlib internals are not supported");
    }
    // zlib reports errors by destroying the stream synchronously and emitting
    // 'error' on the next tick; we read `destroyed`, the listener keeps the
    // late event from becoming an uncaught exception.
    stream.on("error", ignoreError);
    return new SyncZlib(stream, handle as ZlibHandle, state);
  }

  /** One zlib call. False if zlib rejected the data (the context is then gone). */
  write(input: Uint8Array, inOffset: number, inLength: number, output: Uint8Array, outLength: number): boolean {
    this.handle.writeSync(zlib.constants.Z_SYNC_FLUSH, input, inOffset, inLength, output, 0, outLength);
    return !this.stream.destroyed;
  }

  get availOut(): number {
    return this.state[0]!;
  }

  get availIn(): number {
    return this.state[1]!;
  }

  reset(): void {
    this.stream.reset();
  }

  close(): void {
    this.stream.close();
  }
}

function ignoreError(): void {}

/** The smallest output buffer a Node zlib stream accepts; we never use its own. */
const MIN_STREAM_CHUNK = zlib.constants.Z_MIN_CHUNK;

/**
 * One output buffer shared by every codec: all work here is synchronous, so no
 * two calls can interleave. Results are copied out at their exact length.
 */
const SCRATCH_SIZE = 64 * 1024;
let scratch: Buffer | undefined;
function scratchBuffer(): Buffer {
  return (scratch ??= Buffer.alloc(SCRATCH_SIZE));
}

/** RFC 7692 §7.2.1: a sync flush ends with this empty stored block; it is not sent. */
const TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);
/** The compressed form of an empty message (§7.2.3.6): an empty stored block minus the tail. */
const EMPTY_MESSAGE = [0x00];

// ---------------------------------------------------------------------------
// The codec
// ---------------------------------------------------------------------------

export type DecompressResult = { ok: true; data: Buffer } | { ok: false; code: 1009 | 1007; reason: string };

/**
 * Compresses outgoing and inflates incoming messages of one connection.
 * zlib contexts are created at first use. A context that may not carry
 * history into the next message (its direction's no_context_takeover) is
 * closed after each message (unless `keepIdleContexts`), so an idle
 * connection holds no zlib memory for that direction.
 */
export class PerMessageDeflate {
  private deflater: SyncZlib | null = null;
  private inflater: SyncZlib | null = null;
  /** zlib cannot compress raw deflate with an 8-bit window; see compressorWindowBits. */
  private readonly compressBits: number;
  private readonly inflateBits: number;
  private readonly compressorKeepsContext: boolean;
  private readonly inflaterKeepsContext: boolean;
  private readonly memLevel: number;
  private readonly level: number;
  private readonly threshold: number;
  private readonly keepIdleContexts: boolean;

  constructor(
    readonly params: DeflateParams,
    readonly isServer: boolean,
    options: DeflateOptions = {},
  ) {
    const ownBits = isServer ? params.serverMaxWindowBits : params.clientMaxWindowBits;
    const peerBits = isServer ? params.clientMaxWindowBits : params.serverMaxWindowBits;
    this.compressBits = compressorWindowBits(checkedBits(ownBits, MAX_WINDOW_BITS, "window bits"));
    this.inflateBits = checkedBits(peerBits, MAX_WINDOW_BITS, "window bits");
    this.compressorKeepsContext = !(isServer ? params.serverNoContextTakeover : params.clientNoContextTakeover);
    this.inflaterKeepsContext = !(isServer ? params.clientNoContextTakeover : params.serverNoContextTakeover);
    this.memLevel = options.memLevel ?? DEFLATE_DEFAULTS.memLevel;
    this.level = options.level ?? DEFLATE_DEFAULTS.level;
    this.threshold = options.threshold ?? DEFLATE_DEFAULTS.threshold;
    this.keepIdleContexts = options.keepIdleContexts ?? DEFLATE_DEFAULTS.keepIdleContexts;
    if (!Number.isInteger(this.memLevel) || this.memLevel < 1 || this.memLevel > 9) {
      throw new RangeError(`memLevel must be an integer in 1..9, got ${this.memLevel}`);
    }
    if (!Number.isInteger(this.level) || this.level < -1 || this.level > 9) {
      throw new RangeError(`level must be an integer in -1..9, got ${this.level}`);
    }
  }

  /** Below the threshold a message goes out uncompressed (RFC 7692 §6.1 allows it). */
  shouldCompress(byteLength: number): boolean {
    return byteLength >= this.threshold;
  }

  /** One whole message: raw deflate, sync-flushed, without the trailing 00 00 ff ff. */
  compress(data: Uint8Array): Buffer {
    // With no input and a sync flush already done, zlib has nothing to emit
    // (Z_BUF_ERROR); the spec's empty message is a single 0x00 anyway.
    if (data.byteLength === 0) return Buffer.from(EMPTY_MESSAGE);

    const z = (this.deflater ??= this.openDeflater());
    const out = scratchBuffer();
    const full: Buffer[] = [];
    let inOffset = 0;
    let inLength = data.byteLength;
    while (true) {
      if (!z.write(data, inOffset, inLength, out, out.length)) {
        this.deflater = null;
        throw new Error("permessage-deflate: zlib failed to compress");
      }
      inOffset += inLength - z.availIn;
      inLength = z.availIn;
      // A full output buffer may hide more output; otherwise the flush is complete.
      if (z.availOut === 0) {
        full.push(Buffer.from(out));
        continue;
      }
      const last = out.subarray(0, out.length - z.availOut);
      const length = full.reduce((sum, b) => sum + b.length, last.length) - TAIL.length;
      this.afterCompress();
      return Buffer.concat([...full, last], length); // copies exactly `length` bytes
    }
  }

  /**
   * Inflates one message from its frames' payloads. Never gives zlib room for
   * more than `maxSize + 1` bytes in total: 1009 as soon as it would pass the
   * cap; 1007 for data that is not valid DEFLATE. After a failure the
   * connection must be failed with that code (the context is discarded).
   */
  decompress(fragments: readonly Uint8Array[], maxSize: number): DecompressResult {
    // An empty payload is not a DEFLATE block even with the tail; read it as an
    // empty message and leave the context untouched, as lenient peers expect.
    if (fragments.every((f) => f.byteLength === 0)) return { ok: true, data: Buffer.alloc(0) };

    const z = (this.inflater ??= this.openInflater());
    const out = scratchBuffer();
    const chunks: Buffer[] = [];
    let produced = 0;
    let streamEnded = false;

    for (let i = 0; i <= fragments.length; i++) {
      const input = i < fragments.length ? fragments[i]! : TAIL;
      let inOffset = 0;
      let inLength = input.byteLength;
      while (inLength > 0) {
        const room = Math.min(out.length, maxSize - produced + 1);
        if (!z.write(input, inOffset, inLength, out, room)) {
          this.inflater = null;
          return { ok: false, code: 1007, reason: "invalid compressed data" };
        }
        const have = room - z.availOut;
        produced += have;
        if (produced > maxSize) {
          this.discardInflater();
          return { ok: false, code: 1009, reason: "message too big after decompression" };
        }
        if (have > 0) chunks.push(Buffer.from(out.subarray(0, have)));
        inOffset += inLength - z.availIn;
        inLength = z.availIn;
        if (z.availOut === 0) continue; // out of room: more output may be pending
        if (inLength > 0) {
          // zlib stopped with input left and room to spare: a BFINAL block ended
          // the DEFLATE stream. Only our own tail may follow it.
          if (input !== TAIL) {
            this.discardInflater();
            return { ok: false, code: 1007, reason: "data after the final compressed block" };
          }
          streamEnded = true;
          break;
        }
      }
    }

    // After a final block the peer starts a new stream, so history must go too.
    this.afterDecompress(streamEnded);
    return { ok: true, data: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, produced) };
  }

  /** Releases both zlib contexts; further use reopens them lazily. */
  close(): void {
    this.deflater?.close();
    this.deflater = null;
    this.discardInflater();
  }

  private openDeflater(): SyncZlib {
    return SyncZlib.open(
      zlib.createDeflateRaw({
        windowBits: this.compressBits,
        memLevel: this.memLevel,
        level: this.level,
        chunkSize: MIN_STREAM_CHUNK,
      }),
    );
  }

  private openInflater(): SyncZlib {
    return SyncZlib.open(zlib.createInflateRaw({ windowBits: this.inflateBits, chunkSize: MIN_STREAM_CHUNK }));
  }

  private afterCompress(): void {
    if (this.compressorKeepsContext) return;
    if (this.keepIdleContexts) {
      this.deflater?.reset();
    } else {
      this.deflater?.close();
      this.deflater = null;
    }
  }

  private afterDecompress(streamEnded: boolean): void {
    if (this.inflaterKeepsContext && !streamEnded) return;
    if (this.keepIdleContexts) this.inflater?.reset();
    else this.discardInflater();
  }

  private discardInflater(): void {
    this.inflater?.close();
    this.inflater = null;
  }
}

/**
 * zlib refuses an 8-bit window for raw deflate (since 1.2.9; Node maps 8 to 9
 * itself). Compressing with 9 bits still honours a negotiated 8: zlib never
 * emits a match distance above windowSize - 262 (its MAX_DIST), i.e. 250 for
 * a 512-byte window, which fits in 256. Inflating with 8 bits works as is.
 */
function compressorWindowBits(negotiated: number): number {
  return Math.max(negotiated, 9);
}
