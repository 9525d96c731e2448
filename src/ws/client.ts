/**
 * The client side: `connect()` opens a `ws://` or `wss://` URL, performs the opening handshake
 * and resolves to an open `WebSocket`.
 *
 * For `wss` the TLS options (ca, cert, key, servername, rejectUnauthorized, ...) pass through
 * to `tls.connect`, so mutual TLS works. A caller that already has a connected socket (a tunnel
 * through an HTTP proxy, say) passes it as `socket` and the handshake runs over it.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import { WebSocket, type ConnectionOptions } from './connection.js';
import { parseExtensionHeader } from './protocol/extension-header.js';
import { PerMessageDeflate, checkDeflateOptions, clientAccept, clientOffer, type DeflateOptions } from './protocol/deflate.js';
import {
  HandshakeError,
  HttpHeadParser,
  buildUpgradeRequest,
  checkUpgradeResponse,
  generateKey,
  type HeadLimits,
} from './protocol/handshake.js';

export interface ClientOptions extends ConnectionOptions {
  /** Subprotocols to offer, most preferred first. */
  protocols?: readonly string[];
  /** Extra request headers (e.g. `X-M2M-Origin`). */
  headers?: ReadonlyArray<[string, string]>;
  /** permessage-deflate: off by default; `true` for the defaults, or options. */
  perMessageDeflate?: boolean | DeflateOptions;
  /** Time allowed for TCP, TLS and the handshake, in ms (default 10,000). */
  handshakeTimeout?: number;
  /** Limits on the response head. */
  headLimits?: Partial<HeadLimits>;
  /** A socket already connected to the server (e.g. a proxy tunnel); TLS is layered on it for wss. */
  socket?: Socket;
  /** TLS options for wss: `ca`, `cert`, `key`, `servername`, `rejectUnauthorized`, `pskCallback`... */
  tls?: TlsConnectionOptions;
}

/** Host, port, TLS and request target of a ws/wss URL. */
export interface WebSocketUrl {
  secure: boolean;
  /** Host name or address without IPv6 brackets (for `net.connect`). */
  hostname: string;
  port: number;
  /** The `Host` header value (brackets kept, default port omitted). */
  hostHeader: string;
  /** Path and query. */
  path: string;
}

export function parseWebSocketUrl(url: string | URL): WebSocketUrl {
  const u = typeof url === 'string' ? new URL(url) : url;
  if (u.protocol !== 'ws:' && u.protocol !== 'wss:') throw new TypeError(`Not a ws:// or wss:// URL: ${u.href}`);
  if (u.hash !== '') throw new TypeError('A WebSocket URL has no fragment');
  const secure = u.protocol === 'wss:';
  const port = u.port === '' ? (secure ? 443 : 80) : Number(u.port);
  const hostname = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
  return { secure, hostname, port, hostHeader: u.host, path: (u.pathname || '/') + u.search };
}

/**
 * Opens a WebSocket connection; rejects with a `HandshakeError`, a socket error, or a
 * `TypeError` / `RangeError` for a bad URL or bad options.
 */
export function connect(url: string | URL, options: ClientOptions = {}): Promise<WebSocket> {
  try {
    return open(url, options);
  } catch (err) {
    return Promise.reject(err);
  }
}

