/**
 * NOTIFY addressed to one of our resources. For an `<AE>` the CSE relays it to the AE (with a
 * fresh `rqi`, the AE's connection being shared by every sender): delivered, or buffered while
 * the AE is away (answered 1000 ACCEPTED), except a verification request, which needs the AE
 * itself. Addressed to the CSEBase it is acknowledged (2000). Anything else: 4005.
 */
import { ResponseStatusCode, type RequestPrimitive, type ResponsePrimitive } from '../../primitives/index.js';
import type { CseContext } from '../context.js';
import type { Resource } from '../resource.js';
import { respond } from './respond.js';

export async function notify(cse: CseContext, target: Resource, request: RequestPrimitive): Promise<ResponsePrimitive> {
  if (target.ty === 5) {
    cse.log.info(`notification for the CSE from ${request.fr ?? '?'} acknowledged`);
    return respond(request, ResponseStatusCode.OK);
  }
  if (target.ty !== 2) return respond(request, ResponseStatusCode.OPERATION_NOT_ALLOWED, { 'm2m:dbg': 'only an AE or the CSE can receive notifications here' });
  const isVerification = request.pc?.['m2m:sgn']?.vrq === true;
  const relayed: RequestPrimitive = { ...request, rqi: cse.nextRequestId() };
  const result = await cse.registrar.send(target['aei'] as string, relayed, { buffer: !isVerification });
  switch (result.status) {
    case 'delivered':
      return result.response === null ? respond(request, ResponseStatusCode.OK) : { ...result.response, rqi: request.rqi };
    case 'buffered':
      return respond(request, ResponseStatusCode.ACCEPTED, { 'm2m:dbg': `${target['aei'] as string} is away: buffered for delivery` });
    case 'refused':
      return { ...result.response, rqi: request.rqi };
  }
}
