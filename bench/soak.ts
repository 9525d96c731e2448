/**
 * Soak from the command line (the CI version is test/soak/soak.test.ts):
 *
 *   node --expose-gc --import tsx bench/soak.ts [--seconds 600] [--registrees 100] [--rate 300]
 *        [--churn-ms 3000] [--away-ms 1500] [--store file|memory] [--seed 1] [--out soak.json]
 *        [--snapshots 900,3300 --snapshot-dir DIR]   (V8 heap snapshots after gc, to diff)
 *   (npx tsx bench/soak.ts works too, without gc before each heap sample)
 *
 * See bench/lib/soak-run.ts for what it does and checks. Exit code 1 on any lost, duplicated or
 * reordered notification.
 */
import { writeFileSync } from 'node:fs';
import { runSoak } from './lib/soak-run.js';

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1]! : fallback;
}
const seconds = Number(flag('seconds', '600'));
console.log(`soak: ${seconds} s, node ${process.version}`);
const r = await runSoak({
  seconds,
  registrees: Number(flag('registrees', '100')),
  rate: Number(flag('rate', '300')),
  churnMs: Number(flag('churn-ms', '3000')),
  awayMs: Number(flag('away-ms', '1500')),
  store: flag('store', 'file') === 'memory' ? 'memory' : 'file',
  seed: Number(flag('seed', '1')),
  snapshotsAt: flag('snapshots', '') === '' ? [] : flag('snapshots', '').split(',').map(Number),
  snapshotDir: flag('snapshot-dir', '.'),
  log: console.log,
});
console.log(
  `registrees ${r.registrees}, store ${r.store}: sent ${r.sent}, received ${r.received}, resent after an in-flight failure ${r.resent}, ` +
    `buffered ${r.bufferedSends}, disconnects ${r.disconnects}\nlost ${r.lost}, duplicates ${r.duplicates}, out of order ${r.outOfOrder}\n` +
    `heap ${(r.heapStart / 1048576).toFixed(2)} -> ${(r.heapEnd / 1048576).toFixed(2)} MiB; slope over the second half ${(r.heapSlopePerMinute / 1024).toFixed(1)} KiB/min (gc before samples: ${r.gc})`,
);
const out = flag('out', '');
if (out !== '') writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), node: process.version, ...r }, null, 2));
process.exitCode = r.lost + r.duplicates + r.outOfOrder > 0 ? 1 : 0;
