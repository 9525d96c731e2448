/**
 * The load tool (bench/load.ts) in miniature, so that it keeps working: 40 lean registrees
 * against each server (ours, the ws baseline, the no-JS floor), every phase. Checks what the
 * tool itself must get right (everyone registered, every round trip and notification answered
 * and counted), not performance: the figures come from the full runs in docs/performance.md.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

interface Report {
  options: { clients: number; client: string; depths: number[] };
  results: Array<{
    impl: string;
    connections: number;
    registrationFailures: number;
    rr: { sent: number; ok: number; latencyMs: { n: number; p50: number } };
    saturation: { maxRate: number; latencyMs: { n: number } };
    fanout: { delivered: number; expected: number; latencyMs: { n: number } };
  }>;
  ratios: Record<string, number>;
}

test('load tool: lean clients against ours, ws and the floor; every phase answered', { timeout: 180_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'onem2m-load-'));
  try {
    const out = join(dir, 'load.json');
    const args = ['--import', 'tsx', 'bench/load.ts', '--clients', '40', '--procs', '1', '--seconds', '1', '--rate', '200', '--fanouts', '2', '--depth', '3', '--impl', 'ours,ws,floor', '--out', out];
    await promisify(execFile)(process.execPath, args, { timeout: 170_000 });
    const report = JSON.parse(readFileSync(out, 'utf8')) as Report;
    assert.deepEqual([report.options.client, report.options.depths], ['lean', [3]]);
    assert.deepEqual(report.results.map((r) => r.impl), ['ours', 'ws', 'floor']);
    for (const r of report.results) {
      assert.equal(r.connections, 40, `${r.impl}: registered`);
      assert.equal(r.registrationFailures, 0, r.impl);
      assert.equal(r.rr.sent, 200, `${r.impl}: one second at 200/s`);
      assert.equal(r.rr.ok, 200, `${r.impl}: every round trip answered`);
      assert.equal(r.rr.latencyMs.n, 200);
      assert.ok(r.rr.latencyMs.p50 >= 0);
      assert.ok(r.saturation.maxRate > 0 && r.saturation.latencyMs.n > 0, `${r.impl}: saturation ran`);
      assert.deepEqual([r.fanout.delivered, r.fanout.expected], [80, 80], `${r.impl}: both fan-outs reached all 40`);
      assert.equal(r.fanout.latencyMs.n, 80, `${r.impl}: the clients saw each notification once`);
    }
    for (const name of ['maxThroughputOursOverWs', 'fanoutSpeedupWsTimeOverOurs', 'floorMaxThroughputOverWs']) {
      assert.ok(Number.isFinite(report.ratios[name]), name);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
