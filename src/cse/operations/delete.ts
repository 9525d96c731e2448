/**
 * DELETE, recursive: notifications first (the resource's own subscriptions net 2, its parent's
 * net 4), then each resource of the subtree gets its type's `beforeDelete` (de-registration,
 * subscription deletion notifications), then the subtree goes in one journal record.
 * The CSEBase cannot be deleted (4005). Result content 0 (default), 1, 4, 5, 6, 8.
 */
import { ResponseStatusCode, type RequestPrimitive, type ResponsePrimitive } from '../../primitives/index.js';
import type { Resolved } from '../address.js';
import type { CseContext } from '../context.js';
import { CseError } from '../errors.js';
import { contentFor } from '../representation.js';
import type { Resource } from '../resource.js';
import { definitionOf } from '../resources/index.js';
import { instanceOf } from './retrieve.js';
import { respond } from './respond.js';

const DELETE_RESULT_CONTENTS = new Set([0, 1, 4, 5, 6, 8]);

export function deleteResource(cse: CseContext, target: Resolved, request: RequestPrimitive): ResponsePrimitive {
  const rcn = request.rcn ?? 0;
  if (!DELETE_RESULT_CONTENTS.has(rcn)) throw new CseError(ResponseStatusCode.BAD_REQUEST, `rcn ${rcn} is not supported for DELETE`);
  const resource = target.virtual === undefined ? target.resource : instanceOf(cse, target);
  if (resource.ty === 5) throw new CseError(ResponseStatusCode.OPERATION_NOT_ALLOWED, 'the CSEBase cannot be deleted');
  const content = contentFor(resource, rcn, cse);
  removeResource(cse, resource);
  return respond(request, ResponseStatusCode.DELETED, content);
}

/** Removes a resource and its subtree with every side effect. */
export function removeResource(cse: CseContext, resource: Resource): void {
  cse.notifier.deleted(resource);
  const doomed = [...cse.tree.subtree(resource)].reverse(); // children before parents
  for (const each of doomed) definitionOf(each.ty).beforeDelete?.(each, cse);
  cse.tree.delete(resource);
}
