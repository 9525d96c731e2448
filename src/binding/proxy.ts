/**
 * HTTP proxies for the registree side (TS-0020 clause 6.6): `openTunnel()` asks an HTTP proxy
 * for a `CONNECT` tunnel to the WebSocket server, and `proxyForUrl()` picks the proxy for a
 * ws/wss URL from the usual environment variables.
 *
 * The tunnel is a plain `net.Socket`; pass it to `connect(url, { socket })` and the engine runs
 * the opening handshake over it (for `wss`, TLS to the WebSocket server is layered on top, so
 * the proxy only ever sees ciphertext).
 */
import { BlockList, connect as netConnect, isIP, type Socket } from 'node:net';
import { isToken } from '../ws/protocol/extension-header.js';
import { HttpHeadParser } from '../ws/protocol/handshake.js';

export interface TunnelOptions {
  /** Time allowed for TCP to the proxy and its answer, in ms (default 10,000). */
  timeout?: number;
  /** Extra headers for the CONNECT request (e.g. `User-Agent`). */
  headers?: ReadonlyArray<[string, string]>;
}

/** A proxy that could not be reached, refused the tunnel, or did not answer in time. */
export class ProxyError extends Error {
  constructor(
    /** The proxy's HTTP status (407, 403, 502...), or 0 when there was no answer. */
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ProxyError';
  }
}

const DEFAULT_TUNNEL_TIMEOUT = 10_000;

/**
 * Opens a `CONNECT` tunnel through the HTTP proxy `proxy` (`http://[user:pass@]host[:port]`) to
 * `targetHost:targetPort`. Resolves with the connected socket once the proxy answers 2xx; any
 * bytes the proxy sent after its answer are put back into the socket, to be read first.
 */
export async function openTunnel(proxy: URL | string, targetHost: string, targetPort: number, options: TunnelOptions = {}): Promise<Socket> {
  const proxyUrl = parseProxyUrl(proxy);
  const authority = targetAuthority(targetHost, targetPort);
  const request = buildConnectRequest(authority, proxyUrl, options.headers ?? []);
  const proxyHost = proxyUrl.hostname.startsWith('[') ? proxyUrl.hostname.slice(1, -1) : proxyUrl.hostname;
  const proxyPort = proxyUrl.port === '' ? 80 : Number(proxyUrl.port);

  const socket = netConnect({ host: proxyHost, port: proxyPort });
  return new Promise<Socket>((resolve, reject) => {
    const parser = new HttpHeadParser(false);
    let settled = false;
    const settle = (err: Error | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.off('connect', onConnect);
      socket.off('readable', onReadable);
      socket.off('error', onError);
      socket.off('close', onClose);
      if (err === null) {
        resolve(socket);
      } else {
        socket.destroy();
        reject(err);
      }
    };
    const timer = setTimeout(
      () => settle(new ProxyError(0, `Proxy ${proxyUrl.host} did not answer the CONNECT to ${authority} within ${options.timeout ?? DEFAULT_TUNNEL_TIMEOUT} ms`)),
      options.timeout ?? DEFAULT_TUNNEL_TIMEOUT,
    );
    const onConnect = (): void => {
      socket.write(request);
    };
    // Paused mode ('readable' + read()) rather than 'data': the socket must not be left flowing
    // with nobody listening, or bytes after the proxy's answer would be emitted into the void.
    // Once the 'readable' listener is gone the socket is back in its initial state, and the next
    // 'data' listener (the engine's) starts it flowing.
    const onReadable = (): void => {
      let chunk: Buffer | null;
      while (!settled && (chunk = socket.read() as Buffer | null) !== null) {
        let result;
        try {
          result = parser.push(chunk);
        } catch (err) {
          settle(new ProxyError(0, `Malformed answer from proxy ${proxyUrl.host}: ${(err as Error).message}`));
          return;
        }
        if (result === null) continue;
        const [version, codeText, reason] = result.head.startLine;
        const status = parseStatus(version, codeText);
        if (status === 0) {
          settle(new ProxyError(0, `Malformed status line from proxy ${proxyUrl.host}`));
        } else if (status < 200 || status > 299) {
          settle(new ProxyError(status, `Proxy ${proxyUrl.host} refused the tunnel to ${authority}: ${status} ${reason}`.trimEnd()));
        } else {
          if (result.rest.length > 0) socket.unshift(result.rest);
          settle(null);
        }
      }
    };
    const onError = (err: Error): void => settle(new ProxyError(0, `Proxy ${proxyUrl.host}: ${err.message}`));
    const onClose = (): void => settle(new ProxyError(0, `Proxy ${proxyUrl.host} closed the connection before answering the CONNECT`));
    socket.on('connect', onConnect);
    socket.on('readable', onReadable);
    socket.on('error', onError);
    socket.on('close', onClose);
  });
}

