import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProtocolState, WebSocketProtocol, type ProtocolHandler, type ProtocolError } from '../../src/ws/protocol/protocol.js';
import { Receiver } from '../../src/ws/protocol/receiver.js';
import { Opcode, applyMask, headerLength, isValidCloseCode, writeHeader, writeMaskingKey } from '../../src/ws/protocol/frame.js';
import { encodeFrame } from '../../src/ws/protocol/sender.js';
import { Recorder, rawFrame } from '../helpers/frames.js';
import { prng } from '../helpers/prng.js';

/** A protocol core with its output parsed back by a receiver of the other role. */
function endpoint(isServer: boolean, maxMessageSize = 1 << 20) {
  const out: Buffer[] = [];
  const closes: Array<{ code: number; reason: string; error?: ProtocolError }> = [];
  const messages: Array<{ data: string; binary: boolean }> = [];
  const handler: ProtocolHandler = {
    onMessage: (d, b) => messages.push({ data: d.toString(), binary: b }),
    onOutput: (d) => out.push(Buffer.from(d)),
    onClose: (code, reason, error) => closes.push({ code, reason, error }),
  };
  const core = new WebSocketProtocol(handler, { isServer, maxMessageSize, maxFragments: 100 });
  /** What the peer sees of our output. */
  const peer = () => {
    const rec = new Recorder();
    new Receiver(rec, { isServer: !isServer, maxMessageSize: 1 << 20, maxFragments: 100 }).push(Buffer.concat(out));
    return rec;
  };
  return { core, out, closes, messages, peer };
}
const fromClient = (f: Parameters<typeof rawFrame>[0]) => rawFrame({ masked: true, ...f });

test('frame headers: 7, 16 and 64-bit lengths, mask bit', () => {
  for (const [len, size] of [[0, 2], [125, 2], [126, 4], [65535, 4], [65536, 10], [2 ** 32 + 5, 10]] as const) {
    assert.equal(headerLength(len, false), size);
    assert.equal(headerLength(len, true), size + 4);
    const b = Buffer.alloc(14);
    assert.equal(writeHeader(b, 0, 0x82, len, true), size);
    assert.equal(b[1]! & 0x80, 0x80);
    if (size === 10) assert.equal(b.readBigUInt64BE(2), BigInt(len));
    if (size === 4) assert.equal(b.readUInt16BE(2), len);
  }
});

test('applyMask: word path equals byte path at every alignment and phase', () => {
  const rand = prng(7);
  const key = Buffer.from([0x11, 0x22, 0x33, 0x44]);
  for (let len = 0; len < 100; len += 7) {
    for (let align = 0; align < 4; align++) {
      for (let phase = 0; phase < 4; phase++) {
        const backing = Buffer.alloc(len + 8);
        for (let i = 0; i < backing.length; i++) backing[i] = Math.floor(rand() * 256);
        const data = backing.subarray(align, align + len);
        const expected = Buffer.from(data).map((b, i) => b ^ key[(i + phase) & 3]!);
        applyMask(data, key, 0, phase);
        assert.deepEqual(Buffer.from(data), Buffer.from(expected), `len ${len} align ${align} phase ${phase}`);
      }
    }
  }
});

test('masking keys differ and are not all zero', () => {
  const seen = new Set<string>();
  const b = Buffer.alloc(4);
  for (let i = 0; i < 5000; i++) {
    writeMaskingKey(b, 0);
    seen.add(b.toString('hex'));
  }
  assert.ok(seen.size > 4990);
});

test('close code validity table', () => {
  const valid = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 4999];
  const invalid = [0, 999, 1004, 1005, 1006, 1015, 2999, 5000];
  for (const c of valid) assert.equal(isValidCloseCode(c), true, String(c));
  for (const c of invalid) assert.equal(isValidCloseCode(c), false, String(c));
});

