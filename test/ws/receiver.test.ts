import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Receiver, type MessageInflater } from '../../src/ws/protocol/receiver.js';
import { Opcode } from '../../src/ws/protocol/frame.js';
import { Recorder, rawFrame, split } from '../helpers/frames.js';

function server(options: Partial<{ maxMessageSize: number; maxFragments: number; inflater: MessageInflater }> = {}) {
  const rec = new Recorder();
  const receiver = new Receiver(rec, { isServer: true, maxMessageSize: 1 << 20, maxFragments: 100, ...options });
  return { rec, receiver };
}
function client() {
  const rec = new Recorder();
  const receiver = new Receiver(rec, { isServer: false, maxMessageSize: 1 << 20, maxFragments: 100 });
  return { rec, receiver };
}
const m = (f: Parameters<typeof rawFrame>[0]) => rawFrame({ masked: true, ...f });

function expectError(bytes: Buffer | Buffer[], code: number, pattern?: RegExp, opts = {}) {
  const { rec, receiver } = server(opts);
  for (const b of Array.isArray(bytes) ? bytes : [bytes]) receiver.push(b);
  const last = rec.last;
  assert.equal(last?.type, 'error', `expected an error, got ${JSON.stringify(rec.events)}`);
  assert.equal((last as { code: number }).code, code);
  if (pattern) assert.match((last as { reason: string }).reason, pattern);
  assert.equal(receiver.done, true);
  return rec;
}

test('text and binary messages with 7, 16 and 64-bit lengths, masked', () => {
  for (const size of [0, 1, 125, 126, 127, 65535, 65536, 200_000]) {
    const { rec, receiver } = server();
    const payload = Buffer.alloc(size, 0x61);
    receiver.push(m({ opcode: Opcode.Text, payload }));
    receiver.push(m({ opcode: Opcode.Binary, payload }));
    assert.equal(rec.events.length, 2, `size ${size}`);
    assert.deepEqual(rec.events[0], { type: 'message', data: payload, binary: false });
    assert.deepEqual(rec.events[1], { type: 'message', data: payload, binary: true });
  }
});

test('non-minimal length encodings are accepted (16-bit for 5 bytes, 64-bit for 5 bytes)', () => {
  const { rec, receiver } = server();
  receiver.push(m({ opcode: Opcode.Text, payload: 'hello', lengthBits: 16 }));
  receiver.push(m({ opcode: Opcode.Text, payload: 'hello', lengthBits: 64 }));
  assert.deepEqual(rec.messages(), ['hello', 'hello']);
});

test('frames split at every byte boundary still parse', () => {
  const wire = Buffer.concat([
    m({ opcode: Opcode.Text, payload: 'héllo wörld 😀', fin: false }),
    m({ opcode: Opcode.Ping, payload: 'p' }),
    m({ opcode: Opcode.Continuation, payload: ' and more' }),
    m({ opcode: Opcode.Binary, payload: Buffer.alloc(300, 7) }),
    m({ opcode: Opcode.Close, payload: Buffer.from([0x03, 0xe8, 0x62, 0x79, 0x65]) }),
  ]);
  for (const size of [1, 2, 3, 5, 7, 13, 64]) {
    const { rec, receiver } = server();
    for (const piece of split(wire, size)) receiver.push(piece);
    assert.deepEqual(
      rec.events.map((e) => e.type),
      ['ping', 'message', 'message', 'close'],
      `piece size ${size}`,
    );
    assert.equal(rec.messages()[0], 'héllo wörld 😀 and more');
    assert.deepEqual(rec.last, { type: 'close', code: 1000, reason: 'bye' });
  }
});

test('a single-frame message in one chunk is handed out without a copy', () => {
  const wire = m({ opcode: Opcode.Binary, payload: Buffer.alloc(5000, 3) });
  let seen: Buffer | null = null;
  const receiver = new Receiver(
    { ...new Recorder(), onMessage: (d: Buffer) => (seen = d), onPing() {}, onPong() {}, onCloseFrame() {}, onProtocolError() {} },
    { isServer: true, maxMessageSize: 1 << 20, maxFragments: 10 },
  );
  receiver.push(wire);
  assert.ok(seen !== null);
  assert.equal((seen as Buffer).buffer, wire.buffer, 'same ArrayBuffer: a view, unmasked in place');
  assert.equal((seen as Buffer).byteOffset, wire.byteOffset + 4 + 4, "payload starts after the 4-byte header and the key");
});

