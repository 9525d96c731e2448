/** Runs a fuzz target for a fixed number of cases (capped in time) and asserts a clean report. */
import assert from 'node:assert/strict';
import { runFuzz, summarize, type FuzzReport, type FuzzTarget } from '../../bench/lib/fuzz-core.js';

export async function fuzzClean(target: FuzzTarget, seed: number, cases: number, seconds: number): Promise<FuzzReport> {
  const report = await runFuzz(target, { seed, cases, seconds, caseBudgetMs: 2000, heapBudget: 256 * 1024 * 1024 });
  const failures = report.failures.map((f) => `case ${f.caseIndex}: ${f.message.slice(0, 500)}\n  input (${f.inputLength} B, base64): ${f.input.slice(0, 300)}`);
  assert.deepEqual(failures, [], summarize(report));
  // Enough cases ran to mean something even on a slow machine.
  assert.ok(report.cases >= Math.min(cases, 500), summarize(report));
  return report;
}
