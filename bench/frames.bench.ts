/**
 * Engine micro-benchmarks (with `benchmark`), each against `ws`'s own code on the same bytes:
 *
 *   parse      our `Receiver` vs ws's `Receiver` (lib/receiver.js, fed through `write()` as
 *              ws's WebSocket feeds it), one buffer of N binary frames per op, masked (as a
 *              server reads) and unmasked (as a client reads), 64 B and 64 KiB payloads
 *   serialize  `encodeFrame` vs ws's `Sender.frame` (readOnly, as `ws.send(buffer)` calls it),
 *              masked and unmasked, 64 B and 64 KiB
 *   utf-8      `Utf8Validator` (reused) and `isValidUtf8` vs `buffer.isUtf8` and ws's
 *              `isValidUTF8`, ASCII and mixed text, 64 B, 1 KiB, 64 KiB
 *   mask       `applyMask` in place vs ws's `unmask` (JS fallback: `bufferutil` is not
 *              installed), 64 B, 1 KiB, 64 KiB
 *
 *   npx tsx bench/frames.bench.ts [--quick] [--markdown]
 *
 * Ratio = ours / ws (above 1 is faster). MB/s counts payload bytes. The engine is the tsc
 * build of src/ (see bench/lib/engine.ts; `--source` for the tsx-run sources).
 */
import { isUtf8 } from 'node:buffer';
import type { ReceiverHandler } from '../src/ws/protocol/receiver.js';
import { engineSource, frameModule, receiverModule, senderModule, utf8Module } from './lib/engine.js';
import { fmtNum, fmtRatio, header, printMarkdown, printTable, runCases } from './lib/common.js';
import { WsReceiver, WsSender, wsBufferUtil, wsValidation, wsVersion } from './lib/ws-internals.js';

const { Opcode, applyMask } = frameModule;
const { Receiver } = receiverModule;
const { encodeFrame } = senderModule;
const { Utf8Validator, isValidUtf8 } = utf8Module;

const markdown = process.argv.includes('--markdown');
const KiB = 1024;
const rows: string[][] = [];

function payload(size: number): Buffer {
  const b = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) b[i] = (i * 31 + 7) & 0xff;
  return b;
}

function concatFrames(size: number, count: number, masked: boolean): Buffer {
  const frames: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const f = encodeFrame(Opcode.Binary, payload(size), { mask: masked });
    if (Array.isArray(f)) frames.push(...f);
    else frames.push(f);
  }
  return Buffer.concat(frames);
}

/** Adds one result row: ours vs ws, with a throughput column computed from `bytesPerOp`. */
function addPair(group: string, label: string, results: Map<string, { hz: number }>, ours: string, ws: string, bytesPerOp: number, unitsPerOp = 1, unit = 'ops/s'): void {
  const o = results.get(ours)!.hz;
  const w = results.get(ws)!.hz;
  rows.push([
    group,
    label,
    `${fmtNum(o * unitsPerOp)} ${unit}`,
    `${fmtNum((o * bytesPerOp) / 1e6)}`,
    `${fmtNum(w * unitsPerOp)} ${unit}`,
    `${fmtNum((w * bytesPerOp) / 1e6)}`,
    fmtRatio(o / w),
  ]);
}

// ---- parse -------------------------------------------------------------------------------

function parseCases(size: number, masked: boolean): void {
  const count = size <= 1024 ? 256 : 16;
  const bytes = concatFrames(size, count, masked);
  let received = 0;
  const handler: ReceiverHandler = {
    onMessage: () => {
      received++;
    },
    onPing: () => {},
    onPong: () => {},
    onCloseFrame: () => {
      throw new Error('unexpected close');
    },
    onProtocolError: (code, reason) => {
      throw new Error(`protocol error ${code}: ${reason}`);
    },
  };
  const ours = new Receiver(handler, { isServer: masked, maxMessageSize: 64 * 1024 * 1024, maxFragments: 4096 });
  const theirs = new WsReceiver({ isServer: masked, maxPayload: 64 * 1024 * 1024 });
  let wsReceived = 0;
  theirs.on('message', () => {
    wsReceived++;
  });
  theirs.on('error', (err) => {
    throw err;
  });
  // Each op feeds the same bytes again: payloads are unmasked in place, so a masked buffer
  // flips between masked and plain bytes; harmless for binary frames.
  const name = `${size >= KiB ? `${size / KiB} KiB` : `${size} B`} ${masked ? 'masked' : 'unmasked'}`;
  const results = runCases([
    { name: 'ours', fn: () => ours.push(bytes) },
    { name: 'ws', fn: () => void theirs.write(bytes) },
  ]);
  if (received === 0 || received % count !== 0 || wsReceived % count !== 0) throw new Error(`parse ${name}: message counts off (${received}, ${wsReceived})`);
  addPair('parse', `${name} x${count}`, results, 'ours', 'ws', size * count, count, 'frames/s');
}

