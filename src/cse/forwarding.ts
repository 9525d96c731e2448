/**
 * Requests for other CSEs (reference §8.4 step 3): by CSE-ID, down to a registered
 * `<remoteCSE>` (its `csi`, or one of its `dcse` descendants) through the registrar, else up to
 * our own registrar when this is an MN-CSE, else 4004. The forwarded copy gets a fresh `rqi`
 * (the next hop correlates per connection) and an SP-relative `fr` (`Cae1` → `/id-mn/Cae1`);
 * the response is relayed with the original `rqi`.
 */
import type { Registree } from '../binding/index.js';
import { localResponse } from '../binding/index.js';
import { Operation, ResponseStatusCode, type RequestPrimitive, type ResponsePrimitive } from '../primitives/index.js';
import type { CseContext } from './context.js';
import type { DeliveryOutcome } from './notifications.js';

export class Forwarder {
  /** Our registrar's CSE, when this is an MN-CSE. */
  uplink: Registree | null = null;
  parentCseId: string | undefined;

  constructor(private readonly cse: CseContext) {}

  /**
   * Forwards a request from one of our registrees (or our registrar) to the CSE `cseId` and
   * answers with its response. A request that came down from our registrar is never sent back up.
   */
  async forward(request: RequestPrimitive, cseId: string, fromParent: boolean): Promise<ResponsePrimitive> {
    if (request.op === Operation.CREATE && (request.ty === 2 || request.ty === 16)) {
      return localResponse(ResponseStatusCode.BAD_REQUEST, request.rqi, 'registration must be addressed to the registrar CSE itself');
    }
    const fr = request.fr === undefined || request.fr.startsWith('/') ? request.fr : `${this.cse.cseId}/${request.fr}`;
    const copy: RequestPrimitive = { ...request, rqi: this.cse.nextRequestId(), ...(fr !== undefined ? { fr } : {}) };
    // A notification may wait in the store for a CSE that is away; other requests may not.
    const outcome = await this.toCse(cseId, copy, request.op === Operation.NOTIFY && request.pc?.['m2m:sgn']?.vrq !== true, fromParent);
    switch (outcome.status) {
      case 'answered':
        return outcome.response === null ? { rsc: ResponseStatusCode.OK, rqi: request.rqi } : { ...outcome.response, rqi: request.rqi };
      case 'buffered':
        return { rsc: ResponseStatusCode.ACCEPTED, rqi: request.rqi, pc: { 'm2m:dbg': `${cseId} is away: buffered for delivery` } };
      case 'failed':
        return localResponse(outcome.reason.startsWith('unknown') ? ResponseStatusCode.NOT_FOUND : ResponseStatusCode.TARGET_NOT_REACHABLE, request.rqi, outcome.reason);
    }
  }

  /** Sends a request as it is to the CSE `cseId`: down through the registrar, or up. */
  async toCse(cseId: string, request: RequestPrimitive, buffer: boolean, fromParent = false): Promise<DeliveryOutcome> {
    const below = this.registeredCseFor(cseId);
    if (below !== undefined) {
      const result = await this.cse.registrar.send(below, request, { buffer });
      if (result.status === 'delivered') return { status: 'answered', response: result.response };
      if (result.status === 'buffered') return { status: 'buffered' };
      return { status: 'failed', reason: String(result.response.pc?.['m2m:dbg'] ?? 'not reachable') };
    }
    if (this.uplink !== null && !fromParent && cseId !== this.cse.cseId) {
      const response = await this.uplink.send(request);
      return { status: 'answered', response };
    }
    return { status: 'failed', reason: `unknown CSE ${cseId}` };
  }

  /** The registered CSE (ours) that is `cseId` or lists it among its descendants. */
  private registeredCseFor(cseId: string): string | undefined {
    if (this.cse.tree.remoteCseById(cseId) !== undefined) return cseId;
    for (const csr of this.cse.tree.remoteCses()) {
      const descendants = csr['dcse'];
      if (Array.isArray(descendants) && descendants.includes(cseId)) return csr['csi'] as string;
    }
    return undefined;
  }
}
