/**
 * CREATE (reference §1.4, §6): the type's attribute rules, a name (given or generated; 4105
 * CONFLICT when taken), type-specific preparation, then store, side effects, notification of
 * the parent's subscriptions (net 3), and the result content `rcn` 0-3 (default 1).
 */
import { ResponseStatusCode, type JsonValue, type RequestPrimitive, type ResponsePrimitive } from '../../primitives/index.js';
import { COMMON_ATTRIBUTES, type AttributeRule } from '../resource.js';
import type { CseContext } from '../context.js';
import { CseError } from '../errors.js';
import { isValidResourceName, now, randomId } from '../ids.js';
import { createdContent } from '../representation.js';
import type { Resource } from '../resource.js';
import { resourceTypes, type CreateInput } from '../resources/index.js';
import { contentMember, respond } from './respond.js';

const CREATE_RESULT_CONTENTS = new Set([0, 1, 2, 3]);

export async function create(cse: CseContext, parent: Resource, request: RequestPrimitive, originator: string): Promise<ResponsePrimitive> {
  const rcn = request.rcn ?? 1;
  if (!CREATE_RESULT_CONTENTS.has(rcn)) throw new CseError(ResponseStatusCode.BAD_REQUEST, `rcn ${rcn} is not supported for CREATE`);
  const definition = resourceTypes.get(request.ty ?? -1);
  if (definition === undefined || definition.ty === 5) throw new CseError(ResponseStatusCode.BAD_REQUEST, `resource type ${String(request.ty)} is not supported`);
  if (!definition.parentTypes.has(parent.ty)) {
    throw new CseError(ResponseStatusCode.INVALID_CHILD_RESOURCE_TYPE, `a resource of type ${definition.ty} cannot be created under type ${parent.ty}`);
  }
  const content = contentMember(request, definition.root);
  if (content === undefined) throw new CseError(ResponseStatusCode.BAD_REQUEST, `pc must hold ${definition.root} for ty ${definition.ty}`);

  const time = now();
  const resource: Resource = { ty: definition.ty, ri: '', rn: '', pi: parent.ri, ct: time, lt: time };
  copyCreateAttributes(content, definition.attributes, resource);
  // The creator is always recorded (as in the TS-0020 Annex A response): the access rule uses it.
  if (definition.ty !== 2 && definition.ty !== 16) resource['cr'] = originator;
  const input: CreateInput = { request, originator, parent, resource, cse };

  resource.ri = definition.assignId?.(input) ?? `${definition.prefix}${randomId()}`;
  if (cse.tree.has(resource.ri)) throw new CseError(ResponseStatusCode.CONFLICT, `resource ID ${resource.ri} exists`);
  const rn = (Object.hasOwn(content, 'rn') ? content['rn'] : undefined) ?? definition.defaultName?.(resource) ?? `${definition.prefix}_${randomId(8)}`;
  if (!isValidResourceName(rn)) throw new CseError(ResponseStatusCode.BAD_REQUEST, `rn ${JSON.stringify(rn)} is not a valid resource name`);
  resource.rn = rn;
  assertNameFree(cse, parent, rn);

  await definition.prepare?.(input);
  // Preparation may have waited (verification): check again that nothing took the name or parent.
  if (!cse.tree.has(parent.ri)) throw new CseError(ResponseStatusCode.NOT_FOUND, 'the parent was deleted meanwhile');
  assertNameFree(cse, parent, rn);

  cse.tree.put(resource);
  definition.afterCreate?.(resource, cse);
  cse.notifier.childCreated(resource);
  return respond(request, ResponseStatusCode.CREATED, createdContent(resource, rcn, cse));
}

function assertNameFree(cse: CseContext, parent: Resource, rn: string): void {
  if (cse.tree.childNamed(parent, rn) !== undefined) throw new CseError(ResponseStatusCode.CONFLICT, `a resource named ${rn} exists under ${cse.tree.structuredAddress(parent)}`);
}

/** Copies the request's attributes the type allows at create (`cr` may only be given as null). */
function copyCreateAttributes(
  content: Record<string, unknown>,
  rules: ReadonlyMap<string, AttributeRule>,
  resource: Resource,
): void {
  for (const name of Object.keys(content)) {
    const value = content[name] as JsonValue;
    if (name === 'rn') continue; // checked with the other name rules
    if (name === 'cr') {
      if (value !== null) throw new CseError(ResponseStatusCode.BAD_REQUEST, 'cr may only be given as null');
      continue;
    }
    const attributeRule = rules.get(name) ?? commonRule(name);
    if (attributeRule === undefined) throw new CseError(ResponseStatusCode.BAD_REQUEST, `unknown or unsupported attribute ${name}`);
    if (attributeRule.create === 'NP') throw new CseError(ResponseStatusCode.BAD_REQUEST, `attribute ${name} cannot be given at create`);
    if (value === null || !attributeRule.valid(value)) throw new CseError(ResponseStatusCode.BAD_REQUEST, `attribute ${name} has an invalid value`);
    resource[name] = value;
  }
  for (const [name, attributeRule] of rules) {
    if (attributeRule.create === 'M' && !Object.hasOwn(content, name)) throw new CseError(ResponseStatusCode.BAD_REQUEST, `mandatory attribute ${name} missing`);
  }
}

const COMMON = new Map(COMMON_ATTRIBUTES);

/** The rule for a universal/common attribute every hosted type accepts. */
export function commonRule(name: string): AttributeRule | undefined {
  return COMMON.get(name);
}