// ---- serialize ---------------------------------------------------------------------------

function serializeCases(size: number, masked: boolean): void {
  const data = payload(size);
  let sink = 0;
  const name = `${size >= KiB ? `${size / KiB} KiB` : `${size} B`} ${masked ? 'masked' : 'unmasked'}`;
  const options = { fin: true, opcode: Opcode.Binary, mask: masked, readOnly: true, rsv1: false };
  const results = runCases([
    {
      name: 'ours',
      fn: () => {
        const f = encodeFrame(Opcode.Binary, data, { mask: masked });
        sink += Array.isArray(f) ? f[0].length : f.length;
      },
    },
    {
      name: 'ws',
      fn: () => {
        sink += WsSender.frame(data, options)[0]!.length;
      },
    },
  ]);
  if (sink === 0) throw new Error('serialize produced nothing');
  addPair('serialize', name, results, 'ours', 'ws', size, 1, 'frames/s');
}

// ---- UTF-8 -------------------------------------------------------------------------------

/** `size` bytes of text built from `unit`, cut at a code point boundary (padded with ASCII). */
function text(unit: string, size: number): Buffer {
  const whole = Buffer.from(unit.repeat(Math.ceil(size / Buffer.byteLength(unit)) + 1));
  let end = size;
  while (end > 0 && (whole[end]! & 0xc0) === 0x80) end--;
  const out = Buffer.alloc(size, 0x20);
  whole.copy(out, 0, 0, end);
  if (!isUtf8(out)) throw new Error('bad sample text');
  return out;
}

function utf8Cases(kind: 'ascii' | 'mixed', size: number): void {
  const sample =
    kind === 'ascii'
      ? text('{"m2m:cin":{"con":"21.5","cnf":"text/plain:0","lbl":["room/312"]}} ', size)
      : text('température 21,5 °C · 温度 · Temperatur ✓ 🌡️ ', size);
  const validator = new Utf8Validator();
  let ok = 0;
  const results = runCases([
    {
      name: 'Utf8Validator',
      fn: () => {
        validator.reset();
        if (validator.push(sample) && validator.complete) ok++;
      },
    },
    { name: 'isValidUtf8', fn: () => void (isValidUtf8(sample) && ok++) },
    { name: 'buffer.isUtf8', fn: () => void (isUtf8(sample) && ok++) },
    { name: 'ws', fn: () => void (wsValidation.isValidUTF8(sample) && ok++) },
  ]);
  if (ok === 0) throw new Error('utf-8 sample rejected');
  const label = `${kind} ${size >= KiB ? `${size / KiB} KiB` : `${size} B`}`;
  addPair('utf-8', `${label} Utf8Validator`, results, 'Utf8Validator', 'ws', size);
  addPair('utf-8', `${label} isValidUtf8`, results, 'isValidUtf8', 'ws', size);
  addPair('utf-8', `${label} buffer.isUtf8`, results, 'buffer.isUtf8', 'ws', size);
}

// ---- masking -----------------------------------------------------------------------------

function maskCases(size: number): void {
  const data = payload(size);
  const key = Buffer.from([0x37, 0xfa, 0x21, 0x3d]);
  const results = runCases([
    { name: 'ours', fn: () => applyMask(data, key, 0, 0) },
    { name: 'ws', fn: () => wsBufferUtil.unmask(data, key) },
  ]);
  addPair('mask', size >= KiB ? `${size / KiB} KiB` : `${size} B`, results, 'ours', 'ws', size);
}

// ---- run ---------------------------------------------------------------------------------

header(`frames: ours (${engineSource}) vs ws ${wsVersion}`);
const started = Date.now();
for (const size of [64, 64 * KiB]) for (const masked of [false, true]) parseCases(size, masked);
for (const size of [64, 64 * KiB]) for (const masked of [false, true]) serializeCases(size, masked);
for (const kind of ['ascii', 'mixed'] as const) for (const size of [64, KiB, 64 * KiB]) utf8Cases(kind, size);
for (const size of [64, KiB, 64 * KiB]) maskCases(size);

const head = ['bench', 'case', 'ours', 'ours MB/s', 'ws', 'ws MB/s', 'ours/ws'];
printTable(head, rows);
if (markdown) {
  console.log('');
  printMarkdown(head, rows);
}
console.log(`(${((Date.now() - started) / 1000).toFixed(1)} s)`);
