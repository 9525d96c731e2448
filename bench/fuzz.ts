/**
 * Long-mode fuzzing from the command line (the CI versions are test/fuzz/*.test.ts).
 *
 *   npx tsx bench/fuzz.ts --target frames --seconds 600 --seed 1
 *   npx tsx bench/fuzz.ts --target all --seconds 60            # every target, 60 s each
 *   npx tsx bench/fuzz.ts --target xml --seed 1 --case 3019    # replay one case (prints the input)
 *   options: --out report.json  --case-budget-ms 2000  --heap-budget-mb 256  --stall-seconds 30
 *
 * Targets: handshake, frames, frames-deflate, json, xml, cbor (bench/lib/fuzz-targets.ts).
 * Each target runs in a child process (node --expose-gc) that reports its progress every
 * 250 ms; a child that stops reporting for --stall-seconds (a hang in a synchronous parser) is
 * killed and the case it was on is reported, so a hang cannot stall the run. Exit code 1 when
 * any target had a failure, stalled or crashed.
 */
import { fork } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runFuzz, summarize, Rng, caseSeed, type FuzzReport } from './lib/fuzz-core.js';
import { TARGETS } from './lib/fuzz-targets.js';

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1]! : fallback;
}

const isChild = process.argv.includes('--child');
const targetName = flag('target', 'all');
const seed = Number(flag('seed', '1'));
const seconds = Number(flag('seconds', '600'));
const caseBudgetMs = Number(flag('case-budget-ms', '2000'));
const heapBudget = Number(flag('heap-budget-mb', '256')) * 1024 * 1024;
const stallMs = Number(flag('stall-seconds', '30')) * 1000;
const only = process.argv.includes('--case') ? Number(flag('case', '0')) : undefined;

if (isChild) {
  const target = TARGETS[targetName]!;
  const report = await runFuzz(target, {
    seed,
    seconds,
    caseBudgetMs,
    heapBudget,
    onProgress: (done, r) => process.send!({ type: 'progress', done, ms: r.ms }),
  });
  process.send!({ type: 'report', report }, () => process.exit(0));
} else if (only !== undefined) {
  // Replay one case in this process and show it.
  const target = TARGETS[targetName];
  if (target === undefined) throw new Error(`unknown target ${targetName}`);
  const input = target.generate(new Rng(caseSeed(seed, only)));
  console.log(`input (${input.length} B): ${input.subarray(0, 2000).toString('base64')}`);
  console.log(`as latin1: ${JSON.stringify(input.subarray(0, 600).toString('latin1'))}`);
  const report = await runFuzz(target, { seed, only, caseBudgetMs, heapBudget });
  console.log(summarize(report));
  for (const f of report.failures) console.log(`FAILURE case ${f.caseIndex}: ${f.message}`);
  process.exitCode = report.failures.length > 0 ? 1 : 0;
} else {
  const names = targetName === 'all' ? Object.keys(TARGETS) : targetName.split(',');
  for (const n of names) if (TARGETS[n] === undefined) throw new Error(`unknown target ${n} (known: ${Object.keys(TARGETS).join(', ')})`);
  console.log(`fuzz: ${names.join(', ')}; seed ${seed}; ${seconds} s each; node ${process.version}`);
  const reports: Array<FuzzReport | { target: string; crashed: string }> = [];
  let bad = 0;
  for (const name of names) {
    const result = await runChild(name);
    reports.push(result);
    if ('crashed' in result) {
      bad++;
      console.log(`${name}: ${result.crashed}`);
    } else {
      if (result.failures.length > 0) bad++;
      console.log(summarize(result));
      for (const f of result.failures.slice(0, 5)) {
        console.log(`  FAILURE case ${f.caseIndex}: ${f.message.split('\n')[0]!.slice(0, 300)}`);
        console.log(`    replay: npx tsx bench/fuzz.ts --target ${name} --seed ${seed} --case ${f.caseIndex}`);
      }
    }
  }
  const out = flag('out', '');
  if (out !== '') writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), node: process.version, seed, seconds, reports }, null, 2));
  process.exitCode = bad > 0 ? 1 : 0;
}

/** Runs one target in a child with a stall watchdog. */
function runChild(name: string): Promise<FuzzReport | { target: string; crashed: string }> {
  return new Promise((resolve) => {
    const child = fork(fileURLToPath(import.meta.url), ['--child', '--target', name, '--seed', String(seed), '--seconds', String(seconds), '--case-budget-ms', String(caseBudgetMs), '--heap-budget-mb', String(heapBudget / 1048576)], {
      execArgv: ['--expose-gc', '--max-old-space-size=1024', '--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let done = 0;
    let lastProgress = Date.now();
    let result: FuzzReport | null = null;
    const hardLimit = setTimeout(() => child.kill('SIGKILL'), (seconds + 60) * 1000 + stallMs);
    const watchdog = setInterval(() => {
      if (Date.now() - lastProgress > stallMs) {
        child.kill('SIGKILL');
      }
    }, 1000);
    child.on('message', (m: { type: string; done?: number; report?: FuzzReport }) => {
      lastProgress = Date.now();
      if (m.type === 'progress') done = m.done!;
      if (m.type === 'report') result = m.report!;
    });
    child.on('exit', (code, signal) => {
      clearInterval(watchdog);
      clearTimeout(hardLimit);
      if (result !== null) resolve(result);
      else resolve({ target: name, crashed: `child ended (${signal ?? code}) after about ${done} cases: a stall or crash near case ${done} (replay with --case)` });
    });
  });
}
