/**
 * The fuzzing machinery shared by the CI fuzz tests (test/fuzz/) and the long mode
 * (bench/fuzz.ts): a seeded PRNG, byte-level and structure-aware mutators, and a runner that
 * drives a target for a number of cases or seconds and collects outcomes, failures, the slowest
 * case and the heap high-water mark.
 *
 * Every case is reproducible from (seed, case index) alone: the case's generator is seeded with
 * caseSeed(seed, index), so a failure reported as `seed 1 case 48213` can be replayed with
 * `npx tsx bench/fuzz.ts --target T --seed 1 --case 48213`.
 */
import { prng } from '../../test/helpers/prng.js';

/** The seed of case `index` of a run seeded with `seed` (a 32-bit mix of both). */
export function caseSeed(seed: number, index: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  return h >>> 0;
}

/** A random source with the helpers the generators need. */
export class Rng {
  readonly next: () => number;
  constructor(seed: number) {
    this.next = prng(seed);
  }
  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  /** An integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  bytes(n: number): Buffer {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }
  /** Sizes skewed towards small ones: most chunks a few bytes, some up to `max`. */
  skewed(max: number): number {
    const r = this.next();
    return Math.max(1, Math.min(max, Math.floor(Math.exp(r * Math.log(max + 1)))));
  }
}

/** Cuts `bytes` into random chunks (each a fresh copy), 1 byte to the whole. */
export function randomChunks(rng: Rng, bytes: Buffer): Buffer[] {
  const chunks: Buffer[] = [];
  let at = 0;
  while (at < bytes.length) {
    const n = rng.chance(0.2) ? bytes.length - at : Math.min(bytes.length - at, rng.skewed(64));
    chunks.push(Buffer.from(bytes.subarray(at, at + n)));
    at += n;
  }
  return chunks;
}

// ---- mutators ---------------------------------------------------------------------------

/** Values that tend to sit on boundaries. */
const INTERESTING8 = [0x00, 0x01, 0x7f, 0x80, 0xff, 0x7e, 0x0a, 0x0d, 0x20, 0x3a, 0x2c, 0x22, 0x3c, 0xc0, 0xed, 0xf4, 0xf8];

export type Mutator = (rng: Rng, input: Buffer, corpus: readonly Buffer[]) => Buffer;

export const byteMutators: Record<string, Mutator> = {
  bitFlip(rng, input) {
    if (input.length === 0) return input;
    const out = Buffer.from(input);
    const flips = rng.range(1, 4);
    for (let k = 0; k < flips; k++) out[rng.int(out.length)]! ^= 1 << rng.int(8);
    return out;
  },
  byteSet(rng, input) {
    if (input.length === 0) return input;
    const out = Buffer.from(input);
    out[rng.int(out.length)] = rng.chance(0.7) ? rng.pick(INTERESTING8) : rng.int(256);
    return out;
  },
  truncate(rng, input) {
    return Buffer.from(input.subarray(0, rng.int(input.length + 1)));
  },
  dropHead(rng, input) {
    return Buffer.from(input.subarray(rng.int(input.length + 1)));
  },
  deleteRange(rng, input) {
    if (input.length === 0) return input;
    const a = rng.int(input.length);
    const n = rng.skewed(Math.max(1, input.length - a));
    return Buffer.concat([input.subarray(0, a), input.subarray(a + n)]);
  },
  duplicateRange(rng, input) {
    if (input.length === 0) return input;
    const a = rng.int(input.length);
    const n = rng.skewed(Math.max(1, input.length - a));
    const times = rng.chance(0.1) ? rng.range(2, 64) : 1;
    const piece = input.subarray(a, a + n);
    return Buffer.concat([input.subarray(0, a + n), ...Array.from({ length: times }, () => piece), input.subarray(a + n)]);
  },
  insertRandom(rng, input) {
    const a = rng.int(input.length + 1);
    return Buffer.concat([input.subarray(0, a), rng.bytes(rng.skewed(32)), input.subarray(a)]);
  },
  splice(rng, input, corpus) {
    const other = rng.pick(corpus);
    const a = rng.int(input.length + 1);
    const b = rng.int(other.length + 1);
    return Buffer.concat([input.subarray(0, a), other.subarray(b)]);
  },
  /** Overwrites a big-endian 16/32-bit field with a boundary value. */
  intField(rng, input) {
    if (input.length < 2) return input;
    const out = Buffer.from(input);
    const width = rng.chance(0.5) || out.length < 4 ? 2 : 4;
    const at = rng.int(out.length - width + 1);
    const values = width === 2 ? [0, 1, 125, 126, 127, 0x7fff, 0x8000, 0xfffe, 0xffff] : [0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0x10000];
    const v = rng.pick(values);
    if (width === 2) out.writeUInt16BE(v, at);
    else out.writeUInt32BE(v >>> 0, at);
    return out;
  },
};

/** Applies 1 to `max` mutations picked from `mutators` (weighted equally). */
export function mutate(rng: Rng, input: Buffer, corpus: readonly Buffer[], mutators: readonly Mutator[], max = 4): Buffer {
  let out = input;
  const n = rng.range(1, max);
  for (let i = 0; i < n; i++) out = rng.pick(mutators)(rng, out, corpus);
  return out;
}

// ---- the runner -------------------------------------------------------------------------

/** One fuzz target: makes an input for a case, runs it, and classifies the outcome. */
export interface FuzzTarget {
  name: string;
  /** Builds the input of one case from its own seeded generator. */
  generate(rng: Rng): Buffer;
  /**
   * Runs one input. Returns an outcome label (e.g. `close 1002`, `status 400`, `rsc 4000`,
   * `ok`) or throws a `FuzzFailure` when an oracle is violated. Any other exception escaping
   * is a failure too.
   */
  run(input: Buffer, rng: Rng): string;
}

