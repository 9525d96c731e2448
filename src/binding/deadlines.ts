/**
 * Request deadlines under one timer for the whole process, instead of a timer per request.
 *
 * A registrar fanning a notification out to 10,000 AEs would otherwise create and clear 10,000
 * `Timeout` objects per event; here a deadline is an entry in a bucket (deadlines rounded up to
 * RESOLUTION ms), and one timer fires at the earliest bucket. A request therefore expires at most
 * RESOLUTION ms late, never early.
 */

export interface Expirable {
  /** Called once when the deadline passes (unless the entry was removed first). */
  expire(): void;
}

const RESOLUTION = 25;

const buckets = new Map<number, Set<Expirable>>();
let timer: NodeJS.Timeout | null = null;
let timerAt = Infinity;

/** Registers `entry` to expire at `deadline` (epoch ms). Returns the key to remove it with. */
export function addDeadline(entry: Expirable, deadline: number): number {
  const key = Math.ceil(deadline / RESOLUTION) * RESOLUTION;
  let bucket = buckets.get(key);
  if (bucket === undefined) {
    bucket = new Set();
    buckets.set(key, bucket);
  }
  bucket.add(entry);
  if (key < timerAt) arm(key);
  return key;
}

/** Forgets an entry (its request was answered). */
export function removeDeadline(entry: Expirable, key: number): void {
  const bucket = buckets.get(key);
  if (bucket === undefined) return;
  bucket.delete(entry);
  if (bucket.size === 0) buckets.delete(key);
  // The timer may fire for an emptied bucket; it then re-arms for the next one. Cheaper than
  // finding the next key on every answer.
}

function arm(at: number): void {
  if (timer !== null) clearTimeout(timer);
  timerAt = at;
  timer = setTimeout(fire, Math.max(0, at - Date.now()));
  timer.unref();
}

function fire(): void {
  timer = null;
  timerAt = Infinity;
  const now = Date.now();
  let next = Infinity;
  const due: Set<Expirable>[] = [];
  for (const [key, bucket] of buckets) {
    if (key <= now) {
      due.push(bucket);
      buckets.delete(key);
    } else if (key < next) {
      next = key;
    }
  }
  if (next !== Infinity) arm(next);
  for (const bucket of due) for (const entry of bucket) entry.expire();
}
