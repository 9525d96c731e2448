/** The resource types this CSE hosts, by `ty` and by `pc` member name. */
import { aeType } from './ae.js';
import { containerType } from './container.js';
import { contentInstanceType } from './content-instance.js';
import { cseBaseType } from './cse-base.js';
import type { ResourceTypeDefinition } from './definition.js';
import { remoteCseType } from './remote-cse.js';
import { subscriptionType } from './subscription.js';

const ALL: ResourceTypeDefinition[] = [cseBaseType, aeType, containerType, contentInstanceType, subscriptionType, remoteCseType];

export const resourceTypes: ReadonlyMap<number, ResourceTypeDefinition> = new Map(ALL.map((definition) => [definition.ty, definition]));

export function definitionOf(ty: number): ResourceTypeDefinition {
  const definition = resourceTypes.get(ty);
  if (definition === undefined) throw new Error(`no definition for resource type ${ty}`);
  return definition;
}

export type { ResourceTypeDefinition, CreateInput } from './definition.js';
export { cseBaseResource, SUPPORTED_RELEASES, SUPPORTED_RESOURCE_TYPES } from './cse-base.js';
