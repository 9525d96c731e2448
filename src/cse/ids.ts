/** Identifiers and timestamps the CSE hands out. */
import { randomBytes } from 'node:crypto';
import { formatTimestamp } from '../binding/index.js';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** A random lower-case alphanumeric string (no separators, safe in every `to` form). */
export function randomId(length = 10): string {
  const bytes = randomBytes(length);
  let id = '';
  for (const byte of bytes) id += ALPHABET[byte % ALPHABET.length];
  return id;
}

/** The current time as a oneM2M timestamp without the fraction (`YYYYMMDDTHHMMSS`). */
export function now(): string {
  return formatTimestamp().slice(0, 15);
}

/** Names that address virtual resources or would break path parsing. */
const RESERVED_NAMES = new Set(['la', 'ol', '-', '.', '..']);

/** A resource name: non-empty, no `/` or `#`, not a reserved virtual name. */
export function isValidResourceName(rn: unknown): rn is string {
  return typeof rn === 'string' && rn.length > 0 && rn.length <= 255 && !/[/#?\s]/.test(rn) && !RESERVED_NAMES.has(rn);
}