/** Only `http://` proxies: TLS to the proxy itself (an `https://` proxy URL) is not supported. */
function parseProxyUrl(proxy: URL | string): URL {
  const url = typeof proxy === 'string' ? new URL(proxy) : proxy;
  if (url.protocol === 'https:') {
    throw new ProxyError(0, `HTTPS proxies are not supported (${url.host}): use an http:// proxy URL; wss traffic is still encrypted end to end inside the tunnel`);
  }
  if (url.protocol !== 'http:') throw new ProxyError(0, `Unsupported proxy URL scheme ${url.protocol} (only http:// proxies)`);
  return url;
}

/** `host:port` for the request line and `Host` header; IPv6 addresses go in brackets. */
function targetAuthority(host: string, port: number): string {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new TypeError(`Invalid target port: ${port}`);
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (bare.length === 0 || !isHostText(bare)) throw new TypeError(`Invalid target host: ${JSON.stringify(host)}`);
  return isIP(bare) === 6 ? `[${bare}]:${port}` : `${bare}:${port}`;
}

function buildConnectRequest(authority: string, proxyUrl: URL, headers: ReadonlyArray<[string, string]>): string {
  const lines = [`CONNECT ${authority} HTTP/1.1`, `Host: ${authority}`];
  if (proxyUrl.username !== '' || proxyUrl.password !== '') {
    // The URL keeps user and password percent-encoded; Basic auth wants them as typed.
    const credentials = `${decodeUrlPart(proxyUrl.username)}:${decodeUrlPart(proxyUrl.password)}`;
    lines.push(`Proxy-Authorization: Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`);
  }
  for (const [name, value] of headers) {
    if (!isToken(name) || !isHeaderValue(value)) throw new TypeError(`Invalid proxy request header: ${JSON.stringify(name)}`);
    lines.push(`${name}: ${value}`);
  }
  return `${lines.join('\r\n')}\r\n\r\n`;
}

function decodeUrlPart(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new TypeError('Proxy URL credentials are not valid percent-encoding');
  }
}

/** The status code of an `HTTP/1.x NNN` status line, or 0 when it is not one. */
function parseStatus(version: string, codeText: string): number {
  if (!version.startsWith('HTTP/1.') || codeText.length !== 3) return 0;
  let status = 0;
  for (let i = 0; i < 3; i++) {
    const digit = codeText.charCodeAt(i) - 0x30;
    if (digit < 0 || digit > 9) return 0;
    status = status * 10 + digit;
  }
  return status >= 100 ? status : 0;
}

/** A host name or address: no spaces, controls, slashes or other characters that could split the request. */
function isHostText(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f || c === 0x2f /* / */ || c === 0x40 /* @ */ || c === 0x5b /* [ */ || c === 0x5d /* ] */) return false;
  }
  return true;
}

