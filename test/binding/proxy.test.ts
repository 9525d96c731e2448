/** HTTP CONNECT proxies: openTunnel() against a test proxy, our client through it, proxyForUrl(). */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { connect, createServer, type WebSocket, type WebSocketServer } from '../../src/ws/index.js';
import { openTunnel, proxyForUrl, ProxyError } from '../../src/binding/proxy.js';
import { startConnectProxy, type ConnectProxy, type ConnectProxyOptions } from '../helpers/connect-proxy.js';
import { pskClientOptions, pskServerOptions } from '../../src/binding/psk.js';
import { makeTestPki } from '../helpers/tls.js';

const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  await Promise.all(cleanups.map((c) => c()));
});

async function proxyServer(options: ConnectProxyOptions = {}): Promise<ConnectProxy> {
  const proxy = await startConnectProxy(options);
  cleanups.push(() => proxy.close());
  return proxy;
}

async function echoServer(options: Parameters<typeof createServer>[0] = {}): Promise<{ server: WebSocketServer; port: number }> {
  const server = createServer(options, (ws) => ws.on('message', (d, b) => ws.send(d, { binary: b })));
  cleanups.push(() => server.close());
  const { port } = await server.listen(0);
  return { server, port };
}

function nextMessage(ws: WebSocket): Promise<string> {
  return new Promise((resolve) => ws.once('message', (data) => resolve(Buffer.from(data).toString())));
}

async function assertEchoes(ws: WebSocket): Promise<void> {
  for (const text of ['hello through the proxy', 'x'.repeat(70_000)]) {
    const reply = nextMessage(ws);
    ws.send(text);
    assert.equal(await reply, text);
  }
  ws.close();
  await once(ws, 'close');
}

function expectProxyError(status: number, message: RegExp) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof ProxyError, `expected a ProxyError, got ${String(err)}`);
    assert.equal(err.status, status);
    assert.match(err.message, message);
    return true;
  };
}

test('ws:// through the proxy, no auth: the CONNECT request is as TS-0020 6.6 shows', async () => {
  const proxy = await proxyServer();
  const { port } = await echoServer();
  const tunnel = await openTunnel(proxy.url(), '127.0.0.1', port);
  const ws = await connect(`ws://127.0.0.1:${port}/`, { socket: tunnel });
  await assertEchoes(ws);

  assert.equal(proxy.seen.length, 1);
  const seen = proxy.seen[0]!;
  assert.equal(seen.method, 'CONNECT');
  assert.equal(seen.target, `127.0.0.1:${port}`);
  assert.equal(seen.version, 'HTTP/1.1');
  assert.equal(seen.headers.get('host'), `127.0.0.1:${port}`);
  assert.equal(seen.headers.has('proxy-authorization'), false);
});

test('wss:// through the proxy with Basic auth: TLS runs end to end inside the tunnel', async () => {
  const pki = makeTestPki();
  // Credentials with characters that must be percent-encoded in the URL.
  const user = 'al@ice';
  const password = 'p:ss w%rd/é';
  const proxy = await proxyServer({ auth: { user, password } });
  const { port } = await echoServer({ tls: { cert: pki.serverCert, key: pki.serverKey } });
  const tunnel = await openTunnel(proxy.url(user, password), '127.0.0.1', port, { headers: [['User-Agent', 'onem2m-ws-test']] });
  const ws = await connect(`wss://127.0.0.1:${port}/`, { socket: tunnel, tls: { ca: pki.ca } });
  await assertEchoes(ws);

  const seen = proxy.seen[0]!;
  assert.equal(seen.headers.get('proxy-authorization'), `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`);
  assert.equal(seen.headers.get('user-agent'), 'onem2m-ws-test');
});

test('wss:// with TLS-PSK through the proxy', async () => {
  const key = Buffer.from('a key shared with the registrar');
  const proxy = await proxyServer();
  const { port } = await echoServer({ tls: pskServerOptions(new Map([['Cae-behind-proxy', key]])) });
  const tunnel = await openTunnel(proxy.url(), '127.0.0.1', port);
  const ws = await connect(`wss://127.0.0.1:${port}/`, { socket: tunnel, tls: pskClientOptions('Cae-behind-proxy', key) });
  await assertEchoes(ws);
});

