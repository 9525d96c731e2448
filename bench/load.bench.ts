/**
 * `npm run bench` entry for the load tool: runs bench/load.ts with the runner's flags
 * (`npm run bench -- --quick load` is the short version: 200 registrees, about 30 s).
 * The full-size runs are `npx tsx bench/load.ts --clients 10000 --procs 2 --out load.json`.
 */
await import('./load.js');
