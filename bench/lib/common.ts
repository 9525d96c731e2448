/**
 * Helpers shared by the engine benchmarks: flags, child processes running TypeScript through
 * tsx, `benchmark` suites, and plain-text tables.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Benchmark from 'benchmark';

export const quick = process.argv.includes('--quick');

/** The repository root (bench/lib/../..). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The value after `--name`, or the default. */
export function flagValue(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1]! : fallback;
}

/**
 * Runs a .ts file in a child node process through tsx (`node --import tsx`), with an IPC
 * channel. `nodeArgs` go before the loader (e.g. `--expose-gc`).
 */
export function forkTs(file: string, args: string[] = [], nodeArgs: string[] = []): ChildProcess {
  return fork(resolve(ROOT, file), args, {
    cwd: ROOT,
    execArgv: [...nodeArgs, '--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

/** Waits for the first IPC message for which `match` returns a value (bounded by `timeoutMs`). */
export function nextMessage<T>(child: ChildProcess, match: (msg: unknown) => T | undefined, timeoutMs = 60_000): Promise<T> {
  return new Promise<T>((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`child ${child.pid}: no expected message in ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (msg: unknown): void => {
      const value = match(msg);
      if (value === undefined) return;
      cleanup();
      resolvePromise(value);
    };
    const onExit = (code: number | null): void => {
      cleanup();
      reject(new Error(`child ${child.pid} exited (${code}) before sending the expected message`));
    };
    const cleanup = (): void => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

/** Asks a child to stop, then kills it if it has not exited within `graceMs`. */
export async function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  if (child.connected) child.send({ type: 'stop' });
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// ---- benchmark suites --------------------------------------------------------------------

export interface Case {
  name: string;
  fn: () => void;
}

/**
 * Runs the cases with `benchmark` (one suite, synchronous) and returns ops/s by name.
 * Quick mode shortens each case to about 0.3 s.
 */
export function runCases(cases: Case[]): Map<string, Benchmark> {
  const suite = new Benchmark.Suite();
  const options = quick ? { maxTime: 0.15, minSamples: 3, minTime: 0.03 } : { maxTime: 1.5, minSamples: 10 };
  for (const c of cases) suite.add(c.name, c.fn, options);
  const results = new Map<string, Benchmark>();
  suite.on('cycle', (event: Benchmark.Event) => {
    const b = event.target as unknown as Benchmark;
    results.set(String(b.name), b);
  });
  suite.run({ async: false });
  return results;
}

// ---- formatting --------------------------------------------------------------------------

export function fmtNum(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (n >= 100) return Math.round(n).toLocaleString('en-US');
  if (n >= 10) return n.toFixed(1);
  return n.toFixed(2);
}

export function fmtRatio(n: number): string {
  return Number.isFinite(n) ? `${n.toFixed(2)}x` : '-';
}

/** Prints rows as an aligned plain-text table (first column left, the rest right). */
export function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}

/** Prints rows as a Markdown table (for pasting into docs/performance.md). */
export function printMarkdown(header: string[], rows: string[][]): void {
  console.log(`| ${header.join(' | ')} |`);
  console.log(`|${header.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`);
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
}

export function header(title: string): void {
  console.log(`\n== ${title} (node ${process.version}${quick ? ', --quick' : ''}) ==`);
}