function open(url: string | URL, options: ClientOptions): Promise<WebSocket> {
  const target = parseWebSocketUrl(url);
  const deflate = options.perMessageDeflate === undefined || options.perMessageDeflate === false ? null : options.perMessageDeflate === true ? {} : options.perMessageDeflate;
  if (deflate !== null) checkDeflateOptions(deflate); // before any connection is opened
  const protocols = options.protocols ?? [];
  const key = generateKey();
  const request = buildUpgradeRequest({
    host: target.hostHeader,
    path: target.path,
    key,
    protocols,
    extensions: deflate !== null ? clientOffer(deflate) : undefined,
    headers: options.headers,
  });

  return new Promise<WebSocket>((resolve, reject) => {
    let socket: Socket;
    if (target.secure) {
      socket = tlsConnect({
        servername: isIpAddress(target.hostname) ? undefined : target.hostname,
        ...options.tls,
        host: target.hostname,
        port: target.port,
        ...(options.socket !== undefined ? { socket: options.socket } : {}),
        ALPNProtocols: ['http/1.1'],
      });
    } else {
      socket = options.socket ?? netConnect({ host: target.hostname, port: target.port });
    }
    const parser = new HttpHeadParser(false, options.headLimits);
    let settled = false;
    const fail = (err: Error): void => {
      if (settled) return;
      settled = true;
      cleanup();
      socket.destroy();
      reject(err);
    };
    const timer = setTimeout(() => fail(new HandshakeError(0, 'Opening handshake timed out')), options.handshakeTimeout ?? 10_000);
    const onError = (err: Error): void => fail(err);
    /** A refusal's head, while its short body is read for the error message. */
    let refusal: { status: number; text: string; body: Buffer[]; expected: number } | null = null;
    const finishRefusal = (): void => {
      const r = refusal!;
      const body = Buffer.concat(r.body).subarray(0, MAX_REFUSAL_BODY).toString('utf8').trim();
      fail(new HandshakeError(r.status, `Server refused the upgrade: ${r.text}${body ? `: ${body}` : ''}`));
    };
    const onData = (chunk: Buffer): void => {
      if (refusal !== null) {
        refusal.body.push(chunk);
        if (Buffer.concat(refusal.body).length >= refusal.expected) finishRefusal();
        return;
      }
      let result;
      try {
        result = parser.push(chunk);
        if (result === null) return;
        const [, codeText, reasonText] = result.head.startLine;
        if (codeText !== '101' && /^[1-5]\d\d$/.test(codeText)) {
          // Read the plain-text reason that a server sends with a refusal (bounded).
          const length = Number(result.head.headers.get('content-length') ?? MAX_REFUSAL_BODY);
          refusal = { status: Number(codeText), text: `${codeText} ${reasonText}`.trim(), body: [result.rest], expected: Math.min(Number.isFinite(length) ? length : 0, MAX_REFUSAL_BODY) };
          if (result.rest.length >= refusal.expected) finishRefusal();
          return;
        }
        const response = checkUpgradeResponse(result.head, key, protocols);
        let compressor: PerMessageDeflate | null = null;
        if (response.extensions !== undefined) {
          const offers = parseExtensionHeader(response.extensions);
          if (offers === null) throw new HandshakeError(101, 'Invalid Sec-WebSocket-Extensions in the response');
          if (deflate === null) throw new HandshakeError(101, 'Server selected an extension that was not offered');
          const accepted = clientAccept(offers, deflate);
          if (!accepted.ok) throw new HandshakeError(101, accepted.reason);
          compressor = new PerMessageDeflate(accepted.params, false, deflate);
        }
        settled = true;
        cleanup();
        socket.pause();
        resolve(
          new WebSocket(
            socket,
            { isServer: false, protocol: response.protocol, extensions: response.extensions, compressor, head: result.rest },
            options,
          ),
        );
      } catch (err) {
        fail(err as Error);
      }
    };
    const onClose = (): void => {
      if (refusal !== null) finishRefusal();
      else fail(new HandshakeError(0, 'Connection closed during the opening handshake'));
    };
    const cleanup = (): void => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('close', onClose);
    };
    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('close', onClose);
    // TLS is connected when the handshake completes; a plain socket when TCP is up.
    const ready = target.secure ? 'secureConnect' : 'connect';
    if (!target.secure && options.socket !== undefined) socket.write(request);
    else socket.once(ready, () => socket.write(request));
  });
}

/** Most bytes of a refusal's body kept for the error message. */
const MAX_REFUSAL_BODY = 1024;

function isIpAddress(host: string): boolean {
  return host.includes(':') || /^[0-9.]+$/.test(host);
}
