/**
 * Primitive codec micro-benchmarks (issue 4).
 *
 *   npx tsx bench/primitives.bench.ts           full run (about a minute)
 *   npx tsx bench/primitives.bench.ts --quick   short run
 *
 * Three primitives (create-cin request, retrieve-cnt response with child references, m2m:sgn
 * notification). Decode and encode per format, each against the bare library on the same data:
 *   JSON decode  vs JSON.parse(payload.toString('utf8'))   (the same bytes; ours adds strict
 *                UTF-8 checking, the bounded walk and validation)
 *   JSON encode  vs JSON.stringify
 *   CBOR decode  vs cbor-x decode (same decoder options) of the same bytes
 *   CBOR encode  vs cbor-x encode
 *   XML          ours only (no bare baseline: saxes gives events, not a model)
 * Ratio = time per op of ours / time per op of the baseline (lower is better). Each pair runs
 * alternately ROUNDS times and the best ops/s of each side is kept, to damp a shared machine.
 * Targets: JSON decode ratio <= 1.3; CBOR decode (ours) faster than JSON decode (ours).
 */
import { Buffer } from 'node:buffer';
import Benchmark from 'benchmark';
import { Decoder, Encoder } from 'cbor-x';
import { decodePrimitive, encodePrimitive, type Primitive, type Serialization } from '../src/primitives/index.js';
import { createContentInstance, notification, retrieveContainerResponse } from '../test/primitives/samples.js';

const quick = process.argv.includes('--quick');
const benchOptions: Benchmark.Options = quick ? { maxTime: 0.15, minSamples: 5 } : { maxTime: 0.5, minSamples: 10 };
/** Ours and the baseline run alternately this many times; the best of each counts (the machine is shared). */
const ROUNDS = quick ? 2 : 5;

const bareCborDecoder = new Decoder({ useRecords: false, mapsAsObjects: true });
const bareCborEncoder = new Encoder({ useRecords: false, variableMapSize: true });

interface Row { sample: string; operation: string; ours: number; baseline?: number; baselineName?: string }

let sink: unknown;
const rows: Row[] = [];

function opsPerSecond(name: string, fn: () => void): number {
  const bench = new Benchmark(name, fn, benchOptions);
  bench.run();
  if (bench.error) throw bench.error;
  return bench.hz;
}

function compare(sample: string, operation: string, ours: () => void, baselineName?: string, baseline?: () => void): void {
  const row: Row = { sample, operation, ours: 0 };
  for (let round = 0; round < ROUNDS; round++) {
    row.ours = Math.max(row.ours, opsPerSecond(`${sample} ${operation}`, ours));
    if (baseline !== undefined) {
      row.baseline = Math.max(row.baseline ?? 0, opsPerSecond(`${sample} ${baselineName}`, baseline));
      row.baselineName = baselineName;
    }
  }
  rows.push(row);
  process.stderr.write('.');
}

function mustDecode(payload: Buffer, serialization: Serialization): void {
  const result = decodePrimitive(payload, serialization);
  if (!result.ok) throw new Error(`${serialization}: ${result.error.message}`);
  sink = result.primitive;
}

const samples: [string, Primitive][] = [
  ['create cin', createContentInstance],
  ['retrieve cnt rsp', retrieveContainerResponse],
  ['notify sgn', notification],
];

for (const [name, model] of samples) {
  const json = Buffer.from(encodePrimitive(model, 'json'));
  const xml = Buffer.from(encodePrimitive(model, 'xml'));
  const cbor = encodePrimitive(model, 'cbor');
  mustDecode(json, 'json');
  mustDecode(xml, 'xml');
  mustDecode(cbor, 'cbor');

  compare(name, `JSON decode (${json.length} B)`, () => mustDecode(json, 'json'),
    'JSON.parse', () => { sink = JSON.parse(json.toString('utf8')); });
  compare(name, 'JSON encode', () => { sink = encodePrimitive(model, 'json'); },
    'JSON.stringify', () => { sink = JSON.stringify(model); });
  compare(name, `CBOR decode (${cbor.length} B)`, () => mustDecode(cbor, 'cbor'),
    'cbor-x decode', () => { sink = bareCborDecoder.decode(cbor); });
  compare(name, 'CBOR encode', () => { sink = encodePrimitive(model, 'cbor'); },
    'cbor-x encode', () => { sink = bareCborEncoder.encode(model); });
  compare(name, `XML decode (${xml.length} B)`, () => mustDecode(xml, 'xml'));
  compare(name, 'XML encode', () => { sink = encodePrimitive(model, 'xml'); });
}
process.stderr.write('\n');
void sink;

// ---------------------------------------------------------------------------------------------

const format = (hz: number | undefined) => (hz === undefined ? '' : Math.round(hz).toLocaleString('en-US'));
const lines = [
  '| primitive | operation | ours ops/s | baseline | baseline ops/s | time ratio ours/baseline |',
  '| --- | --- | ---: | --- | ---: | ---: |',
  ...rows.map((r) => `| ${r.sample} | ${r.operation} | ${format(r.ours)} | ${r.baselineName ?? '—'} | ${format(r.baseline)} | ${r.baseline ? (r.baseline / r.ours).toFixed(2) : '—'} |`),
];
console.log(`# Primitive codecs — ${new Date().toISOString().slice(0, 10)}, node ${process.version}, ${quick ? '--quick' : 'full run'}`);
console.log(lines.join('\n'));

console.log('\nTargets:');
let allMet = true;
for (const [name] of samples) {
  const jsonDecode = rows.find((r) => r.sample === name && r.operation.startsWith('JSON decode'))!;
  const cborDecode = rows.find((r) => r.sample === name && r.operation.startsWith('CBOR decode'))!;
  const ratio = jsonDecode.baseline! / jsonDecode.ours;
  const jsonMet = ratio <= 1.3;
  const cborMet = cborDecode.ours > jsonDecode.ours;
  allMet &&= jsonMet && cborMet;
  console.log(`- ${name}: JSON decode ${ratio.toFixed(2)}x JSON.parse (target <= 1.3) ${jsonMet ? 'MET' : 'MISSED'}; ` +
    `CBOR decode ${(cborDecode.ours / jsonDecode.ours).toFixed(2)}x the speed of JSON decode (target > 1) ${cborMet ? 'MET' : 'MISSED'}`);
}
console.log(allMet ? 'All targets met.' : 'Some targets missed.');
