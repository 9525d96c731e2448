/**
 * `npm run bench [-- --quick] [-- NAME ...]`: runs every bench/*.bench.ts in turn, each in its
 * own process (`npx tsx bench/X.bench.ts`), passing `--quick` (and `--markdown`) through. Names given as
 * arguments (e.g. `echo`, `frames`) restrict the run to the files whose name contains one of
 * them. Exits non-zero if any benchmark failed.
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, quick } from './lib/common.js';

const filters = process.argv.slice(2).filter((a) => !a.startsWith('--'));
/** Flags passed through to every benchmark. */
const passed = ['--quick', '--markdown'].filter((f) => process.argv.includes(f));
const files = readdirSync(join(ROOT, 'bench'))
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => filters.length === 0 || filters.some((name) => f.includes(name)))
  .sort();

/** A benchmark that runs longer than this is stopped (full runs are longer than quick ones). */
const LIMIT_MS = (quick ? 5 : 20) * 60_000;

function runOne(file: string): Promise<{ code: number | null; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn('npx', ['tsx', join('bench', file), ...passed], { cwd: ROOT, stdio: 'inherit' });
    const timer = setTimeout(() => {
      console.error(`\n${file}: over ${LIMIT_MS / 60_000} min, stopping it`);
      child.kill('SIGTERM');
    }, LIMIT_MS);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, ms: Date.now() - started });
    });
    child.on('error', (err) => {
      clearTimeout(timer);
      console.error(`${file}: ${err.message}`);
      resolve({ code: 1, ms: Date.now() - started });
    });
  });
}

console.log(`node ${process.version}, ${new Date().toISOString()}, benchmarks: ${files.join(', ') || '(none)'}${quick ? ' (--quick)' : ''}`);
const summary: string[] = [];
let failed = 0;
for (const file of files) {
  console.log(`\n##### ${file}`);
  const { code, ms } = await runOne(file);
  if (code !== 0) failed++;
  summary.push(`  ${file.padEnd(24)} ${code === 0 ? 'ok    ' : `FAILED (exit ${code})`} ${(ms / 1000).toFixed(1)} s`);
}
console.log(`\n##### summary\n${summary.join('\n')}`);
process.exitCode = failed > 0 ? 1 : 0;