/** Visible characters, spaces and tabs: nothing that could end the header line. */
function isHeaderValue(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Choosing the proxy from the environment
// ---------------------------------------------------------------------------------------------

/**
 * The proxy for a ws/wss URL, following curl's conventions, or null for a direct connection.
 *
 * - `wss` (and `https`) use `https_proxy` / `HTTPS_PROXY`; `ws` (and `http`) use `http_proxy` /
 *   `HTTP_PROXY`; either falls back to `all_proxy` / `ALL_PROXY`.
 * - When both spellings are set, the lower-case one wins (as in curl). Empty values count as unset.
 * - A value without a scheme (`proxy:3128`) is taken as `http://proxy:3128`.
 * - `no_proxy` / `NO_PROXY` (lower case again wins) lists, separated by commas or spaces: `*`
 *   (never use a proxy); host names, which also match their subdomains (`example.com` and
 *   `.example.com` both match `a.example.com`); `host:port` (that port only); IP addresses and
 *   IPv4/IPv6 CIDR blocks (`10.0.0.0/8`), which match literal addresses only (no DNS look-ups).
 */
export function proxyForUrl(url: URL | string, env: NodeJS.ProcessEnv = process.env): URL | null {
  const target = typeof url === 'string' ? new URL(url) : url;
  const secure = target.protocol === 'wss:' || target.protocol === 'https:';
  if (!secure && target.protocol !== 'ws:' && target.protocol !== 'http:') throw new TypeError(`Not a ws:// or wss:// URL: ${target.href}`);

  const chosen = secure ? envValue(env, 'https_proxy') : envValue(env, 'http_proxy');
  const proxy = chosen ?? envValue(env, 'all_proxy');
  if (proxy === undefined) return null;

  const host = target.hostname.startsWith('[') ? target.hostname.slice(1, -1) : target.hostname;
  const port = target.port === '' ? (secure ? 443 : 80) : Number(target.port);
  const noProxy = envValue(env, 'no_proxy');
  if (noProxy !== undefined && bypassesProxy(noProxy.value, host, port)) return null;

  const text = proxy.value.includes('://') ? proxy.value : `http://${proxy.value}`;
  try {
    return new URL(text);
  } catch {
    throw new TypeError(`${proxy.name} is not a valid proxy URL`);
  }
}

/** The lower-case variable if set and non-empty, else the upper-case one. */
function envValue(env: NodeJS.ProcessEnv, lowerName: string): { name: string; value: string } | undefined {
  for (const name of [lowerName, lowerName.toUpperCase()]) {
    const value = env[name]?.trim();
    if (value !== undefined && value !== '') return { name, value };
  }
  return undefined;
}

/** Whether `host:port` matches an entry of a NO_PROXY list. */
export function bypassesProxy(noProxy: string, host: string, port: number): boolean {
  const hostName = stripTrailingDot(host.toLowerCase());
  const hostIpVersion = isIP(hostName);
  for (const raw of splitList(noProxy)) {
    if (raw === '*') return true;
    const entry = parseNoProxyEntry(raw.toLowerCase());
    if (entry === null) continue;
    if (entry.port !== undefined && entry.port !== port) continue;
    if (entry.kind === 'address') {
      if (hostIpVersion !== 0 && entry.addresses.check(hostName, hostIpVersion === 6 ? 'ipv6' : 'ipv4')) return true;
    } else if (hostIpVersion === 0 && (hostName === entry.domain || hostName.endsWith(`.${entry.domain}`))) {
      return true;
    }
  }
  return false;
}

type NoProxyEntry = { kind: 'address'; addresses: BlockList; port?: number } | { kind: 'domain'; domain: string; port?: number };

/**
 * One NO_PROXY entry: `[v6addr]:port`, `v6addr`, `addr/prefix`, `host:port` or `host`; with
 * `.` or `*.` before a domain ignored. Null for what cannot be understood.
 */
function parseNoProxyEntry(entry: string): NoProxyEntry | null {
  let host = entry;
  let port: number | undefined;
  if (host.startsWith('[')) {
    const close = host.indexOf(']');
    if (close === -1) return null;
    const after = host.slice(close + 1);
    host = host.slice(1, close);
    if (after !== '') {
      if (!after.startsWith(':')) return null;
      port = parsePort(after.slice(1));
      if (port === undefined) return null;
    }
  } else if (host.indexOf(':') !== -1 && host.indexOf(':') === host.lastIndexOf(':')) {
    // One colon: host:port (more than one is an IPv6 address, with or without a /prefix).
    const colon = host.indexOf(':');
    port = parsePort(host.slice(colon + 1));
    if (port === undefined) return null;
    host = host.slice(0, colon);
  }

  const slash = host.indexOf('/');
  if (slash !== -1) {
    const address = host.slice(0, slash);
    const version = isIP(address);
    const prefix = parsePrefix(host.slice(slash + 1), version === 6 ? 128 : 32);
    if (version === 0 || prefix === undefined) return null;
    const addresses = new BlockList();
    addresses.addSubnet(address, prefix, version === 6 ? 'ipv6' : 'ipv4');
    return { kind: 'address', addresses, port };
  }
  const version = isIP(host);
  if (version !== 0) {
    const addresses = new BlockList();
    addresses.addAddress(host, version === 6 ? 'ipv6' : 'ipv4');
    return { kind: 'address', addresses, port };
  }
  let domain = host;
  if (domain.startsWith('*.')) domain = domain.slice(2);
  else if (domain.startsWith('.')) domain = domain.slice(1);
  domain = stripTrailingDot(domain);
  return domain === '' ? null : { kind: 'domain', domain, port };
}

/** Entries separated by commas and/or whitespace. */
function splitList(text: string): string[] {
  const entries: string[] = [];
  let start = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 0x2c;
    if (c === 0x2c || c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) {
      if (i > start) entries.push(text.slice(start, i));
      start = i + 1;
    }
  }
  return entries;
}

function parsePort(text: string): number | undefined {
  const n = parseDigits(text);
  return n !== undefined && n >= 1 && n <= 65535 ? n : undefined;
}

function parsePrefix(text: string, max: number): number | undefined {
  const n = parseDigits(text);
  return n !== undefined && n <= max ? n : undefined;
}

/** A short run of decimal digits as a number, else undefined. */
function parseDigits(text: string): number | undefined {
  if (text.length === 0 || text.length > 5) return undefined;
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const digit = text.charCodeAt(i) - 0x30;
    if (digit < 0 || digit > 9) return undefined;
    n = n * 10 + digit;
  }
  return n;
}

function stripTrailingDot(name: string): string {
  return name.endsWith('.') ? name.slice(0, -1) : name;
}