test('fragmented messages with control frames in between', () => {
  const { rec, receiver } = server();
  receiver.push(m({ opcode: Opcode.Text, payload: 'a', fin: false }));
  receiver.push(m({ opcode: Opcode.Ping, payload: 'x' }));
  receiver.push(m({ opcode: Opcode.Continuation, payload: 'b', fin: false }));
  receiver.push(m({ opcode: Opcode.Pong, payload: 'y' }));
  receiver.push(m({ opcode: Opcode.Continuation, payload: '', fin: false }));
  receiver.push(m({ opcode: Opcode.Continuation, payload: 'c' }));
  assert.deepEqual(
    rec.events.map((e) => e.type),
    ['ping', 'pong', 'message'],
  );
  assert.deepEqual(rec.messages(), ['abc']);
});

test('1002: reserved opcodes', () => {
  for (const opcode of [3, 4, 5, 6, 7, 0xb, 0xc, 0xd, 0xe, 0xf]) expectError(m({ opcode }), 1002, /Reserved opcode/);
});

test('1002: RSV bits without a negotiated extension', () => {
  for (const rsv of [1, 2, 4, 7]) expectError(m({ opcode: Opcode.Text, rsv, payload: 'x' }), 1002, /Reserved bits/);
});

test('1002: RSV1 with deflate only on a first data frame', () => {
  const inflater: MessageInflater = { decompress: (parts) => ({ ok: true, data: Buffer.concat(parts) }) };
  // On a control frame.
  expectError(m({ opcode: Opcode.Ping, rsv: 4 }), 1002, /Reserved bits/, { inflater });
  // On a continuation frame.
  expectError([m({ opcode: Opcode.Text, rsv: 4, fin: false, payload: 'a' }), m({ opcode: 0, rsv: 4, payload: 'b' })], 1002, /Reserved bits/, { inflater });
  // RSV2 is never allowed.
  expectError(m({ opcode: Opcode.Text, rsv: 2, payload: 'a' }), 1002, /Reserved bits/, { inflater });
  // RSV1 on a first frame goes to the inflater.
  const { rec, receiver } = server({ inflater });
  receiver.push(m({ opcode: Opcode.Text, rsv: 4, fin: false, payload: 'ab' }));
  receiver.push(m({ opcode: 0, payload: 'c' }));
  assert.deepEqual(rec.messages(), ['abc']);
});

test('inflater failures fail the connection with their code; inflated text is UTF-8 checked', () => {
  const bad: MessageInflater = { decompress: () => ({ ok: false, code: 1009, reason: 'too big' }) };
  expectError(m({ opcode: Opcode.Binary, rsv: 4, payload: 'x' }), 1009, /too big/, { inflater: bad });
  const garbage: MessageInflater = { decompress: () => ({ ok: true, data: Buffer.from([0xff]) }) };
  expectError(m({ opcode: Opcode.Text, rsv: 4, payload: 'x' }), 1007, /UTF-8/, { inflater: garbage });
});

test('1002: control frames over 125 bytes or fragmented', () => {
  expectError(m({ opcode: Opcode.Ping, payload: Buffer.alloc(126) }), 1002, /over 125/);
  expectError(m({ opcode: Opcode.Close, payload: Buffer.alloc(126) }), 1002, /over 125/);
  expectError(m({ opcode: Opcode.Pong, fin: false }), 1002, /Fragmented control/);
});

test('1002: continuation without a message, new data frame inside a message', () => {
  expectError(m({ opcode: Opcode.Continuation, payload: 'x' }), 1002, /Continuation/);
  expectError([m({ opcode: Opcode.Text, fin: false, payload: 'a' }), m({ opcode: Opcode.Binary, payload: 'b' })], 1002, /inside a fragmented/);
  expectError([m({ opcode: Opcode.Binary, fin: false, payload: 'a' }), m({ opcode: Opcode.Text, fin: false, payload: 'b' })], 1002, /inside a fragmented/);
});

