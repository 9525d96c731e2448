/**
 * Regenerates the SVG figures under docs/figures/ from the JSON reports of the load, soak and
 * fuzz tools (bench/lib/plot-svg.ts draws them; no dependencies):
 *
 *   npx tsx bench/plot.ts [--data docs/figures/data] [--dir docs/figures]
 *
 * Reads (each optional; a missing report skips its figures):
 *   load-19900.json   bench/load.ts --clients 19900 --procs 4 --out ...  → load-latency.svg
 *   fanout-10k.json   bench/load.ts --clients 10000 ... --out ...        → fanout.svg (with load-19900),
 *                                                                         fanout-runs.svg
 *   load-10k-sweep.json bench/load.ts --clients 10000 --depth 1,2,4,8,16 --impl ours,ws,floor
 *                                                                       → depth-sweep.svg, depth-sweep-p99.svg
 *   soak-3600s.json   bench/soak.ts --seconds 3600 --out ...             → soak-heap-3600.svg
 *   soak-3600s-fixed.json, soak-1200s-offheap-samples.json (later runs)   → soak-heap-3600-fixed.svg, soak-heap-1200.svg
 *   soak-600s.json    bench/soak.ts --out ...                            → soak-heap.svg
 *                     (--soak-window-from 380: start of the second fitted window, seconds)
 *   fuzz-long.json    bench/fuzz.ts --target all --out ...               → fuzz-cases.svg
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { barChart, fmtTick, linearFit, lineChart } from './lib/plot-svg.js';

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1]! : fallback;
}
const dataDir = flag('data', 'docs/figures/data');
const outDir = flag('dir', 'docs/figures');

const OURS = '#1f77b4';
const WS = '#d62728';

interface Pct {
  p50: number;
  p90: number;
  p99: number;
  max: number;
}
interface LoadImpl {
  impl: string;
  connections: number;
  rr: { achieved: number; latencyMs: Pct };
  saturation: { maxRate: number; latencyMs: Pct };
  sweep?: Array<{ depth: number; maxRate: number; latencyMs: Pct }>;
  fanout: { deliverAllMs: number[]; deliverAllMedianMs: number; latencyMs: Pct };
}
interface LoadReport {
  options: { clients: number; rate: number };
  results: LoadImpl[];
}

function read<T>(name: string): T | undefined {
  const p = join(dataDir, name);
  if (!existsSync(p)) {
    console.log(`skip: ${p} not found`);
    return undefined;
  }
  return JSON.parse(readFileSync(p, 'utf8')) as T;
}
function write(name: string, svg: string): void {
  writeFileSync(join(outDir, name), svg);
  console.log(`wrote ${join(outDir, name)}`);
}
const fmtMs = (v: number): string => (v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : v.toFixed(0));

const load = read<LoadReport>('load-19900.json');
if (load !== undefined) {
  const byImpl = (impl: string): LoadImpl | undefined => load.results.find((r) => r.impl === impl);
  const series = (['ours', 'ws'] as const)
    .map((impl) => ({ impl, r: byImpl(impl) }))
    .filter((s): s is { impl: 'ours' | 'ws'; r: LoadImpl } => s.r !== undefined)
    .map(({ impl, r }) => ({
      label: `${impl} (${r.connections} conns)`,
      color: impl === 'ours' ? OURS : WS,
      values: [r.rr.latencyMs.p50, r.rr.latencyMs.p90, r.rr.latencyMs.p99, r.rr.latencyMs.max, r.saturation.latencyMs.p50, r.saturation.latencyMs.p99],
    }));
  write(
    'load-latency.svg',
    barChart({
      title: `Round-trip latency, ${load.options.clients} registrees (open loop ${load.options.rate}/s; saturated)`,
      yLabel: 'latency ms (log scale)',
      groups: ['p50', 'p90', 'p99', 'max', 'saturated\np50', 'saturated\np99'],
      series,
      yLog: true,
      format: fmtMs,
    }),
  );
}

const fan = read<LoadReport>('fanout-10k.json');
const fanRuns = [fan, load].filter((r): r is LoadReport => r !== undefined);
if (fanRuns.length > 0) {
  const groups = fanRuns.flatMap((r) => [`${fmtTick(r.options.clients)} AEs:\ndeliver to all (median)`, `${fmtTick(r.options.clients)} AEs:\nper-notification p99`]);
  const values = (impl: string): number[] =>
    fanRuns.flatMap((r) => {
      const x = r.results.find((y) => y.impl === impl);
      return x === undefined ? [NaN, NaN] : [x.fanout.deliverAllMedianMs, x.fanout.latencyMs.p99];
    });
  write(
    'fanout.svg',
    barChart({
      title: 'Fan-out of one notification to every registered AE (lower is better)',
      yLabel: 'ms',
      groups,
      series: [
        { label: 'ours (Registrar.send to each)', values: values('ours'), color: OURS },
        { label: 'ws baseline (ws.send to each)', values: values('ws'), color: WS },
      ],
      format: fmtMs,
    }),
  );
}

if (fan !== undefined) {
  write(
    'fanout-runs.svg',
    lineChart({
      title: `Each fan-out to ${fan.options.clients} AEs: time until every AE answered`,
      xLabel: 'fan-out #',
      yLabel: 'ms',
      series: fan.results.map((r) => ({
        label: r.impl === 'ours' ? 'ours' : 'ws baseline',
        color: r.impl === 'ours' ? OURS : WS,
        markers: true,
        points: r.fanout.deliverAllMs.map((ms, i): [number, number] => [i + 1, ms]),
      })),
    }),
  );
}

const FLOOR = '#7f7f7f';
const colorOf = (impl: string): string => (impl === 'ours' ? OURS : impl === 'ws' ? WS : FLOOR);
const nameOf = (impl: string): string => (impl === 'ours' ? 'ours' : impl === 'ws' ? 'ws baseline' : 'floor (no-JS server)');

const sweep = read<LoadReport>('load-10k-sweep.json');
if (sweep !== undefined) {
  const depths = sweep.results[0]?.sweep?.map((x) => x.depth) ?? [];
  const at = (r: LoadImpl, d: number) => r.sweep?.find((x) => x.depth === d);
  const ws = sweep.results.find((r) => r.impl === 'ws');
  const ratio = (r: LoadImpl, d: number): string => {
    const w = ws === undefined ? undefined : at(ws, d);
    const x = at(r, d);
    return w === undefined || x === undefined || r.impl === 'ws' ? '' : ` ${(x.maxRate / w.maxRate).toFixed(2)}x`;
  };
  write(
    'depth-sweep.svg',
    barChart({
      title: `Saturated round trips by requests in flight per registree (${fmtTick(sweep.options.clients)} registrees)`,
      yLabel: 'round trips / s',
      groups: depths.map((d) => `${d} in flight\n${sweep.results.filter((r) => r.impl !== 'ws').map((r) => `${r.impl}${ratio(r, d)}`).join(', ')}`),
      series: sweep.results.map((r) => ({ label: nameOf(r.impl), color: colorOf(r.impl), values: depths.map((d) => at(r, d)?.maxRate ?? NaN) })),
      format: (v) => fmtTick(Math.round(v)),
    }),
  );
  write(
    'depth-sweep-p99.svg',
    barChart({
      title: `p99 latency when saturated, by requests in flight (${fmtTick(sweep.options.clients)} registrees; lower is better)`,
      yLabel: 'p99 ms',
      groups: depths.map((d) => `${d} in flight`),
      series: sweep.results.map((r) => ({ label: nameOf(r.impl), color: colorOf(r.impl), values: depths.map((d) => at(r, d)?.latencyMs.p99 ?? NaN) })),
      format: fmtMs,
    }),
  );
}

// Every sweep run (load-10k-sweep*.json): throughput relative to ws by depth, one line per run.
const sweepRuns = (existsSync(dataDir) ? readdirSync(dataDir) : [])
  .filter((f) => /^load-10k-sweep.*\.json$/.test(f))
  .map((f) => ({ name: f.replace(/^load-10k-sweep-?r?/, '').replace(/\.json$/, '') || '1', report: read<LoadReport>(f)! }))
  .sort((a, b) => a.name.localeCompare(b.name));
if (sweepRuns.length > 0) {
  // Per implementation and depth: the ratio to ws in each run; drawn as the median with the
  // lowest and highest run dashed around it.
  const ratios = new Map<string, Map<number, number[]>>();
  for (const { report } of sweepRuns) {
    const ws = report.results.find((r) => r.impl === 'ws');
    if (ws?.sweep === undefined) continue;
    for (const r of report.results.filter((x) => x.impl !== 'ws')) {
      for (const x of r.sweep ?? []) {
        const w = ws.sweep.find((y) => y.depth === x.depth);
        if (w === undefined) continue;
        const byDepth = ratios.get(r.impl) ?? new Map<number, number[]>();
        ratios.set(r.impl, byDepth);
        byDepth.set(x.depth, [...(byDepth.get(x.depth) ?? []), x.maxRate / w.maxRate]);
      }
    }
  }
  const pick = (values: number[], which: 'min' | 'median' | 'max'): number => {
    const v = [...values].sort((x, y) => x - y);
    return which === 'min' ? v[0]! : which === 'max' ? v[v.length - 1]! : v[Math.floor(v.length / 2)]!;
  };
  const series: Array<{ label: string; color: string; dashed?: boolean; markers?: boolean; points: Array<[number, number]> }> = [];
  for (const [impl, byDepth] of ratios) {
    const line = (which: 'min' | 'median' | 'max'): Array<[number, number]> => [...byDepth].sort((x, y) => x[0] - y[0]).map(([d, v]) => [d, pick(v, which)]);
    series.push({ label: `${impl}/ws (median)`, color: colorOf(impl), markers: true, points: line('median') });
    series.push({ label: `${impl}/ws (min, max)`, color: colorOf(impl), dashed: true, points: line('min') });
    series.push({ label: '', color: colorOf(impl), dashed: true, points: line('max') });
  }
  const depths = [...ratios.values()].flatMap((m) => [...m.keys()]);
  series.push({ label: '2x', color: '#2ca02c', dashed: true, points: [[Math.min(...depths), 2], [Math.max(...depths), 2]] });
  write(
    'depth-sweep-ratio.svg',
    lineChart({
      title: `Saturated round trips / ws, by requests in flight (10,000 registrees, ${sweepRuns.length} runs)`,
      xLabel: 'requests in flight per registree',
      yLabel: 'throughput / ws throughput',
      series,
      width: 820,
      height: 440,
    }),
  );
}

interface SoakReport {
  seconds: number;
  heapSamples: Array<[number, number]>;
  heapSlopePerMinute: number;
  lost: number;
  duplicates: number;
  outOfOrder: number;
}
/** The soak heap over time with two least-squares fits: the second half, and from `from` s. */
function plotSoak(report: string, figure: string, from: number): void {
  const soak = read<SoakReport>(report);
  if (soak === undefined) return;
  const mib = soak.heapSamples.map(([t, h]): [number, number] => [t, h / 1048576]);
  const half = mib.filter(([t]) => t >= soak.seconds / 2);
  const fit = linearFit(half);
  const fitLine: Array<[number, number]> = half.length > 1 ? [half[0]!, half[half.length - 1]!].map(([t]): [number, number] => [t, fit.intercept + fit.slope * t]) : [];
  const late = mib.filter(([t]) => t >= from);
  const lateFit = linearFit(late);
  const lateLine: Array<[number, number]> = late.length > 1 ? [late[0]!, late[late.length - 1]!].map(([t]): [number, number] => [t, lateFit.intercept + lateFit.slope * t]) : [];
  write(
    figure,
    lineChart({
      title: `Soak ${soak.seconds} s: heap after gc (lost ${soak.lost}, duplicated ${soak.duplicates}, out of order ${soak.outOfOrder})`,
      xLabel: 'seconds',
      yLabel: 'heapUsed MiB',
      series: [
        { label: 'heapUsed after gc', points: mib, color: OURS },
        { label: `fit, second half: ${(fit.slope * 60 * 1024).toFixed(0)} KiB/min`, points: fitLine, color: WS, dashed: true },
        { label: `fit from ${from} s: ${(lateFit.slope * 60 * 1024).toFixed(1)} KiB/min`, points: lateLine, color: '#2ca02c', dashed: true },
      ],
    }),
  );
}

