/**
 * The engine under test, as it ships: `src/` compiled by `tsc` (what `npm run build` produces),
 * not the tsx-transformed source.
 *
 * Why: tsx compiles with esbuild's `keepNames`, which wraps every named function expression in
 * `__name(fn, "name")`, i.e. an `Object.defineProperty` on each closure created. That gives each
 * such closure its own property array (about 250 bytes) and costs a call each time it is
 * created: per-connection closures in `src/ws/server.ts` and `client.ts` inflated the idle
 * memory per connection by about 1.7 KiB under tsx. `ws`, loaded from node_modules as plain JS,
 * does not pay this, so the comparison would not be fair.
 *
 * The first benchmark process compiles `src/` into node_modules/.cache/onem2m-ws-bench (about
 * 1.5 s) and passes the directory to its children in ONEM2M_BENCH_ENGINE. `--source` runs the
 * TypeScript sources through tsx instead.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from './common.js';

const ENV = 'ONEM2M_BENCH_ENGINE';
const useSource = process.argv.includes('--source') || process.env[ENV] === 'source';

function engineDir(): string {
  const given = process.env[ENV];
  if (given !== undefined && given !== '' && existsSync(join(given, 'ws', 'index.js'))) return given;
  const dir = join(ROOT, 'node_modules', '.cache', 'onem2m-ws-bench');
  // Emits even if some other part of src/ has type errors (noEmitOnError is off).
  try {
    execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json', '--outDir', dir, '--declaration', 'false', '--sourceMap', 'false'], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'inherit'],
      timeout: 120_000,
    });
  } catch {
    if (!existsSync(join(dir, 'ws', 'index.js'))) throw new Error('bench: compiling src/ failed');
    console.error('bench: tsc reported errors in src/; benchmarking the emitted JavaScript anyway');
  }
  process.env[ENV] = dir; // inherited by the children we fork
  return dir;
}

/** Where the engine is loaded from, for the report. */
export const engineSource = useSource ? 'src/ (tsx)' : 'src/ compiled by tsc';

const dir = useSource ? '' : engineDir();
if (useSource) process.env[ENV] = 'source';

/** Loads `src/<path>.ts`, compiled (default) or through tsx (`--source`). */
async function load<T>(path: string): Promise<T> {
  const url = useSource ? new URL(`../../src/${path}.ts`, import.meta.url).href : pathToFileURL(join(dir, `${path}.js`)).href;
  return (await import(url)) as T;
}

export const engine = await load<typeof import('../../src/ws/index.js')>('ws/index');
export const frameModule = await load<typeof import('../../src/ws/protocol/frame.js')>('ws/protocol/frame');
export const receiverModule = await load<typeof import('../../src/ws/protocol/receiver.js')>('ws/protocol/receiver');
export const senderModule = await load<typeof import('../../src/ws/protocol/sender.js')>('ws/protocol/sender');
export const utf8Module = await load<typeof import('../../src/ws/protocol/utf8.js')>('ws/protocol/utf8');
