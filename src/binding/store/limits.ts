import type { StoreLimits } from './types.js';

const MiB = 1024 * 1024;

export const DEFAULT_STORE_LIMITS: Readonly<StoreLimits> = Object.freeze({
  maxPerTarget: 1_000,
  maxBytesPerTarget: 4 * MiB,
  maxTotal: 100_000,
  maxBytesTotal: 256 * MiB,
});

/** Fills in defaults; each limit must be a positive integer or Infinity. */
export function resolveStoreLimits(limits: Partial<StoreLimits> = {}): StoreLimits {
  const resolved = { ...DEFAULT_STORE_LIMITS };
  for (const name of Object.keys(DEFAULT_STORE_LIMITS) as (keyof StoreLimits)[]) {
    const value = limits[name];
    if (value === undefined) continue;
    if (!(value === Infinity || (Number.isInteger(value) && value > 0))) {
      throw new RangeError(`store limit ${name} must be a positive integer or Infinity, got ${String(value)}`);
    }
    resolved[name] = value;
  }
  return resolved;
}