// The first 10-minute run; its harness kept receipts in Maps whose doublings show as steps up
// to ~360 s (see docs/reliability.md), hence the second window from --soak-window-from.
plotSoak('soak-600s.json', 'soak-heap.svg', Number(flag('soak-window-from', '380')));
// The rerun with receipts in byte arrays off the JS heap.
plotSoak('soak-600s-offheap.json', 'soak-heap-offheap.svg', 120);
// One hour: the second fit starts after the first 10 minutes.
plotSoak('soak-3600s.json', 'soak-heap-3600.svg', 600);
// One hour with the registrar's in-flight fix (the samples still on the heap: see reliability.md).
plotSoak('soak-3600s-fixed.json', 'soak-heap-3600-fixed.svg', 600);
// 20 minutes with the samples off the heap.
plotSoak('soak-1200s-offheap-samples.json', 'soak-heap-1200.svg', 300);

interface FuzzRun {
  seconds: number;
  reports: Array<{ target: string; cases?: number; failures?: unknown[]; crashed?: string }>;
}
const fuzz = read<FuzzRun>('fuzz-long.json');
if (fuzz !== undefined) {
  write(
    'fuzz-cases.svg',
    barChart({
      title: `Fuzz cases per target in ${fuzz.seconds} s each (failures: ${fuzz.reports.reduce((s, r) => s + (r.failures?.length ?? 0) + (r.crashed ? 1 : 0), 0)})`,
      yLabel: 'cases (log scale)',
      groups: fuzz.reports.map((r) => r.target),
      series: [{ label: 'cases run', values: fuzz.reports.map((r) => r.cases ?? NaN), color: OURS }],
      yLog: true,
    }),
  );
}
