/**
 * What a response carries for each result content (reference §1.4): attributes (1), attributes
 * and child resources (4), attributes and child references (5), child references (6), child
 * resources (8); for create the hierarchical address (2) or both (3).
 */
import type { ChildResourceRef, JsonObject, PrimitiveContent } from '../primitives/index.js';
import type { CseContext } from './context.js';
import type { Resource } from './resource.js';
import { definitionOf } from './resources/index.js';

/** The resource's attributes as a retrieve returns them (stored plus computed values). */
export function attributesOf(resource: Resource, cse: CseContext): JsonObject {
  const computed = definitionOf(resource.ty).computed?.(resource, cse);
  return { ...(resource as JsonObject), ...(computed as JsonObject | undefined) };
}

/** `{ "m2m:cnt": { ...attributes } }`. */
export function representation(resource: Resource, cse: CseContext): PrimitiveContent {
  return { [definitionOf(resource.ty).root]: attributesOf(resource, cse) };
}

export function childReferences(resource: Resource, cse: CseContext): ChildResourceRef[] {
  return cse.tree.children(resource).map((child) => ({ nm: child.rn, typ: child.ty, val: cse.tree.structuredAddress(child) }));
}

/** Children grouped by their `pc` member name, each with its own children (recursively). */
function childResources(resource: Resource, cse: CseContext): JsonObject {
  const groups = new Map<string, JsonObject[]>();
  for (const child of cse.tree.children(resource)) {
    const root = definitionOf(child.ty).root;
    let group = groups.get(root);
    if (group === undefined) groups.set(root, (group = []));
    group.push({ ...attributesOf(child, cse), ...childResources(child, cse) });
  }
  return Object.fromEntries(groups);
}

export const RETRIEVE_RESULT_CONTENTS = new Set([1, 4, 5, 6, 8]);

/** Content for a retrieve (or delete) with result content `rcn`. */
export function contentFor(resource: Resource, rcn: number, cse: CseContext): PrimitiveContent | undefined {
  const root = definitionOf(resource.ty).root;
  switch (rcn) {
    case 0: return undefined;
    case 1: return representation(resource, cse);
    case 4: return { [root]: { ...attributesOf(resource, cse), ...childResources(resource, cse) } };
    case 5: return { [root]: { ...attributesOf(resource, cse), ch: childReferences(resource, cse) } };
    case 6: return { 'm2m:rrl': { rrf: childReferences(resource, cse) } };
    case 8: return { [root]: childResources(resource, cse) };
    default: throw new Error(`result content ${rcn} not handled`);
  }
}

/** Content for a create with result content `rcn` (0 nothing, 1 attributes, 2 address, 3 both). */
export function createdContent(resource: Resource, rcn: number, cse: CseContext): PrimitiveContent | undefined {
  switch (rcn) {
    case 0: return undefined;
    case 2: return { 'm2m:uri': cse.tree.structuredAddress(resource) };
    case 3: return { 'm2m:rce': { uri: cse.tree.structuredAddress(resource), ...representation(resource, cse) } };
    default: return representation(resource, cse);
  }
}