test('encodeFrame: strings and buffers, masked and not, large payload kept without copy', () => {
  for (const mask of [false, true]) {
    for (const size of [0, 5, 125, 126, 9000, 70_000]) {
      const payload = Buffer.alloc(size, 0x61);
      const frame = encodeFrame(Opcode.Text, size % 2 ? payload.toString() : payload, { mask });
      const rec = new Recorder();
      new Receiver(rec, { isServer: mask, maxMessageSize: 1 << 20, maxFragments: 10 }).push(Array.isArray(frame) ? Buffer.concat(frame) : frame);
      assert.equal(rec.messages()[0], payload.toString(), `mask ${mask} size ${size}`);
    }
  }
  const big = Buffer.alloc(20_000);
  const parts = encodeFrame(Opcode.Binary, big, { mask: false });
  assert.ok(Array.isArray(parts));
  assert.equal(parts[1], big, 'the payload buffer itself, not a copy');
  // Masking never changes the caller's payload.
  const original = Buffer.alloc(20_000, 9);
  encodeFrame(Opcode.Binary, original, { mask: true });
  assert.ok(original.every((b) => b === 9));
});

test('send: text, binary, fragmented; peer sees the same messages', () => {
  for (const isServer of [true, false]) {
    const e = endpoint(isServer);
    e.core.send('hello');
    e.core.send(Buffer.from([1, 2, 3]), { binary: true });
    e.core.send('a longer message split into frames', { fragmentSize: 5 });
    e.core.send('', { fragmentSize: 5 });
    const rec = e.peer();
    assert.deepEqual(rec.messages(), ['hello', '\u0001\u0002\u0003', 'a longer message split into frames', '']);
    assert.deepEqual(rec.events.map((x) => x.type === 'message' && x.binary), [false, true, false, false]);
  }
});

test('pings are answered at once with the same payload, also mid-message', () => {
  const e = endpoint(true);
  e.core.receive(fromClient({ opcode: Opcode.Text, fin: false, payload: 'part' }));
  e.core.receive(fromClient({ opcode: Opcode.Ping, payload: 'are you there' }));
  const rec = e.peer();
  assert.deepEqual(rec.events, [{ type: 'pong', data: Buffer.from('are you there') }]);
  e.core.receive(fromClient({ opcode: Opcode.Continuation, payload: '!' }));
  assert.deepEqual(e.messages, [{ data: 'part!', binary: false }]);
});

test('unsolicited pongs are ignored (no output)', () => {
  const e = endpoint(true);
  e.core.receive(fromClient({ opcode: Opcode.Pong, payload: 'x' }));
  assert.equal(e.out.length, 0);
  assert.equal(e.core.state, ProtocolState.Open);
});

test('while output is blocked only the latest pong is held, and sent on unblock', () => {
  const e = endpoint(true);
  e.core.setOutputBlocked(true);
  for (let i = 0; i < 1000; i++) e.core.receive(fromClient({ opcode: Opcode.Ping, payload: `p${i}` }));
  assert.equal(e.out.length, 0);
  e.core.setOutputBlocked(false);
  assert.deepEqual(e.peer().events, [{ type: 'pong', data: Buffer.from('p999') }]);
});

test('peer-initiated close: the code is echoed, then nothing more is delivered or sent', () => {
  const e = endpoint(true);
  e.core.receive(fromClient({ opcode: Opcode.Close, payload: Buffer.from([0x0b, 0xb8, 0x68, 0x69]) })); // 3000 "hi"
  assert.deepEqual(e.closes, [{ code: 3000, reason: 'hi', error: undefined }]);
  assert.deepEqual(e.peer().events, [{ type: 'close', code: 3000, reason: '' }]);
  assert.equal(e.core.state, ProtocolState.Closed);
  e.core.receive(fromClient({ opcode: Opcode.Text, payload: 'late' }));
  assert.equal(e.messages.length, 0);
  assert.equal(e.core.send('x'), false);
  assert.equal(e.core.ping(), false);
});