test('wss:// through the proxy still verifies the server certificate', async () => {
  const pki = makeTestPki();
  const proxy = await proxyServer();
  const { port } = await echoServer({ tls: { cert: pki.serverCert, key: pki.serverKey } });
  const tunnel = await openTunnel(proxy.url(), '127.0.0.1', port);
  await assert.rejects(connect(`wss://127.0.0.1:${port}/`, { socket: tunnel }), /self-signed|unable to verify|certificate/i);
});

test('a wrong password, or none, surfaces the 407 as a ProxyError', async () => {
  const proxy = await proxyServer({ auth: { user: 'alice', password: 'secret' } });
  const { port } = await echoServer();
  await assert.rejects(openTunnel(proxy.url('alice', 'wrong'), '127.0.0.1', port), expectProxyError(407, /407 Proxy Authentication Required/));
  await assert.rejects(openTunnel(proxy.url(), '127.0.0.1', port), expectProxyError(407, /refused the tunnel to 127\.0\.0\.1:\d+: 407/));
});

test('a proxy answering 502 Bad Gateway', async () => {
  const proxy = await proxyServer({ behaviour: 'bad-gateway' });
  await assert.rejects(openTunnel(proxy.url(), '127.0.0.1', 9), expectProxyError(502, /502 Bad Gateway/));
});

test('a proxy refusing the target with 403', async () => {
  const proxy = await proxyServer();
  // The test proxy refuses anything but 127.0.0.1 without dialling it.
  await assert.rejects(openTunnel(proxy.url(), '10.0.0.1', 80), expectProxyError(403, /403 Forbidden/));
});

test('a proxy that never answers times out', async () => {
  const proxy = await proxyServer({ behaviour: 'silent' });
  const started = Date.now();
  await assert.rejects(openTunnel(proxy.url(), '127.0.0.1', 9, { timeout: 200 }), expectProxyError(0, /did not answer .* within 200 ms/));
  const elapsed = Date.now() - started;
  assert.ok(elapsed >= 190 && elapsed < 2000, `timed out after ${elapsed} ms`);
});

test('a proxy that hangs up without answering', async () => {
  const proxy = await proxyServer({ behaviour: 'hang-up' });
  await assert.rejects(openTunnel(proxy.url(), '127.0.0.1', 9), expectProxyError(0, /closed the connection before answering/));
});

test('an unreachable proxy', async () => {
  // A port that was just free: nothing listens there.
  const probe = createNetServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const port = (probe.address() as { port: number }).port;
  await new Promise((r) => probe.close(r));
  await assert.rejects(openTunnel(`http://127.0.0.1:${port}`, '127.0.0.1', 9), expectProxyError(0, /ECONNREFUSED/));
});

