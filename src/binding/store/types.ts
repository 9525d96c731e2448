/**
 * The store-and-forward contract (TS-0020 §5.2, §6.5; issue 5 point 6): request primitives for a
 * registree without an open connection wait here, per registree and in order, until they are
 * delivered or expire. See docs/store.md.
 */
import type { RequestPrimitive } from '../../primitives/model.js';

export interface StoreLimits {
  /** Entries per registree (default 1,000). */
  maxPerTarget: number;
  /** Serialized bytes (UTF-8 JSON of the primitive) per registree (default 4 MiB). */
  maxBytesPerTarget: number;
  /** Entries in all (default 100,000). */
  maxTotal: number;
  /** Serialized bytes in all (default 256 MiB). */
  maxBytesTotal: number;
}

export interface StoredEntry {
  /** Unique within the store, also across restarts of a FileStore. */
  id: string;
  /** The registree's AE-ID or CSE-ID. */
  target: string;
  primitive: RequestPrimitive;
  /** Epoch ms; the entry is expired when `expiresAt <= now`. */
  expiresAt: number;
  /** Epoch ms. */
  storedAt: number;
  /** Length of the primitive's UTF-8 JSON, the unit of the byte limits. */
  bytes: number;
}

export type PutResult = { ok: true; entry: StoredEntry } | { ok: false; reason: string /* which limit, human-readable */ };

export interface PrimitiveStore {
  /** Appends at the end of target's queue. Durable (per the fsync policy) when it returns ok. */
  put(target: string, primitive: RequestPrimitive, expiresAt: number): PutResult;
  /** The target's entries in order, expired ones removed first (now = Date.now() unless given). */
  pending(target: string, now?: number): StoredEntry[];
  /** Removes one entry (after it was delivered). Unknown ids are ignored. */
  remove(id: string): void;
  /** Drops every expired entry in all queues; returns the dropped entries (for logging / 5103-style reporting). */
  expire(now?: number): StoredEntry[];
  /** Drops all entries of a target (e.g. when it de-registers). */
  clear(target: string): void;
  targets(): string[];
  stats(): { entries: number; bytes: number };
  close(): Promise<void>;
}
