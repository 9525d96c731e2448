/**
 * The opening handshake (RFC 6455 §4), without I/O.
 *
 * - `HttpHeadParser` reads an HTTP/1.1 request or response head incrementally and bounded:
 *   each byte is scanned once however the head is split across reads (no re-parsing), and the
 *   line, field-count and total-size limits answer 414 / 431 before anything unbounded is kept.
 * - `checkUpgradeRequest` decides whether a request is a valid WebSocket upgrade, and with which
 *   HTTP status to refuse it otherwise; `checkUpgradeResponse` does the client's checks.
 * - Builders write the request, the 101 response and refusals.
 *
 * Header names are compared case-insensitively and kept in a `Map` (never a plain object keyed
 * by peer input); repeated header lines are joined into one comma list (RFC 9110 §5.3).
 */
import { createHash, randomBytes } from 'node:crypto';
import { isToken } from './extension-header.js';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** `Sec-WebSocket-Accept` for a `Sec-WebSocket-Key` (§4.2.2). */
export function acceptKeyFor(key: string): string {
  return createHash('sha1').update(key + GUID).digest('base64');
}

/** A fresh `Sec-WebSocket-Key`: 16 random bytes, base64. */
export function generateKey(): string {
  return randomBytes(16).toString('base64');
}

export interface HeadLimits {
  /** Longest request or status line, in bytes (default 8 KiB; 414 when a request line is over). */
  maxStartLine: number;
  /** Longest header line, in bytes (default 8 KiB; 431). */
  maxHeaderLine: number;
  /** Most header fields (default 100; 431). */
  maxHeaders: number;
  /** Largest head in all, in bytes (default 16 KiB; 431). */
  maxHeadSize: number;
}

export const DEFAULT_HEAD_LIMITS: Readonly<HeadLimits> = {
  maxStartLine: 8 * 1024,
  maxHeaderLine: 8 * 1024,
  maxHeaders: 100,
  maxHeadSize: 16 * 1024,
};

/** A parsed request or response head. Header names are lower case. */
export interface HttpHead {
  /** Request: method, target, version. Response: version, status code (as text), reason. */
  startLine: [string, string, string];
  headers: Map<string, string>;
}

export class HandshakeError extends Error {
  constructor(
    /** The HTTP status to answer with (server) or that was received (client; 0 if none). */
    readonly status: number,
    message: string,
    /** Extra response headers, e.g. `Sec-WebSocket-Version: 13` with a 426. */
    readonly headers: ReadonlyArray<[string, string]> = [],
  ) {
    super(message);
    this.name = 'HandshakeError';
  }
}

const CR = 0x0d;
const LF = 0x0a;

/**
 * Incremental HTTP/1.1 head parser. Feed it chunks until it returns a result; bytes after the
 * head (the first WebSocket frames) are returned as `rest`.
 */
export class HttpHeadParser {
  private readonly limits: HeadLimits;
  private readonly isRequest: boolean;
  /** Bytes of the line in progress (it may span chunks). */
  private line: Buffer[] = [];
  private lineLength = 0;
  private total = 0;
  private startLine: [string, string, string] | null = null;
  private readonly headers = new Map<string, string>();
  private fieldCount = 0;

  constructor(isRequest: boolean, limits: Partial<HeadLimits> = {}) {
    this.isRequest = isRequest;
    this.limits = { ...DEFAULT_HEAD_LIMITS, ...limits };
  }

  /**
   * Consumes a chunk. Returns null while the head is incomplete, the head and the bytes after it
   * once complete. Throws `HandshakeError` on malformed or oversized input.
   */
  push(chunk: Buffer): { head: HttpHead; rest: Buffer } | null {
    let start = 0;
    while (start < chunk.length) {
      const lf = chunk.indexOf(LF, start);
      const end = lf === -1 ? chunk.length : lf + 1;
      this.total += end - start;
      this.lineLength += end - start;
      this.checkLength();
      if (lf === -1) {
        this.line.push(chunk.subarray(start));
        return null;
      }
      this.line.push(chunk.subarray(start, lf + 1));
      start = end;
      const line = this.takeLine();
      if (line === null) {
        // The empty line: the head is complete.
        const head = { startLine: this.startLine!, headers: this.headers };
        return { head, rest: chunk.subarray(start) };
      }
      this.addLine(line);
    }
    return null;
  }

