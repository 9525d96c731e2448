/**
 * Notifications (reference §7): events on subscribed-to resources become `m2m:sgn` NOTIFY
 * requests to every `nu` entry of the matching `<subscription>`s.
 *
 * A `nu` entry is delivered by what it names:
 * - a `ws://` / `wss://` URL: over a client connection this CSE opens to it (one per URL, reused),
 *   in order, kept and retried with backoff while the URL cannot be reached (url-outbox.ts);
 * - an `<AE>` of ours (AE-ID, resource ID, or any `to` form resolving to it): through the
 *   registrar over that AE's connection, or buffered in the store while it is away;
 * - a `<remoteCSE>` of ours or anything on another CSE (`/id-mn/Cae1`): forwarded by CSE-ID.
 *
 * Sends start in event order within the same tick, so a target sees its notifications in
 * order; the operation that caused them does not wait for delivery. Verification requests
 * (`vrq`) are never buffered: an AE that is away cannot confirm.
 */
import { Registree, type SendResult } from '../binding/index.js';
import { ResponseStatusCode, type JsonObject, type Notification, type PrimitiveContent, type RequestPrimitive, type ResponsePrimitive } from '../primitives/index.js';
import { localOriginator } from './access.js';
import { parseTarget, resolveLocal } from './address.js';
import type { CseContext } from './context.js';
import { CseError } from './errors.js';
import { attributesOf, representation } from './representation.js';
import type { Resource } from './resource.js';
import { definitionOf } from './resources/index.js';
import { UrlOutbox } from './url-outbox.js';

/** How a delivery attempt ended. */
export type DeliveryOutcome = { status: 'answered'; response: ResponsePrimitive | null } | { status: 'buffered' } | { status: 'failed'; reason: string };

const NET = { UPDATE: 1, DELETE: 2, CREATE_CHILD: 3, DELETE_CHILD: 4 } as const;

export class Notifier {
  /** One client connection per notification URL, and the notifications waiting for it. */
  private readonly urlClients = new Map<string, { client: Registree; outbox: UrlOutbox }>();

  constructor(private readonly cse: CseContext) {}

  // ---- events ---------------------------------------------------------------------------

  childCreated(child: Resource): void {
    const parent = this.cse.tree.parentOf(child);
    if (parent !== undefined) this.notifyEvent(parent, NET.CREATE_CHILD, child);
  }

  updated(resource: Resource, modified: JsonObject): void {
    this.notifyEvent(resource, NET.UPDATE, resource, modified);
  }

  /** Before `resource` is removed: its own subscriptions (net 2), its parent's (net 4). */
  deleted(resource: Resource): void {
    this.notifyEvent(resource, NET.DELETE, resource);
    const parent = this.cse.tree.parentOf(resource);
    if (parent !== undefined) this.notifyEvent(parent, NET.DELETE_CHILD, resource);
  }

  /** Deletion notification (`sud`) to `su`, or to each `nu` when there is no `su`. */
  subscriptionDeleted(subscription: Resource): void {
    const targets = typeof subscription['su'] === 'string' ? [subscription['su']] : (subscription['nu'] as string[]);
    for (const target of targets) this.send(target, { sud: true, sur: this.subscriptionReference(subscription) }, true);
  }

  // ---- verification ---------------------------------------------------------------------

  /** Verifies every `nu` entry that is not the subscriber; throws 5204 on the first failure. */
  async verify(subscription: Resource, originator: string): Promise<void> {
    const targets = (subscription['nu'] as string[]).filter((target) => !this.isOriginatorItself(target, originator));
    const outcomes = await Promise.all(
      targets.map((target) => this.deliver(target, this.request(target, { vrq: true, sur: this.subscriptionReference(subscription), cr: originator }), false)),
    );
    outcomes.forEach((outcome, i) => {
      const rsc = outcome.status === 'answered' ? outcome.response?.rsc : undefined;
      if (rsc !== ResponseStatusCode.OK) {
        const why = outcome.status === 'failed' ? outcome.reason : rsc === undefined ? 'no answer' : `answered ${rsc}`;
        throw new CseError(ResponseStatusCode.SUBSCRIPTION_VERIFICATION_INITIATION_FAILED, `verification of ${targets[i]} failed: ${why}`);
      }
    });
  }

  // ---- delivery -------------------------------------------------------------------------