export class FuzzFailure extends Error {
  override readonly name = 'FuzzFailure';
}

export interface FuzzFailureRecord {
  caseIndex: number;
  message: string;
  /** The input, base64 (first 4 KiB). */
  input: string;
  inputLength: number;
}

export interface FuzzReport {
  target: string;
  seed: number;
  cases: number;
  ms: number;
  outcomes: Record<string, number>;
  failures: FuzzFailureRecord[];
  slowestCaseMs: number;
  slowestCase: number;
  /** heapUsed growth over the run's start, sampled every 256 cases (bytes). */
  heapGrowthMax: number;
  /** Largest input generated (bytes). */
  largestInput: number;
}

export interface FuzzRunOptions {
  seed: number;
  /** Stop after this many cases ... */
  cases?: number;
  /** ... or after this many seconds, whichever comes first. */
  seconds?: number;
  /** A case slower than this is a failure ("hang"), default 2,000 ms. */
  caseBudgetMs?: number;
  /** heapUsed growth above this is a failure, default 256 MiB. */
  heapBudget?: number;
  /** Keep at most this many failures (default 20). */
  maxFailures?: number;
  /** Called about every 250 ms with the progress so far. */
  onProgress?: (done: number, report: FuzzReport) => void;
  /** Run only this case (replay). */
  only?: number;
}

const yieldToLoop = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Runs a target; resolves with the report (failures are recorded, not thrown). */
export async function runFuzz(target: FuzzTarget, options: FuzzRunOptions): Promise<FuzzReport> {
  const limitCases = options.only !== undefined ? 1 : (options.cases ?? Number.POSITIVE_INFINITY);
  const limitMs = (options.seconds ?? Number.POSITIVE_INFINITY) * 1000;
  const caseBudget = options.caseBudgetMs ?? 2000;
  const heapBudget = options.heapBudget ?? 256 * 1024 * 1024;
  const maxFailures = options.maxFailures ?? 20;
  const report: FuzzReport = {
    target: target.name,
    seed: options.seed,
    cases: 0,
    ms: 0,
    outcomes: {},
    failures: [],
    slowestCaseMs: 0,
    slowestCase: -1,
    heapGrowthMax: 0,
    largestInput: 0,
  };
  const heapStart = process.memoryUsage().heapUsed;
  const started = performance.now();
  let lastYield = started;
  let lastProgress = started;
  for (let i = 0; i < limitCases; i++) {
    const index = options.only ?? i;
    const now = performance.now();
    if (now - started > limitMs) break;
    if (now - lastYield > 50) {
      await yieldToLoop();
      lastYield = performance.now();
      if (options.onProgress !== undefined && lastYield - lastProgress > 250) {
        lastProgress = lastYield;
        report.ms = lastYield - started;
        options.onProgress(report.cases, report);
      }
    }
    const rng = new Rng(caseSeed(options.seed, index));
    let input: Buffer = Buffer.alloc(0);
    const t0 = performance.now();
    let outcome: string;
    try {
      input = target.generate(rng);
      if (input.length > report.largestInput) report.largestInput = input.length;
      outcome = target.run(input, rng);
    } catch (err) {
      outcome = 'FAILURE';
      const message = err instanceof FuzzFailure ? err.message : `exception escaped: ${err instanceof Error ? `${err.name}: ${err.message}\n${err.stack ?? ''}` : String(err)}`;
      record(report, maxFailures, index, message, input);
    }
    const ms = performance.now() - t0;
    if (ms > report.slowestCaseMs) {
      report.slowestCaseMs = ms;
      report.slowestCase = index;
    }
    if (ms > caseBudget) record(report, maxFailures, index, `case took ${ms.toFixed(0)} ms (budget ${caseBudget} ms)`, input);
    report.outcomes[outcome] = (report.outcomes[outcome] ?? 0) + 1;
    report.cases++;
    if ((report.cases & 255) === 0) {
      const growth = process.memoryUsage().heapUsed - heapStart;
      if (growth > report.heapGrowthMax) report.heapGrowthMax = growth;
      if (growth > heapBudget) {
        // Retry after a gc when we can: garbage is not growth.
        (globalThis as { gc?: () => void }).gc?.();
        const after = process.memoryUsage().heapUsed - heapStart;
        if (after > heapBudget) record(report, maxFailures, index, `heap grew by ${(after / 1048576).toFixed(0)} MiB`, input);
      }
    }
  }
  report.ms = performance.now() - started;
  return report;
}

function record(report: FuzzReport, max: number, caseIndex: number, message: string, input: Buffer): void {
  if (report.failures.length >= max) return;
  report.failures.push({ caseIndex, message, input: input.subarray(0, 4096).toString('base64'), inputLength: input.length });
}

/** A one-line summary of a report. */
export function summarize(r: FuzzReport): string {
  const outcomes = Object.entries(r.outcomes)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ');
  return (
    `${r.target} seed ${r.seed}: ${r.cases.toLocaleString('en-US')} cases in ${(r.ms / 1000).toFixed(1)} s, ` +
    `${r.failures.length} failures, slowest case ${r.slowestCaseMs.toFixed(1)} ms (#${r.slowestCase}), ` +
    `heap growth max ${(r.heapGrowthMax / 1048576).toFixed(1)} MiB, largest input ${r.largestInput} B\n    outcomes: ${outcomes}`
  );
}