  private checkLength(): void {
    const l = this.limits;
    if (this.startLine === null) {
      if (this.lineLength > l.maxStartLine) {
        throw new HandshakeError(this.isRequest ? 414 : 0, this.isRequest ? 'Request line too long' : 'Status line too long');
      }
    } else if (this.lineLength > l.maxHeaderLine) {
      throw new HandshakeError(431, 'Header line too long');
    }
    if (this.total > l.maxHeadSize) throw new HandshakeError(431, 'Request head too large');
  }

  /** The completed line without CRLF as latin1 text, or null for the empty line. */
  private takeLine(): string | null {
    const bytes = this.line.length === 1 ? this.line[0]! : Buffer.concat(this.line, this.lineLength);
    this.line = [];
    this.lineLength = 0;
    // Lines end in CRLF; a bare LF is tolerated as RFC 9112 §2.2 allows.
    let end = bytes.length - 1;
    if (end > 0 && bytes[end - 1] === CR) end--;
    if (end === 0) {
      if (this.startLine === null) throw new HandshakeError(400, 'Empty start line');
      return null;
    }
    return bytes.toString('latin1', 0, end);
  }

  private addLine(line: string): void {
    if (this.startLine === null) {
      this.startLine = parseStartLine(line, this.isRequest);
      return;
    }
    if (++this.fieldCount > this.limits.maxHeaders) throw new HandshakeError(431, 'Too many header fields');
    const first = line.charCodeAt(0);
    if (first === 0x20 || first === 0x09) throw new HandshakeError(400, 'Obsolete line folding in a header');
    const colon = line.indexOf(':');
    if (colon <= 0) throw new HandshakeError(400, 'Malformed header line');
    const name = line.slice(0, colon);
    if (!isToken(name)) throw new HandshakeError(400, 'Invalid header name');
    const value = trimOws(line.slice(colon + 1));
    if (!isFieldValue(value)) throw new HandshakeError(400, `Invalid characters in the ${name} header`);
    const key = name.toLowerCase();
    const previous = this.headers.get(key);
    this.headers.set(key, previous === undefined ? value : `${previous}, ${value}`);
  }
}

function parseStartLine(line: string, isRequest: boolean): [string, string, string] {
  const a = line.indexOf(' ');
  const b = a === -1 ? -1 : line.indexOf(' ', a + 1);
  if (isRequest) {
    if (a <= 0 || b === -1 || b === a + 1 || line.indexOf(' ', b + 1) !== -1 || !isToken(line.slice(0, a))) {
      throw new HandshakeError(400, 'Malformed request line');
    }
    return [line.slice(0, a), line.slice(a + 1, b), line.slice(b + 1)];
  }
  // Status line: version SP code SP [reason]; the reason may contain spaces, or be absent.
  if (a <= 0) throw new HandshakeError(0, 'Malformed status line');
  const code = b === -1 ? line.slice(a + 1) : line.slice(a + 1, b);
  return [line.slice(0, a), code, b === -1 ? '' : line.slice(b + 1)];
}

function trimOws(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isOws(text.charCodeAt(start))) start++;
  while (end > start && isOws(text.charCodeAt(end - 1))) end--;
  return text.slice(start, end);
}

function isOws(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

/** Field values: visible characters, spaces and tabs, obs-text; no controls (RFC 9110 §5.5). */
function isFieldValue(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) return false;
  }
  return true;
}

