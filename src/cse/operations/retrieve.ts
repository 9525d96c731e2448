/**
 * RETRIEVE with result content 1 (default), 4, 5, 6, 8; `la` / `ol` under a container; one
 * attribute with `to: ...#attr` or several with `pc: {"m2m:atrl": [...]}` (rcn 1 only).
 */
import { ResponseStatusCode, type JsonObject, type RequestPrimitive, type ResponsePrimitive } from '../../primitives/index.js';
import type { Resolved } from '../address.js';
import type { CseContext } from '../context.js';
import { CseError } from '../errors.js';
import { attributesOf, contentFor, RETRIEVE_RESULT_CONTENTS } from '../representation.js';
import type { Resource } from '../resource.js';
import { definitionOf } from '../resources/index.js';
import { respond } from './respond.js';

export function retrieve(cse: CseContext, target: Resolved, request: RequestPrimitive, attribute: string | undefined): ResponsePrimitive {
  const rcn = request.rcn ?? 1;
  if (!RETRIEVE_RESULT_CONTENTS.has(rcn)) throw new CseError(ResponseStatusCode.BAD_REQUEST, `rcn ${rcn} is not supported for RETRIEVE`);
  const resource = target.virtual === undefined ? target.resource : instanceOf(cse, target);
  const wanted = attribute !== undefined ? [attribute] : request.pc?.['m2m:atrl'];
  if (wanted !== undefined) {
    if (rcn !== 1) throw new CseError(ResponseStatusCode.BAD_REQUEST, 'a partial retrieve needs rcn 1');
    return respond(request, ResponseStatusCode.OK, { [definitionOf(resource.ty).root]: selectAttributes(attributesOf(resource, cse), wanted) });
  }
  return respond(request, ResponseStatusCode.OK, contentFor(resource, rcn, cse));
}

/** The latest (`la`) or oldest (`ol`) contentInstance of the container; 4004 if it has none. */
export function instanceOf(cse: CseContext, target: Resolved): Resource {
  const instances = cse.tree.children(target.resource, 4);
  const instance = target.virtual === 'la' ? instances.at(-1) : instances[0];
  if (instance === undefined) throw new CseError(ResponseStatusCode.NOT_FOUND, `the container has no contentInstance (${target.virtual})`);
  return instance;
}

/** Only the named attributes; an unknown name is 4000 (as ACME answers). */
function selectAttributes(attributes: JsonObject, names: string[]): JsonObject {
  const selected: JsonObject = {};
  for (const name of names) {
    if (!Object.hasOwn(attributes, name)) throw new CseError(ResponseStatusCode.BAD_REQUEST, `no attribute ${name}`);
    Object.defineProperty(selected, name, { value: attributes[name], enumerable: true, writable: true, configurable: true });
  }
  return selected;
}