test('a close without a code is answered without a code', () => {
  const e = endpoint(true);
  e.core.receive(fromClient({ opcode: Opcode.Close }));
  assert.deepEqual(e.closes, [{ code: 1005, reason: '', error: undefined }]);
  assert.deepEqual(Buffer.concat(e.out), Buffer.from([0x88, 0x00]));
});

test('locally initiated close: data is dropped until the peer answers', () => {
  const e = endpoint(false);
  e.core.close(1000, 'done');
  assert.equal(e.core.state, ProtocolState.Closing);
  assert.deepEqual(e.peer().events, [{ type: 'close', code: 1000, reason: 'done' }]);
  assert.equal(e.core.send('no'), false);
  e.core.receive(rawFrame({ opcode: Opcode.Text, payload: 'in flight' }));
  assert.equal(e.messages.length, 0);
  e.core.receive(rawFrame({ opcode: Opcode.Close, payload: Buffer.from([0x03, 0xe8]) }));
  assert.deepEqual(e.closes, [{ code: 1000, reason: '', error: undefined }]);
  assert.equal(e.core.state, ProtocolState.Closed);
  // Only one close frame was sent.
  assert.equal(e.peer().events.length, 1);
});

test('close() validates its arguments', () => {
  const e = endpoint(true);
  assert.throws(() => e.core.close(1006), RangeError);
  assert.throws(() => e.core.close(1000, 'x'.repeat(124)), RangeError);
  assert.throws(() => e.core.ping(Buffer.alloc(126)), RangeError);
  e.core.close(); // no code
  assert.deepEqual(Buffer.concat(e.out), Buffer.from([0x88, 0x00]));
});

test('protocol errors send the close code and report the error', () => {
  const e = endpoint(true);
  e.core.receive(fromClient({ opcode: 0xb }));
  assert.equal(e.closes.length, 1);
  assert.equal(e.closes[0]!.code, 1002);
  assert.equal(e.closes[0]!.error?.code, 1002);
  assert.deepEqual(e.peer().events, [{ type: 'close', code: 1002, reason: 'Reserved opcode 0xb' }]);
});

test('a long failure reason is cut to fit a control frame, on a character boundary', () => {
  const e = endpoint(true);
  e.core.fail(1008, 'é'.repeat(100));
  const ev = e.peer().events[0] as { code: number; reason: string };
  assert.equal(ev.code, 1008);
  assert.equal(ev.reason, 'é'.repeat(61));
});

test('the transport ending without a close frame is 1006', () => {
  const e = endpoint(true);
  e.core.transportClosed();
  assert.equal(e.closes[0]!.code, 1006);
  assert.ok(e.closes[0]!.error);
  e.core.transportClosed();
  assert.equal(e.closes.length, 1, 'reported once');
});

test('compressor hooks: compressed messages carry RSV1 on the first frame only', () => {
  const out: Buffer[] = [];
  const compressor = {
    shouldCompress: (n: number) => n >= 4,
    compress: (d: Buffer) => Buffer.from(d).reverse(),
    decompress: (parts: readonly Buffer[]) => ({ ok: true as const, data: Buffer.concat(parts).reverse() }),
    close() {},
  };
  const core = new WebSocketProtocol(
    { onMessage() {}, onOutput: (d) => out.push(Buffer.from(d)), onClose() {} },
    { isServer: true, maxMessageSize: 1000, maxFragments: 10, compressor },
  );
  core.send('abcdef', { fragmentSize: 3 });
  core.send('ab');
  const wire = Buffer.concat(out);
  assert.equal(wire[0], 0x41 | 0x00, 'first frame: RSV1 + text, not FIN'); // 0x40 | 0x01
  assert.equal(wire[5], 0x80, 'continuation with FIN, no RSV1');
  assert.equal(wire[10], 0x81, 'small message uncompressed');
  const rec = new Recorder();
  new Receiver(rec, { isServer: false, maxMessageSize: 1000, maxFragments: 10, inflater: compressor }).push(wire);
  assert.deepEqual(rec.messages(), ['abcdef', 'ab']);
});