test('1002: masking rules per role', () => {
  expectError(rawFrame({ opcode: Opcode.Text, payload: 'x' }), 1002, /Unmasked frame from a client/);
  const { rec, receiver } = client();
  receiver.push(rawFrame({ opcode: Opcode.Text, payload: 'x', masked: true }));
  assert.deepEqual(rec.last, { type: 'error', code: 1002, reason: 'Masked frame from a server' });
  const ok = client();
  ok.receiver.push(rawFrame({ opcode: Opcode.Text, payload: 'fine' }));
  assert.deepEqual(ok.rec.messages(), ['fine']);
});

test('1002: a 64-bit length with the top bit set', () => {
  expectError(m({ opcode: Opcode.Binary, lengthBits: 64, high: 0x80000000 }), 1002, /64-bit/);
});

test('1009: message size decided from the header, before the payload arrives', () => {
  const { rec, receiver } = server({ maxMessageSize: 1000 });
  const wire = m({ opcode: Opcode.Binary, payload: Buffer.alloc(1001) });
  receiver.push(wire.subarray(0, 8)); // header and key only
  assert.deepEqual(rec.last, { type: 'error', code: 1009, reason: 'Message over 1000 bytes' });
  // Huge declared lengths too (2^53 and more).
  expectError(m({ opcode: Opcode.Binary, lengthBits: 64, high: 0x7fffffff }).subarray(0, 14), 1009);
  // The sum over fragments counts.
  expectError(
    [m({ opcode: Opcode.Text, fin: false, payload: Buffer.alloc(600, 0x61) }), m({ opcode: 0, payload: Buffer.alloc(600, 0x61) }).subarray(0, 8)],
    1009,
    undefined,
    { maxMessageSize: 1000 },
  );
  // Exactly at the limit is fine.
  const ok = server({ maxMessageSize: 1000 });
  ok.receiver.push(m({ opcode: Opcode.Binary, payload: Buffer.alloc(1000) }));
  assert.equal(ok.rec.last?.type, 'message');
});

test('1008: too many fragments', () => {
  const frames = [m({ opcode: Opcode.Text, fin: false, payload: 'a' })];
  for (let i = 0; i < 5; i++) frames.push(m({ opcode: 0, fin: false, payload: 'a' }));
  expectError(frames, 1008, /more than 5 fragments/, { maxFragments: 5 });
  // Exactly maxFragments is fine.
  const { rec, receiver } = server({ maxFragments: 3 });
  receiver.push(m({ opcode: Opcode.Text, fin: false, payload: 'a' }));
  receiver.push(m({ opcode: 0, fin: false, payload: 'b' }));
  receiver.push(m({ opcode: 0, payload: 'c' }));
  assert.deepEqual(rec.messages(), ['abc']);
});

test('1007: invalid UTF-8 fails as soon as the bad byte arrives, mid-frame', () => {
  const payload = Buffer.concat([Buffer.from('valid start '), Buffer.from([0xed, 0xa0, 0x80]), Buffer.alloc(10_000, 0x61)]);
  const wire = m({ opcode: Opcode.Text, payload });
  const { rec, receiver } = server();
  // Header (4 bytes: 16-bit length) + key + the first 15 payload bytes: the surrogate is in.
  receiver.push(wire.subarray(0, 8 + 15));
  assert.deepEqual(rec.last, { type: 'error', code: 1007, reason: 'Invalid UTF-8 in a text message' });
});

test('1007: invalid UTF-8 across fragments, and a message ending mid-sequence', () => {
  expectError([m({ opcode: Opcode.Text, fin: false, payload: Buffer.from([0xf0, 0x9f]) }), m({ opcode: 0, payload: Buffer.from([0x41]) })], 1007);
  expectError(m({ opcode: Opcode.Text, payload: Buffer.from([0x41, 0xe2, 0x82]) }), 1007, /ends inside/);
  // Split code point across fragments is fine.
  const { rec, receiver } = server();
  const euro = Buffer.from('€');
  receiver.push(m({ opcode: Opcode.Text, fin: false, payload: euro.subarray(0, 1) }));
  receiver.push(m({ opcode: 0, fin: false, payload: euro.subarray(1, 2) }));
  receiver.push(m({ opcode: 0, payload: euro.subarray(2) }));
  assert.deepEqual(rec.messages(), ['€']);
  // Binary messages are not checked.
  const bin = server();
  bin.receiver.push(m({ opcode: Opcode.Binary, payload: Buffer.from([0xff, 0xfe]) }));
  assert.equal(bin.rec.last?.type, 'message');
});