test('bytes sent in the same write as the 200 are not lost (socket.unshift)', async () => {
  // A target that speaks first, so the proxy can send its greeting together with the 200.
  const greeting = 'HELLO FROM THE TARGET\r\n';
  const target: NetServer = createNetServer((s: Socket) => {
    s.on('error', () => {});
    s.write(greeting);
    s.on('data', (d) => s.write(d)); // then echo
  });
  target.listen(0, '127.0.0.1');
  await once(target, 'listening');
  cleanups.push(() => new Promise((r) => target.close(() => r())));
  const targetPort = (target.address() as { port: number }).port;

  const proxy = await proxyServer({ behaviour: 'coalesce' });
  const tunnel = await openTunnel(proxy.url(), '127.0.0.1', targetPort);
  // Something asynchronous between the tunnel and its reader must not lose the bytes either.
  await new Promise((r) => setTimeout(r, 20));
  const received: Buffer[] = [];
  tunnel.on('data', (d: Buffer) => received.push(d));
  tunnel.write('ping\n');
  const deadline = Date.now() + 2000;
  while (Buffer.concat(received).toString() !== `${greeting}ping\n` && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  assert.equal(Buffer.concat(received).toString(), `${greeting}ping\n`);
  tunnel.destroy();
});

test('IPv6 targets go in brackets', async () => {
  const proxy = await proxyServer();
  // The test proxy refuses it (loopback IPv4 only), after recording the request.
  await assert.rejects(openTunnel(proxy.url(), '::1', 8080), expectProxyError(403, /\[::1\]:8080/));
  await assert.rejects(openTunnel(proxy.url(), '[::1]', 8080), expectProxyError(403, /\[::1\]:8080/));
  assert.deepEqual(
    proxy.seen.map((s) => [s.target, s.headers.get('host')]),
    [
      ['[::1]:8080', '[::1]:8080'],
      ['[::1]:8080', '[::1]:8080'],
    ],
  );
});

test('unsupported proxies and malformed targets are refused before any traffic', async () => {
  await assert.rejects(openTunnel('https://127.0.0.1:3128', '127.0.0.1', 443), expectProxyError(0, /HTTPS proxies are not supported/));
  await assert.rejects(openTunnel('socks5://127.0.0.1:1080', '127.0.0.1', 443), expectProxyError(0, /Unsupported proxy URL scheme/));
  await assert.rejects(openTunnel('http://127.0.0.1:3128', 'evil.example\r\nX-Injected: 1', 443), TypeError);
  await assert.rejects(openTunnel('http://127.0.0.1:3128', 'host', 0), TypeError);
  await assert.rejects(openTunnel('http://127.0.0.1:3128', 'host', 70000), TypeError);
  await assert.rejects(openTunnel('http://127.0.0.1:3128', 'host', 80, { headers: [['X-Bad', 'a\r\nb']] }), TypeError);
});

// ---------------------------------------------------------------------------------------------

test('proxyForUrl: the scheme picks the variable, lower case wins, ALL_PROXY is the fallback', () => {
  const cases: Array<[string, NodeJS.ProcessEnv, string | null]> = [
    ['ws://h/', {}, null],
    ['ws://h/', { HTTP_PROXY: 'http://up:1' }, 'http://up:1/'],
    ['ws://h/', { http_proxy: 'http://low:1' }, 'http://low:1/'],
    ['ws://h/', { http_proxy: 'http://low:1', HTTP_PROXY: 'http://up:1' }, 'http://low:1/'],
    ['ws://h/', { http_proxy: '', HTTP_PROXY: 'http://up:1' }, 'http://up:1/'],
    ['ws://h/', { HTTPS_PROXY: 'http://s:1' }, null],
    ['wss://h/', { HTTPS_PROXY: 'http://s:1' }, 'http://s:1/'],
    ['wss://h/', { https_proxy: 'http://low:2', HTTPS_PROXY: 'http://up:2' }, 'http://low:2/'],
    ['wss://h/', { HTTP_PROXY: 'http://p:1' }, null],
    ['wss://h/', { ALL_PROXY: 'http://all:1' }, 'http://all:1/'],
    ['ws://h/', { all_proxy: 'http://low:3', ALL_PROXY: 'http://up:3' }, 'http://low:3/'],
    ['wss://h/', { HTTPS_PROXY: 'http://s:1', ALL_PROXY: 'http://all:1' }, 'http://s:1/'],
    ['ws://h/', { HTTP_PROXY: 'proxy.local:3128' }, 'http://proxy.local:3128/'],
    ['wss://h/', { HTTPS_PROXY: 'http://u:p%40ss@proxy:8080' }, 'http://u:p%40ss@proxy:8080/'],
  ];
  for (const [url, env, expected] of cases) {
    assert.equal(proxyForUrl(url, env)?.href ?? null, expected, `${url} with ${JSON.stringify(env)}`);
  }
  assert.throws(() => proxyForUrl('ws://h/', { HTTP_PROXY: 'http://[bad' }), /HTTP_PROXY is not a valid proxy URL/);
  assert.throws(() => proxyForUrl('ftp://h/', {}), TypeError);
});

test('proxyForUrl: every NO_PROXY form', () => {
  const proxied = 'http://proxy:3128/';
  // [NO_PROXY value, target URL, proxied?]
  const cases: Array<[string, string, boolean]> = [
    // '*' alone, or as an entry
    ['*', 'wss://anything.example/', false],
    ['foo, *', 'ws://10.1.2.3/', false],
    // host names match themselves and their subdomains, never a mere suffix of a label
    ['example.com', 'wss://example.com/', false],
    ['example.com', 'wss://a.b.example.com/', false],
    ['example.com', 'wss://notexample.com/', true],
    ['example.com', 'wss://example.com.evil/', true],
    ['.example.com', 'wss://a.example.com/', false],
    ['.example.com', 'wss://example.com/', false],
    ['*.example.com', 'wss://a.example.com/', false],
    ['EXAMPLE.com', 'wss://Api.Example.COM/', false],
    ['example.com.', 'wss://a.example.com/', false],
    ['example.com', 'wss://a.example.com./', false],
    // host:port matches that port only; the default port counts
    ['example.com:8443', 'wss://example.com:8443/', false],
    ['example.com:8443', 'wss://example.com/', true],
    ['example.com:443', 'wss://example.com/', false],
    ['example.com:80', 'ws://example.com/', false],
    // IPv4 addresses and CIDR blocks
    ['10.0.0.1', 'ws://10.0.0.1/', false],
    ['10.0.0.1', 'ws://10.0.0.2/', true],
    ['10.0.0.1:9000', 'ws://10.0.0.1:9000/', false],
    ['10.0.0.1:9000', 'ws://10.0.0.1:9001/', true],
    ['10.0.0.0/8', 'ws://10.200.3.4/', false],
    ['10.0.0.0/8', 'ws://11.0.0.1/', true],
    ['192.168.1.0/24', 'ws://192.168.1.255/', false],
    ['192.168.1.0/24', 'ws://192.168.2.1/', true],
    ['0.0.0.0/0', 'ws://8.8.8.8/', false],
    ['127.0.0.1/32', 'ws://127.0.0.1/', false],
    // an IP entry never matches a host name, and a name never matches an address
    ['10.0.0.0/8', 'ws://ten.example/', true],
    ['0.1', 'ws://10.0.0.1/', true],
    // IPv6 addresses and blocks, bare or bracketed, with a port
    ['::1', 'ws://[::1]/', false],
    ['[::1]', 'ws://[::1]/', false],
    ['[::1]:8080', 'ws://[::1]:8080/', false],
    ['[::1]:8080', 'ws://[::1]:8081/', true],
    ['0:0:0:0:0:0:0:1', 'ws://[::1]/', false],
    ['fd00::/8', 'ws://[fd12:3456::1]/', false],
    ['fd00::/8', 'ws://[fe80::1]/', true],
    // lists: commas and/or whitespace, empty entries, junk ignored
    ['foo.test, bar.test  baz.test', 'ws://baz.test/', false],
    [' ,, foo.test,,', 'ws://foo.test/', false],
    ['host:notaport, 10.0.0.0/99, [::1, example.org', 'ws://example.org/', false],
    ['host:notaport, 10.0.0.0/99, [::1', 'ws://host/', true],
    ['localhost', 'ws://127.0.0.1/', true],
  ];
  for (const [noProxy, url, expectProxy] of cases) {
    const env = { HTTP_PROXY: proxied, HTTPS_PROXY: proxied, NO_PROXY: noProxy };
    assert.equal(proxyForUrl(url, env)?.href ?? null, expectProxy ? proxied : null, `NO_PROXY=${JSON.stringify(noProxy)} ${url}`);
  }
  // no_proxy wins over NO_PROXY
  assert.equal(proxyForUrl('ws://a.test/', { HTTP_PROXY: proxied, no_proxy: 'b.test', NO_PROXY: 'a.test' })?.href, proxied);
  assert.equal(proxyForUrl('ws://b.test/', { HTTP_PROXY: proxied, no_proxy: 'b.test', NO_PROXY: 'a.test' }), null);
});

test('proxyForUrl and openTunnel together, as a registree would use them', async () => {
  const proxy = await proxyServer();
  const { port } = await echoServer();
  const url = `ws://127.0.0.1:${port}/`;
  const env = { HTTP_PROXY: proxy.url(), NO_PROXY: 'localhost' };
  const chosen = proxyForUrl(url, env);
  assert.ok(chosen !== null);
  const ws = await connect(url, { socket: await openTunnel(chosen, '127.0.0.1', port) });
  await assertEchoes(ws);
  assert.equal(proxy.seen.length, 1);
  assert.equal(proxyForUrl(url, { ...env, NO_PROXY: '127.0.0.0/8' }), null);
});
