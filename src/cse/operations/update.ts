/**
 * UPDATE: only attributes the type marks updatable (else 4000); `null` removes an optional
 * attribute. `lt` is refreshed and `st` incremented where the type has one; subscriptions with
 * net 1 are notified with the modified attributes. Result content 0 or 1 (default).
 */
import { ResponseStatusCode, type JsonObject, type JsonValue, type RequestPrimitive, type ResponsePrimitive } from '../../primitives/index.js';
import type { CseContext } from '../context.js';
import { CseError } from '../errors.js';
import { now } from '../ids.js';
import { representation } from '../representation.js';
import type { Resource } from '../resource.js';
import { definitionOf } from '../resources/index.js';
import { commonRule } from './create.js';
import { contentMember, respond } from './respond.js';

export function update(cse: CseContext, target: Resource, request: RequestPrimitive): ResponsePrimitive {
  const rcn = request.rcn ?? 1;
  if (rcn !== 0 && rcn !== 1) throw new CseError(ResponseStatusCode.BAD_REQUEST, `rcn ${rcn} is not supported for UPDATE`);
  const definition = definitionOf(target.ty);
  if (!definition.updatable) throw new CseError(ResponseStatusCode.OPERATION_NOT_ALLOWED, `a resource of type ${target.ty} cannot be updated`);
  const content = contentMember(request, definition.root);
  if (content === undefined) throw new CseError(ResponseStatusCode.BAD_REQUEST, `pc must hold ${definition.root}`);

  const updated: Resource = { ...target };
  const modified: JsonObject = {};
  for (const name of Object.keys(content)) {
    const value = content[name] as JsonValue;
    const rule = definition.attributes.get(name) ?? commonRule(name);
    if (rule === undefined) throw new CseError(ResponseStatusCode.BAD_REQUEST, `unknown or unsupported attribute ${name}`);
    if (rule.update === 'NP') throw new CseError(ResponseStatusCode.BAD_REQUEST, `attribute ${name} cannot be updated`);
    if (value === null) {
      if (rule.create === 'M') throw new CseError(ResponseStatusCode.BAD_REQUEST, `mandatory attribute ${name} cannot be removed`);
      delete updated[name];
    } else {
      if (!rule.valid(value)) throw new CseError(ResponseStatusCode.BAD_REQUEST, `attribute ${name} has an invalid value`);
      updated[name] = value;
    }
    modified[name] = value;
  }
  updated.lt = now();
  if (typeof updated['st'] === 'number') updated['st'] += 1;

  cse.tree.put(updated);
  definition.afterUpdate?.(updated, cse);
  cse.notifier.updated(updated, modified);
  return respond(request, ResponseStatusCode.UPDATED, rcn === 0 ? undefined : representation(cse.tree.get(updated.ri) ?? updated, cse));
}
