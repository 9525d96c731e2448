/**
 * Soak, CI length (about 20 s): 40 registrees disconnecting and reconnecting at random while the
 * registrar sends them numbered notifications (FileStore in a temp dir buffers them while they
 * are away). Every notification must arrive exactly once and in order (duplicates are counted,
 * not filtered); the heap must not grow. Long run: npx tsx bench/soak.ts (10 minutes).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runSoak } from '../../bench/lib/soak-run.js';

test('soak: churn while notifying, nothing lost, duplicated or reordered; heap flat', { timeout: 90_000 }, async () => {
  const r = await runSoak({ seconds: 18, registrees: 40, rate: 150, churnMs: 2500, awayMs: 1200, seed: 7 });
  console.log(`# soak: sent ${r.sent}, received ${r.received}, resent ${r.resent}, buffered ${r.bufferedSends}, disconnects ${r.disconnects}; lost ${r.lost}, duplicates ${r.duplicates}, out of order ${r.outOfOrder}; heap ${(r.heapStart / 1048576).toFixed(1)} -> ${(r.heapEnd / 1048576).toFixed(1)} MiB, slope ${(r.heapSlopePerMinute / 1048576).toFixed(2)} MiB/min (gc: ${r.gc})`);
  assert.ok(r.disconnects >= 100, `only ${r.disconnects} disconnects`);
  assert.ok(r.bufferedSends > 0, 'nothing was ever buffered');
  assert.equal(r.lost, 0, 'lost notifications');
  assert.equal(r.duplicates, 0, 'duplicated notifications');
  assert.equal(r.outOfOrder, 0, 'notifications out of order');
  // Without --expose-gc the samples include garbage; only gross growth is a failure here.
  assert.ok(r.heapEnd - r.heapStart < 32 * 1024 * 1024, `heap grew by ${((r.heapEnd - r.heapStart) / 1048576).toFixed(1)} MiB`);
});
