import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  HandshakeError,
  HttpHeadParser,
  acceptKeyFor,
  buildAcceptResponse,
  buildRejectResponse,
  buildUpgradeRequest,
  checkUpgradeRequest,
  checkUpgradeResponse,
  generateKey,
  isValidKey,
  splitList,
} from '../../src/ws/protocol/handshake.js';

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';

function request(lines: string[], extra = ''): Buffer {
  return Buffer.from(lines.join('\r\n') + '\r\n\r\n' + extra, 'latin1');
}
const base = [
  'GET /chat HTTP/1.1',
  'Host: server.example.com',
  'Upgrade: websocket',
  'Connection: Upgrade',
  `Sec-WebSocket-Key: ${KEY}`,
  'Sec-WebSocket-Version: 13',
];
function parse(bytes: Buffer) {
  const parser = new HttpHeadParser(true);
  const r = parser.push(bytes);
  assert.ok(r !== null, 'head complete');
  return r;
}
function check(lines: string[]) {
  return checkUpgradeRequest(parse(request(lines)).head);
}
function refused(fn: () => unknown, status: number, pattern?: RegExp) {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof HandshakeError);
    assert.equal(err.status, status, err.message);
    if (pattern) assert.match(err.message, pattern);
    return true;
  });
}

test('RFC 6455 sample key gives the sample accept value', () => {
  assert.equal(acceptKeyFor(KEY), 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  // The TS-0020 example pair (key ud63env87LQLd4uIV20/oQ==, accept FuSSKANn...) is not
  // consistent: that key gives another accept value. We follow RFC 6455.
  assert.notEqual(acceptKeyFor('ud63env87LQLd4uIV20/oQ=='), 'FuSSKANnI7C/6/FrPMt70mfBY8E=');
});

test('a valid request parses, also fed byte by byte, and keeps the bytes after the head', () => {
  const bytes = request([...base, 'Sec-WebSocket-Protocol: oneM2M.json, oneM2M.xml'], 'FRAMES');
  const parser = new HttpHeadParser(true);
  let result = null;
  for (let i = 0; i < bytes.length && result === null; i++) result = parser.push(bytes.subarray(i, i + 1));
  assert.ok(result);
  const r = checkUpgradeRequest(result.head);
  assert.equal(r.target, '/chat');
  assert.deepEqual(r.protocols, ['oneM2M.json', 'oneM2M.xml']);
  // Byte-by-byte: the rest arrives later; in one chunk it is returned.
  const whole = parse(bytes);
  assert.equal(whole.rest.toString(), 'FRAMES');
});

test('header names are case-insensitive; repeated lines are one comma list', () => {
  const r = check([
    'GET / HTTP/1.1',
    'HOST: a',
    'upgrade: WebSocket',
    'connection: keep-alive, Upgrade',
    `SEC-WEBSOCKET-KEY: ${KEY}`,
    'sec-websocket-version: 13',
    'Sec-WebSocket-Protocol: oneM2M.xml',
    'Sec-WebSocket-Protocol: oneM2M.json',
  ]);
  assert.deepEqual(r.protocols, ['oneM2M.xml', 'oneM2M.json']);
});

test('prototype-like header names are plain data', () => {
  const r = check([...base, '__proto__: x', 'constructor: y', 'hasOwnProperty: z']);
  assert.equal(r.headers.get('__proto__'), 'x');
  assert.equal(({} as Record<string, unknown>).x, undefined);
});

test('refusals: method, version, Host, Upgrade, Connection', () => {
  refused(() => check(['POST / HTTP/1.1', ...base.slice(1)]), 405, /GET/);
  refused(() => check(['GET / HTTP/1.0', ...base.slice(1)]), 505);
  refused(() => check(['GET / FOO/1.1', ...base.slice(1)]), 400);
  refused(() => check(base.filter((l) => !l.startsWith('Host'))), 400, /Host/);
  refused(() => check([...base, 'Host: other']), 400, /Host/);
  refused(() => check(base.filter((l) => !l.startsWith('Upgrade'))), 400, /Upgrade/);
  refused(() => check([...base.filter((l) => !l.startsWith('Upgrade')), 'Upgrade: h2c']), 400, /Upgrade/);
  refused(() => check(base.filter((l) => !l.startsWith('Connection'))), 400, /Connection/);
  refused(() => check([...base.filter((l) => !l.startsWith('Connection')), 'Connection: keep-alive']), 400, /Connection/);
});

test('refusals: key and version', () => {
  const withKey = (k: string) => [...base.filter((l) => !l.startsWith('Sec-WebSocket-Key')), `Sec-WebSocket-Key: ${k}`];
  refused(() => check(base.filter((l) => !l.startsWith('Sec-WebSocket-Key'))), 400, /Key/);
  refused(() => check(withKey('short')), 400, /Key/);
  refused(() => check(withKey('AAAAAAAAAAAAAAAAAAAAAAAAAAAA')), 400, /Key/); // 21 bytes
  refused(() => check(withKey('AAAAAAAAAAAAAAAAAAAAAB==')), 400, /Key/); // non-canonical last char
  refused(() => check([...base, `Sec-WebSocket-Key: ${KEY}`]), 400, /Key/); // repeated
  const withVersion = (v?: string) => [...base.filter((l) => !l.startsWith('Sec-WebSocket-Version')), ...(v ? [`Sec-WebSocket-Version: ${v}`] : [])];
  for (const v of ['8', '12', '14', undefined]) {
    try {
      check(withVersion(v));
      assert.fail('should refuse');
    } catch (err) {
      assert.ok(err instanceof HandshakeError);
      assert.equal(err.status, 426);
      assert.deepEqual(err.headers, [['Sec-WebSocket-Version', '13']]);
    }
  }
  assert.equal(isValidKey(generateKey()), true);
});

test('refusals: invalid subprotocol tokens', () => {
  refused(() => check([...base, 'Sec-WebSocket-Protocol: a b']), 400, /Protocol/);
  refused(() => check([...base, 'Sec-WebSocket-Protocol: "quoted"']), 400, /Protocol/);
});

test('limits: request line 414, header line 431, field count 431, total 431', () => {
  refused(() => new HttpHeadParser(true).push(Buffer.from(`GET /${'a'.repeat(9000)} HTTP/1.1\r\n`)), 414);
  // Detected before the line ends: no unbounded buffering.
  refused(() => new HttpHeadParser(true).push(Buffer.from(`GET /${'a'.repeat(9000)}`)), 414);
  refused(() => parse(request([...base, `X-Big: ${'b'.repeat(8200)}`])), 431, /Header line/);
  refused(() => parse(request([...base, ...Array.from({ length: 100 }, (_, i) => `X-${i}: v`)])), 431, /Too many/);
  refused(() => parse(request([...base, ...Array.from({ length: 5 }, (_, i) => `X-${i}: ${'v'.repeat(4000)}`)])), 431, /too large/);
  // Limits are configurable.
  refused(() => new HttpHeadParser(true, { maxHeaders: 2 }).push(request(base)), 431);
});

test('malformed heads: folding, bad names, control characters, bad request lines', () => {
  refused(() => parse(request([...base, ' folded'])), 400, /folding/);
  refused(() => parse(request([...base, 'Bad Name: x'])), 400, /name/);
  refused(() => parse(request([...base, 'NoColon'])), 400);
  refused(() => parse(request([...base, 'X: a\u0001b'])), 400, /Invalid characters/);
  refused(() => parse(request(['GET /', ...base.slice(1)])), 400, /request line/);
  refused(() => parse(request(['GET  / HTTP/1.1', ...base.slice(1)])), 400, /request line/);
  refused(() => new HttpHeadParser(true).push(Buffer.from('\r\n')), 400, /Empty/);
});

test('a bare LF line ending is tolerated', () => {
  const parser = new HttpHeadParser(true);
  const r = parser.push(Buffer.from(base.join('\n') + '\n\n'));
  assert.ok(r);
  assert.equal(checkUpgradeRequest(r.head).key, KEY);
});

test('splitList trims and drops empty elements', () => {
  assert.deepEqual(splitList(' a ,b,, c\t,'), ['a', 'b', 'c']);
  assert.deepEqual(splitList(undefined), []);
  assert.deepEqual(splitList(''), []);
});

test('responses: 101 with protocol and extensions, refusals with a body and Connection: close', () => {
  const ok = buildAcceptResponse(KEY, 'oneM2M.json', 'permessage-deflate', [['X-A', 'b']]);
  assert.match(ok, /^HTTP\/1\.1 101 Switching Protocols\r\n/);
  assert.match(ok, /Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK\+xOo=\r\n/);
  assert.match(ok, /Sec-WebSocket-Protocol: oneM2M.json\r\n/);
  assert.match(ok, /X-A: b\r\n\r\n$/);
  const no = buildRejectResponse(426, 'Unsupported version', [['Sec-WebSocket-Version', '13']]);
  assert.match(no, /^HTTP\/1\.1 426 Upgrade Required\r\n/);
  assert.match(no, /Connection: close\r\n/);
  assert.match(no, /Content-Length: 20\r\n/);
  assert.match(no, /\r\n\r\nUnsupported version\n$/);
});

test('client side: request and response checks', () => {
  const key = generateKey();
  const req = buildUpgradeRequest({ host: 'h:81', path: '/x?y=1', key, protocols: ['oneM2M.json', 'oneM2M.cbor'], headers: [['X-M2M-Origin', 'Cae1']] });
  const parsed = checkUpgradeRequest(parse(Buffer.from(req)).head);
  assert.equal(parsed.target, '/x?y=1');
  assert.deepEqual(parsed.protocols, ['oneM2M.json', 'oneM2M.cbor']);
  assert.equal(parsed.headers.get('x-m2m-origin'), 'Cae1');
  assert.throws(() => buildUpgradeRequest({ host: 'h', path: '/', key, headers: [['X', 'a\r\nInjected: 1']] }), TypeError);

  const respond = (text: string) => {
    const r = new HttpHeadParser(false).push(Buffer.from(text));
    assert.ok(r);
    return r.head;
  };
  const good = respond(buildAcceptResponse(key, 'oneM2M.cbor', undefined));
  assert.equal(checkUpgradeResponse(good, key, ['oneM2M.json', 'oneM2M.cbor']).protocol, 'oneM2M.cbor');
  refused(() => checkUpgradeResponse(good, key, ['oneM2M.json']), 101, /not offered/);
  refused(() => checkUpgradeResponse(good, generateKey(), ['oneM2M.cbor']), 101, /Accept/);
  refused(() => checkUpgradeResponse(respond(buildRejectResponse(403, 'no')), key, []), 403, /403/);
  refused(() => checkUpgradeResponse(respond('HTTP/1.1 101 OK\r\nConnection: Upgrade\r\n\r\n'), key, []), 101, /Upgrade/);
  refused(() => checkUpgradeResponse(respond('HTTP/1.1 101 OK\r\nUpgrade: websocket\r\n\r\n'), key, []), 101, /Connection/);
  refused(() => checkUpgradeResponse(respond('XTTP 101\r\n\r\n'), key, []), 0);
  const noProtocol = respond(buildAcceptResponse(key, undefined, undefined));
  assert.equal(checkUpgradeResponse(noProtocol, key, ['oneM2M.json']).protocol, undefined);
});