/** Splits a comma list into its non-empty, trimmed elements (RFC 9110 §5.6.1). */
export function splitList(value: string | undefined): string[] {
  if (value === undefined) return [];
  const items: string[] = [];
  let start = 0;
  for (let i = 0; i <= value.length; i++) {
    if (i === value.length || value.charCodeAt(i) === 0x2c) {
      const item = trimOws(value.slice(start, i));
      if (item.length > 0) items.push(item);
      start = i + 1;
    }
  }
  return items;
}

function listHasToken(value: string | undefined, token: string): boolean {
  for (const item of splitList(value)) if (item.toLowerCase() === token) return true;
  return false;
}

/** A valid `Sec-WebSocket-Key`: base64 of exactly 16 bytes (22 chars of data and `==`). */
export function isValidKey(key: string | undefined): key is string {
  if (key === undefined || key.length !== 24 || !key.endsWith('==')) return false;
  for (let i = 0; i < 22; i++) {
    const c = key.charCodeAt(i);
    const ok = (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2f;
    if (!ok) return false;
  }
  // The last data character carries 2 bits of the 16th byte and 4 zero bits.
  return 'AQgw'.includes(key[21]!);
}

/** What a valid upgrade request asks for. */
export interface UpgradeRequest {
  method: string;
  /** The request target, e.g. `/` or `/path?query`. */
  target: string;
  headers: Map<string, string>;
  key: string;
  /** Offered subprotocols, in the client's order of preference (exact tokens). */
  protocols: string[];
  /** The raw `Sec-WebSocket-Extensions` value, if any (joined over repeated lines). */
  extensions: string | undefined;
}

/**
 * Checks a parsed request against §4.2.1. Throws `HandshakeError` with the status to answer.
 */
export function checkUpgradeRequest(head: HttpHead): UpgradeRequest {
  const [method, target, version] = head.startLine;
  const headers = head.headers;
  if (method !== 'GET') throw new HandshakeError(405, 'Method must be GET', [['Allow', 'GET']]);
  if (version !== 'HTTP/1.1') throw new HandshakeError(version.startsWith('HTTP/') ? 505 : 400, 'Protocol must be HTTP/1.1');
  if (target.length === 0) throw new HandshakeError(400, 'Empty request target');
  const host = headers.get('host');
  if (host === undefined || host.length === 0 || host.includes(',')) throw new HandshakeError(400, 'Missing or repeated Host header');
  if (!listHasToken(headers.get('upgrade'), 'websocket')) throw new HandshakeError(400, 'Upgrade header must contain "websocket"');
  if (!listHasToken(headers.get('connection'), 'upgrade')) throw new HandshakeError(400, 'Connection header must contain "Upgrade"');
  if (headers.get('sec-websocket-version') !== '13') {
    throw new HandshakeError(426, 'Unsupported Sec-WebSocket-Version (13 is supported)', [['Sec-WebSocket-Version', '13']]);
  }
  const key = headers.get('sec-websocket-key');
  if (!isValidKey(key)) throw new HandshakeError(400, 'Missing or invalid Sec-WebSocket-Key');
  const protocols = splitList(headers.get('sec-websocket-protocol'));
  for (const p of protocols) {
    if (!isToken(p)) throw new HandshakeError(400, 'Invalid Sec-WebSocket-Protocol header');
  }
  return { method, target, headers, key, protocols, extensions: headers.get('sec-websocket-extensions') };
}

/** Serializes the 101 response that accepts an upgrade. */
export function buildAcceptResponse(
  key: string,
  protocol: string | undefined,
  extensions: string | undefined,
  extraHeaders: ReadonlyArray<[string, string]> = [],
): string {
  let text = `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptKeyFor(key)}\r\n`;
  if (protocol !== undefined) text += `Sec-WebSocket-Protocol: ${protocol}\r\n`;
  if (extensions !== undefined) text += `Sec-WebSocket-Extensions: ${extensions}\r\n`;
  for (const [name, value] of extraHeaders) text += `${name}: ${value}\r\n`;
  return text + '\r\n';
}

const STATUS_TEXT = new Map<number, string>([
  [400, 'Bad Request'],
  [401, 'Unauthorized'],
  [403, 'Forbidden'],
  [404, 'Not Found'],
  [405, 'Method Not Allowed'],
  [408, 'Request Timeout'],
  [414, 'URI Too Long'],
  [426, 'Upgrade Required'],
  [429, 'Too Many Requests'],
  [431, 'Request Header Fields Too Large'],
  [500, 'Internal Server Error'],
  [503, 'Service Unavailable'],
  [505, 'HTTP Version Not Supported'],
]);

/** A refusal: status, a short plain-text reason as the body, `Connection: close`. */
export function buildRejectResponse(status: number, reason: string, extraHeaders: ReadonlyArray<[string, string]> = []): string {
  const body = `${reason}\n`;
  let text = `HTTP/1.1 ${status} ${STATUS_TEXT.get(status) ?? 'Error'}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n`;
  for (const [name, value] of extraHeaders) text += `${name}: ${value}\r\n`;
  return `${text}\r\n${body}`;
}

export interface ClientRequestSpec {
  host: string;
  /** Request target: path and query. */
  path: string;
  key: string;
  protocols?: readonly string[];
  extensions?: string;
  headers?: ReadonlyArray<[string, string]>;
}

/** Serializes the client's upgrade request. */
export function buildUpgradeRequest(spec: ClientRequestSpec): string {
  let text = `GET ${spec.path} HTTP/1.1\r\nHost: ${spec.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${spec.key}\r\nSec-WebSocket-Version: 13\r\n`;
  if (spec.protocols !== undefined && spec.protocols.length > 0) text += `Sec-WebSocket-Protocol: ${spec.protocols.join(', ')}\r\n`;
  if (spec.extensions !== undefined) text += `Sec-WebSocket-Extensions: ${spec.extensions}\r\n`;
  for (const [name, value] of spec.headers ?? []) {
    if (!isToken(name) || !isFieldValue(value)) throw new TypeError(`Invalid header ${name}`);
    text += `${name}: ${value}\r\n`;
  }
  return text + '\r\n';
}

/** What the server agreed to. */
export interface UpgradeResponse {
  protocol: string | undefined;
  extensions: string | undefined;
  headers: Map<string, string>;
}

/**
 * The client's checks of the server's answer (§4.1): 101, Upgrade, Connection, the accept
 * value, and a subprotocol among those offered. Throws `HandshakeError` (status = the status
 * received) otherwise. Extensions are checked by the caller, which knows what it offered.
 */
export function checkUpgradeResponse(head: HttpHead, key: string, offeredProtocols: readonly string[]): UpgradeResponse {
  const [version, codeText, reason] = head.startLine;
  const headers = head.headers;
  if (!version.startsWith('HTTP/1.')) throw new HandshakeError(0, 'Malformed status line');
  const status = /^\d{3}$/.test(codeText) ? Number(codeText) : 0;
  if (status !== 101) throw new HandshakeError(status, `Server refused the upgrade: ${codeText} ${reason}`.trim());
  if (!listHasToken(headers.get('upgrade'), 'websocket')) throw new HandshakeError(101, 'Upgrade header must be "websocket"');
  if (!listHasToken(headers.get('connection'), 'upgrade')) throw new HandshakeError(101, 'Connection header must contain "Upgrade"');
  if (headers.get('sec-websocket-accept') !== acceptKeyFor(key)) throw new HandshakeError(101, 'Wrong Sec-WebSocket-Accept');
  const protocol = headers.get('sec-websocket-protocol');
  if (protocol !== undefined && !offeredProtocols.includes(protocol)) {
    throw new HandshakeError(101, `Server selected a subprotocol that was not offered: ${protocol}`);
  }
  return { protocol, extensions: headers.get('sec-websocket-extensions'), headers };
}