  /** Sends a NOTIFY to one target; see the module comment for how targets are reached. */
  deliver(target: string, request: RequestPrimitive, buffer: boolean): Promise<DeliveryOutcome> {
    if (/^wss?:\/\//i.test(target)) return this.deliverToUrl(target, request, buffer);
    const parsed = parseTarget(target, this.cse);
    if (parsed.kind === 'invalid') return Promise.resolve({ status: 'failed', reason: parsed.reason });
    if (parsed.kind === 'other-cse') return this.cse.forwarder.toCse(parsed.cseId, request, buffer).then(outcomeOf);
    const resolved = resolveLocal(this.cse.tree, parsed);
    const resource = resolved?.resource;
    if (resource?.ty === 2) return this.cse.registrar.send(resource['aei'] as string, request, { buffer }).then(outcomeOf);
    if (resource?.ty === 16) return this.cse.registrar.send(resource['csi'] as string, request, { buffer }).then(outcomeOf);
    return Promise.resolve({ status: 'failed', reason: `${target} is not an AE, a CSE or a ws:// URL` });
  }

  async close(): Promise<void> {
    for (const { outbox } of this.urlClients.values()) outbox.close();
    await Promise.all([...this.urlClients.values()].map(({ client }) => client.close()));
    this.urlClients.clear();
  }

  /**
   * Notifications wait in the URL's outbox until it answers; a verification request (`buffer`
   * false) is sent once, since the subscriber waits for its outcome.
   */
  private async deliverToUrl(url: string, request: RequestPrimitive, buffer: boolean): Promise<DeliveryOutcome> {
    let entry = this.urlClients.get(url);
    if (entry === undefined) {
      let client: Registree;
      try {
        client = new Registree({ url, originator: this.cse.cseId, logger: this.cse.log });
      } catch (err) {
        return { status: 'failed', reason: (err as Error).message };
      }
      entry = { client, outbox: new UrlOutbox(url, client, this.cse.log) };
      this.urlClients.set(url, entry);
    }
    if (!buffer) return { status: 'answered', response: await entry.client.send(request) };
    return entry.outbox.send(request);
  }

  private notifyEvent(subscribed: Resource, net: number, subject: Resource, modified?: JsonObject): void {
    for (const subscription of this.cse.tree.children(subscribed, 23)) {
      if (subscription === subject || !matches(subscription, net, subject)) continue; // not about its own creation
      const notification: Notification = {
        nev: { rep: this.eventRepresentation(subscription, subject, modified), net },
        sur: this.subscriptionReference(subscription),
      };
      for (const target of subscription['nu'] as string[]) this.send(target, notification, true);
    }
  }

  private eventRepresentation(subscription: Resource, subject: Resource, modified: JsonObject | undefined): PrimitiveContent {
    switch (subscription['nct']) {
      case 2:
        return modified === undefined ? representation(subject, this.cse) : { [definitionOf(subject.ty).root]: modified };
      case 3:
        return { 'm2m:uri': this.cse.tree.structuredAddress(subject) };
      default:
        return { [definitionOf(subject.ty).root]: attributesOf(subject, this.cse) };
    }
  }

  /** Fire and forget (the send starts now, so order holds); failures are logged. */
  private send(target: string, notification: Notification, buffer: boolean): void {
    const request = this.request(target, notification);
    void this.deliver(target, request, buffer).then((outcome) => {
      if (outcome.status === 'failed') this.cse.log.warn(`notification ${request.rqi} to ${target} not delivered: ${outcome.reason}`);
      else if (outcome.status === 'answered' && outcome.response !== null && outcome.response.rsc >= 4000) {
        this.cse.log.warn(`notification ${request.rqi} to ${target} answered ${outcome.response.rsc}`);
      }
    });
  }

  private request(target: string, notification: Notification): RequestPrimitive {
    return { op: 5, to: target, fr: this.cse.cseId, rqi: this.cse.nextRequestId(), rvi: '3', pc: { 'm2m:sgn': notification } };
  }

  /** `sur`: the subscription's SP-relative resource ID, e.g. `/id-in/sub123`. */
  private subscriptionReference(subscription: Resource): string {
    return `${this.cse.cseId}/${subscription.ri}`;
  }

  private isOriginatorItself(target: string, originator: string): boolean {
    if (localOriginator(target, this.cse.cseId) === originator) return true;
    const parsed = parseTarget(target, this.cse);
    if (parsed.kind !== 'local') return false;
    const resource = resolveLocal(this.cse.tree, parsed)?.resource;
    return resource?.ty === 2 && resource['aei'] === originator;
  }
}

function matches(subscription: Resource, net: number, subject: Resource): boolean {
  const criteria = (subscription['enc'] ?? {}) as { net?: number[]; chty?: number[] };
  const events = criteria.net ?? [NET.UPDATE];
  if (!events.includes(net)) return false;
  if ((net === NET.CREATE_CHILD || net === NET.DELETE_CHILD) && criteria.chty !== undefined) return criteria.chty.includes(subject.ty);
  return true;
}

function outcomeOf(result: SendResult | DeliveryOutcome): DeliveryOutcome {
  if (result.status === 'delivered') return { status: 'answered', response: result.response };
  if (result.status === 'refused') return { status: 'failed', reason: String(result.response.pc?.['m2m:dbg'] ?? result.response.rsc) };
  return result.status === 'buffered' ? { status: 'buffered' } : result;
}
