/**
 * oneM2M timestamps (TS-0004 §6.3.3, m2m:timestamp and m2m:absRelTimestamp).
 *
 * An absolute timestamp is `YYYYMMDDTHHMMSS` in UTC, optionally with a `,ffffff` fraction (a
 * `.` is accepted too) and a trailing `Z`. A relative one is a number of milliseconds from now
 * (a JSON number, or a string of digits).
 */

/** The instant an absRelTimestamp denotes (epoch ms), or undefined if it is not one. */
export function resolveTimestamp(value: unknown, now: number = Date.now()): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? now + value : undefined;
  if (typeof value !== 'string' || value.length === 0) return undefined;
  if (isDigits(value, 0, value.length)) return now + Number(value);
  return parseAbsolute(value);
}

/** `YYYYMMDDTHHMMSS[,ffffff][Z]` as epoch ms, or undefined. */
export function parseAbsolute(text: string): number | undefined {
  if (text.length < 15 || text[8] !== 'T' || !isDigits(text, 0, 8) || !isDigits(text, 9, 15)) return undefined;
  let end = text.length;
  if (text[end - 1] === 'Z') end--;
  let ms = 0;
  if (end > 15) {
    const sep = text[15];
    if ((sep !== ',' && sep !== '.') || end === 16 || !isDigits(text, 16, end)) return undefined;
    ms = Math.floor(Number(`0.${text.slice(16, end)}`) * 1000);
  }
  const n = (from: number, to: number) => Number(text.slice(from, to));
  const month = n(4, 6);
  const day = n(6, 8);
  const hour = n(9, 11);
  const minute = n(11, 13);
  const second = n(13, 15);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return undefined;
  return Date.UTC(n(0, 4), month - 1, day, hour, minute, second, ms);
}

/** Formats an instant as a oneM2M timestamp `YYYYMMDDTHHMMSS,ffffff`. */
export function formatTimestamp(epochMs: number = Date.now()): string {
  const d = new Date(epochMs);
  const p = (v: number, w = 2) => String(v).padStart(w, '0');
  return `${p(d.getUTCFullYear(), 4)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}T${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())},${p(d.getUTCMilliseconds(), 3)}000`;
}

function isDigits(text: string, from: number, to: number): boolean {
  if (from >= to) return false;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}