test('close frames: codes, 1-byte payload, reason UTF-8', () => {
  const close = (payload: Buffer) => m({ opcode: Opcode.Close, payload });
  const code = (c: number, reason = '') => Buffer.concat([Buffer.from([c >> 8, c & 0xff]), Buffer.from(reason)]);
  expectError(close(Buffer.from([0x03])), 1002, /1-byte/);
  for (const c of [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535]) expectError(close(code(c)), 1002, /Invalid close code/);
  expectError(close(Buffer.concat([code(1000), Buffer.from([0xc0, 0x80])])), 1007, /reason/);
  for (const c of [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999]) {
    const { rec, receiver } = server();
    receiver.push(close(code(c, 'why')));
    assert.deepEqual(rec.last, { type: 'close', code: c, reason: 'why' });
  }
  const empty = server();
  empty.receiver.push(close(Buffer.alloc(0)));
  assert.deepEqual(empty.rec.last, { type: 'close', code: 1005, reason: '' });
});

test('nothing is delivered after a close frame or an error', () => {
  const { rec, receiver } = server();
  receiver.push(Buffer.concat([m({ opcode: Opcode.Close, payload: Buffer.from([3, 0xe8]) }), m({ opcode: Opcode.Text, payload: 'late' })]));
  receiver.push(m({ opcode: Opcode.Text, payload: 'later' }));
  assert.deepEqual(rec.events.map((e) => e.type), ['close']);
  const bad = server();
  bad.receiver.push(Buffer.concat([m({ opcode: 3 }), m({ opcode: Opcode.Text, payload: 'late' })]));
  assert.deepEqual(bad.rec.events.map((e) => e.type), ['error']);
});

test('after we send close, data messages are read but not delivered; control frames still are', () => {
  const { rec, receiver } = server();
  receiver.discardDataMessages();
  receiver.push(m({ opcode: Opcode.Text, payload: 'ignored' }));
  receiver.push(m({ opcode: Opcode.Pong, payload: 'p' }));
  assert.deepEqual(rec.events.map((e) => e.type), ['pong']);
});

test('many tiny fragments are copied aside and joined once', () => {
  const { rec, receiver } = server({ maxFragments: 10_000 });
  const frames = [m({ opcode: Opcode.Binary, fin: false, payload: Buffer.from([0]) })];
  for (let i = 1; i < 5000; i++) frames.push(m({ opcode: 0, fin: i === 4999 ? true : false, payload: Buffer.from([i & 0xff]) }));
  receiver.push(Buffer.concat(frames));
  const msg = rec.last as { data: Buffer };
  assert.equal(msg.data.length, 5000);
  for (let i = 0; i < 5000; i++) assert.equal(msg.data[i], i & 0xff);
});

test('mixed large and small pieces keep their order', () => {
  const { rec, receiver } = server();
  const a = Buffer.alloc(3000, 1);
  const b = Buffer.from([2, 2]);
  const c = Buffer.alloc(2000, 3);
  receiver.push(m({ opcode: Opcode.Binary, fin: false, payload: b }));
  receiver.push(m({ opcode: 0, fin: false, payload: a }));
  receiver.push(m({ opcode: 0, fin: false, payload: b }));
  receiver.push(m({ opcode: 0, payload: c }));
  assert.deepEqual((rec.last as { data: Buffer }).data, Buffer.concat([b, a, b, c]));
});

test('a callback that stops the receiver ends processing of the same chunk', () => {
  const rec = new Recorder();
  let receiver: Receiver;
  const handler = { ...rec, onMessage: (d: Buffer, bin: boolean) => { rec.onMessage(d, bin); receiver.stop(); }, onPing: () => rec.onPing(Buffer.alloc(0)), onPong() {}, onCloseFrame() {}, onProtocolError() {} };
  receiver = new Receiver(handler, { isServer: true, maxMessageSize: 100, maxFragments: 10 });
  receiver.push(Buffer.concat([m({ opcode: Opcode.Text, payload: 'one' }), m({ opcode: Opcode.Text, payload: 'two' }), m({ opcode: Opcode.Ping })]));
  assert.deepEqual(rec.messages(), ['one']);
  assert.equal(rec.events.length, 1);
});
