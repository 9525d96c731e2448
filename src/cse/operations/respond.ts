/** Building responses to a request. */
import type { PrimitiveContent, RequestPrimitive, ResponsePrimitive } from '../../primitives/index.js';

export function respond(request: RequestPrimitive, rsc: number, pc?: PrimitiveContent): ResponsePrimitive {
  return pc === undefined ? { rsc, rqi: request.rqi } : { rsc, rqi: request.rqi, pc };
}

/** The attributes of a create/update request's content: its one member must be `root`. */
export function contentMember(request: RequestPrimitive, root: string): Record<string, unknown> | undefined {
  const pc = request.pc;
  if (pc === undefined || !Object.hasOwn(pc, root)) return undefined;
  const value = pc[root];
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
