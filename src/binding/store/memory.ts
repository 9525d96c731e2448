/** The in-memory PrimitiveStore: same limits and behaviour as FileStore, nothing survives the process. */
import type { RequestPrimitive } from '../../primitives/model.js';
import { resolveStoreLimits } from './limits.js';
import { preparePrimitive, Queues } from './queues.js';
import type { PrimitiveStore, PutResult, StoreLimits, StoredEntry } from './types.js';

export class MemoryStore implements PrimitiveStore {
  private readonly queues: Queues;
  private nextSeq = 1;
  private closed = false;

  constructor(limits?: Partial<StoreLimits>) {
    this.queues = new Queues(resolveStoreLimits(limits));
  }

  get limits(): Readonly<StoreLimits> {
    return this.queues.limits;
  }

  put(target: string, primitive: RequestPrimitive, expiresAt: number): PutResult {
    this.assertOpen();
    const now = Date.now();
    const preparation = preparePrimitive(target, primitive, expiresAt, now);
    if (!preparation.ok) return preparation;
    const { prepared } = preparation;
    const reason = this.queues.refusal(target, prepared.bytes);
    if (reason !== undefined) return { ok: false, reason };
    const entry: StoredEntry = Object.freeze({
      id: String(this.nextSeq++), target, primitive: prepared.primitive, expiresAt, storedAt: now, bytes: prepared.bytes,
    });
    this.queues.add(entry);
    return { ok: true, entry };
  }

  pending(target: string, now = Date.now()): StoredEntry[] {
    this.assertOpen();
    for (const entry of this.queues.expired(now, target)) this.queues.delete(entry.id);
    return this.queues.list(target);
  }

  remove(id: string): void {
    this.assertOpen();
    this.queues.delete(id);
  }

  expire(now = Date.now()): StoredEntry[] {
    this.assertOpen();
    const expired = this.queues.expired(now);
    for (const entry of expired) this.queues.delete(entry.id);
    return expired;
  }

  clear(target: string): void {
    this.assertOpen();
    for (const entry of this.queues.list(target)) this.queues.delete(entry.id);
  }

  targets(): string[] {
    return this.queues.targets();
  }

  stats(): { entries: number; bytes: number } {
    return this.queues.stats();
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('MemoryStore is closed');
  }
}
