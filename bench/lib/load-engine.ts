/**
 * The binding as the load and soak runs use it: `src/binding` compiled by tsc, from the same
 * directory bench/lib/engine.ts compiles into (see there for why), or the sources with --source.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import './engine.js'; // compiles src/ once and sets ONEM2M_BENCH_ENGINE for the children

const dir = process.env.ONEM2M_BENCH_ENGINE ?? 'source';
const url = dir === 'source' ? new URL('../../src/binding/index.js', import.meta.url).href : pathToFileURL(join(dir, 'binding', 'index.js')).href;
export const binding = (await import(url)) as typeof import('../../src/binding/index.js');
export const bindingSource = dir === 'source' ? 'src/ (tsx)' : 'src/ compiled by tsc';
