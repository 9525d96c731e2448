/**
 * The request router: every primitive the CSE receives (from a registree through the
 * registrar, or from our own registrar when we are an MN-CSE) comes here. It checks the
 * originator, resolves `to` (address.ts), forwards what belongs to another CSE
 * (forwarding.ts), applies the access rule (access.ts), runs the operation, and logs one line
 * per primitive: `Cae1 CREATE cse-in/cnt1 → 2001`.
 */
import { Operation, ResponseStatusCode, type RequestPrimitive, type ResponsePrimitive } from '../primitives/index.js';
import { isAllowed, localOriginator } from './access.js';
import { parseTarget, resolveLocal } from './address.js';
import type { CseContext } from './context.js';
import { CseError } from './errors.js';
import { create } from './operations/create.js';
import { deleteResource } from './operations/delete.js';
import { discover } from './operations/discovery.js';
import { notify } from './operations/notify.js';
import { respond } from './operations/respond.js';
import { retrieve } from './operations/retrieve.js';
import { update } from './operations/update.js';

/** Where a request came from: a registree's connection (AE or CSE), or our registrar CSE. */
export type Arrival = { from: 'ae' | 'cse' | 'unregistered' } | { from: 'parent' };

const OPERATION_NAMES = new Map<number, string>([
  [1, 'CREATE'],
  [2, 'RETRIEVE'],
  [3, 'UPDATE'],
  [4, 'DELETE'],
  [5, 'NOTIFY'],
]);

export class Router {
  /** Responses relayed from another CSE: they keep that CSE's `fr`. */
  private readonly relayed = new WeakSet<ResponsePrimitive>();

  constructor(private readonly cse: CseContext) {}

  async handle(request: RequestPrimitive, arrival: Arrival): Promise<ResponsePrimitive> {
    let response: ResponsePrimitive;
    try {
      response = await this.dispatch(request, arrival);
    } catch (err) {
      if (err instanceof CseError) response = respond(request, err.rsc, { 'm2m:dbg': err.message });
      else {
        this.cse.log.error(`${request.rqi}: ${(err as Error).stack ?? String(err)}`);
        response = respond(request, ResponseStatusCode.INTERNAL_SERVER_ERROR, { 'm2m:dbg': 'internal error' });
      }
    }
    if (!this.relayed.has(response)) {
      response.fr = this.cse.cseId;
      if (request.fr !== undefined) response.to = request.fr;
    }
    if (request.rvi !== undefined && response.rvi === undefined) response.rvi = request.rvi;
    this.cse.log.info(`${request.fr ?? '-'} ${OPERATION_NAMES.get(request.op) ?? request.op} ${request.to} → ${response.rsc}`);
    return response;
  }

  private async dispatch(request: RequestPrimitive, arrival: Arrival): Promise<ResponsePrimitive> {
    const cse = this.cse;
    const rtv = request.rt?.rtv;
    if (rtv === 1 || rtv === 2) throw new CseError(ResponseStatusCode.NON_BLOCKING_SYNCH_REQUEST_NOT_SUPPORTED, 'non-blocking requests are not supported');
    this.checkForwardedOriginator(request, arrival);

    const target = parseTarget(request.to, cse);
    if (target.kind === 'invalid') throw new CseError(ResponseStatusCode.BAD_REQUEST, `to: ${target.reason}`);
    if (target.kind === 'other-cse') {
      const relayed = await cse.forwarder.forward(request, target.cseId, arrival.from === 'parent');
      this.relayed.add(relayed);
      return relayed;
    }

    const resolved = resolveLocal(cse.tree, target);
    if (resolved === undefined) throw new CseError(ResponseStatusCode.NOT_FOUND, `${request.to} not found`);
    const originator = localOriginator(request.fr ?? '', cse.cseId);
    if (!isAllowed(originator, request.op, resolved.resource, cse)) {
      throw new CseError(ResponseStatusCode.ORIGINATOR_HAS_NO_PRIVILEGE, `${request.fr ?? '(none)'} may not ${OPERATION_NAMES.get(request.op)?.toLowerCase()} ${request.to}`);
    }
    if (target.attribute !== undefined && request.op !== Operation.RETRIEVE) throw new CseError(ResponseStatusCode.BAD_REQUEST, '#attribute only with RETRIEVE');
    if (resolved.virtual !== undefined && request.op !== Operation.RETRIEVE && request.op !== Operation.DELETE) {
      throw new CseError(ResponseStatusCode.OPERATION_NOT_ALLOWED, `${resolved.virtual} can only be retrieved or deleted`);
    }

    switch (request.op) {
      case Operation.CREATE:
        return create(cse, resolved.resource, request, originator);
      case Operation.RETRIEVE:
        if (request.fc?.fu === 1) return discover(cse, resolved.resource, request, originator);
        return retrieve(cse, resolved, request, target.attribute);
      case Operation.UPDATE:
        return update(cse, resolved.resource, request);
      case Operation.DELETE:
        return deleteResource(cse, resolved, request);
      case Operation.NOTIFY:
        return notify(cse, resolved.resource, request);
      default:
        throw new CseError(ResponseStatusCode.BAD_REQUEST, `unknown operation ${String(request.op)}`);
    }
  }

  /**
   * A CSE (our registree or our registrar) forwards for others, and the registrar does not
   * check its `fr`: it must be an SP-relative ID that is not ours (`/id-mn/Cae1`), so nobody
   * can pose as one of our AEs or the admin through it.
   */
  private checkForwardedOriginator(request: RequestPrimitive, arrival: Arrival): void {
    if (arrival.from !== 'cse' && arrival.from !== 'parent') return;
    const fr = request.fr ?? '';
    if (!fr.startsWith('/') || fr === this.cse.cseId || fr.startsWith(`${this.cse.cseId}/`)) {
      throw new CseError(ResponseStatusCode.ORIGINATOR_HAS_NO_PRIVILEGE, `a CSE cannot originate as ${fr || '(none)'}`);
    }
  }
}
