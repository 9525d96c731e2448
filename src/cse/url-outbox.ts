/**
 * Notifications to one `ws://` / `wss://` URL, kept in order until that URL answers.
 *
 * Such a target is not a registree of ours, so the registrar's store does not cover it: while
 * the URL cannot be reached (connection refused, dropped in flight: the client's local 5103)
 * the notification stays at the head of this queue and is tried again with exponential backoff;
 * the ones behind it wait, so the receiver sees them in event order. Delivery is at least once
 * (a notification dropped in flight may have arrived). Bounded: at most `maxQueued` waiting, each
 * for at most `maxAgeMs`; what falls outside is dropped with a log line. Kept in memory only: a
 * restart of the CSE loses what was waiting (AE and CSE targets are durable through the store).
 */
import { isLocalResponse, type Logger, type Registree } from '../binding/index.js';
import { ResponseStatusCode, type RequestPrimitive, type ResponsePrimitive } from '../primitives/index.js';

export interface UrlOutboxLimits {
  /** Notifications waiting per URL; a new one past this is refused. Default 1,000. */
  maxQueued: number;
  /** How long a notification may wait for its URL, ms. Default 24 h. */
  maxAgeMs: number;
  /** First retry after this many ms, doubling up to `retryMaxMs`. Defaults 500 ms and 30 s. */
  retryInitialMs: number;
  retryMaxMs: number;
}

export const URL_OUTBOX_DEFAULTS: Readonly<UrlOutboxLimits> = Object.freeze({
  maxQueued: 1000,
  maxAgeMs: 24 * 3600_000,
  retryInitialMs: 500,
  retryMaxMs: 30_000,
});

export type UrlOutcome = { status: 'answered'; response: ResponsePrimitive | null } | { status: 'failed'; reason: string };

interface Waiting {
  request: RequestPrimitive;
  expiresAt: number;
  done: (outcome: UrlOutcome) => void;
}

export class UrlOutbox {
  private readonly queue: Waiting[] = [];
  private pumping = false;
  private retryDelay = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private wake: (() => void) | null = null;
  private closed = false;

  constructor(
    private readonly url: string,
    private readonly client: Registree,
    private readonly log: Logger,
    private readonly limits: UrlOutboxLimits = URL_OUTBOX_DEFAULTS,
  ) {}

  get waiting(): number {
    return this.queue.length;
  }

  /** Queues a notification; resolves when the URL answered it, or when it is given up. */
  send(request: RequestPrimitive): Promise<UrlOutcome> {
    if (this.closed) return Promise.resolve({ status: 'failed', reason: 'the CSE is shutting down' });
    if (this.queue.length >= this.limits.maxQueued) {
      return Promise.resolve({ status: 'failed', reason: `${this.limits.maxQueued} notifications already wait for ${this.url}` });
    }
    return new Promise((done) => {
      this.queue.push({ request, expiresAt: Date.now() + this.limits.maxAgeMs, done });
      void this.pump();
    });
  }

  /** Gives up on everything waiting (their outcomes say why) and stops retrying. */
  close(): void {
    this.closed = true;
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.wake?.();
    for (const waiting of this.queue.splice(0)) waiting.done({ status: 'failed', reason: 'the CSE is shutting down' });
  }

  /** One at a time, in order: the head goes first, and stays first until it is answered. */
  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.queue.length > 0 && !this.closed) {
        const head = this.queue[0]!;
        if (head.expiresAt <= Date.now()) {
          this.queue.shift();
          head.done({ status: 'failed', reason: `${this.url} unreachable for ${this.limits.maxAgeMs} ms` });
          continue;
        }
        const response = await this.client.send(head.request);
        if (this.closed) return;
        if (isLocalResponse(response) && response?.rsc === ResponseStatusCode.TARGET_NOT_REACHABLE) {
          this.retryDelay = this.retryDelay === 0 ? this.limits.retryInitialMs : Math.min(this.limits.retryMaxMs, this.retryDelay * 2);
          this.log.warn(`${this.url} unreachable (${String(response.pc?.['m2m:dbg'] ?? '')}); ${this.queue.length} notification(s) wait, next try in ${this.retryDelay} ms`);
          await this.sleep(this.retryDelay);
          continue;
        }
        this.retryDelay = 0;
        this.queue.shift();
        head.done({ status: 'answered', response });
      }
    } finally {
      this.pumping = false;
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      this.wake = resolve;
      this.retryTimer = setTimeout(resolve, ms);
      this.retryTimer.unref(); // a pending retry does not keep the process alive
    }).then(() => {
      this.wake = null;
      this.retryTimer = null;
    });
  }
}
