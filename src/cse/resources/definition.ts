/** What each hosted resource type tells the generic operations (create, update, delete). */
import type { RequestPrimitive } from '../../primitives/index.js';
import type { CseContext } from '../context.js';
import type { AttributeRule, Resource } from '../resource.js';

export interface CreateInput {
  request: RequestPrimitive;
  /** The requester, as the access rule sees it (our SP-relative prefix removed). */
  originator: string;
  parent: Resource;
  /** The resource being built: common attributes and the request's validated attributes. */
  resource: Resource;
  cse: CseContext;
}

export interface ResourceTypeDefinition {
  ty: number;
  /** The `pc` member name, e.g. `m2m:cnt`. */
  root: string;
  /** Prefix of generated resource IDs and names. */
  prefix: string;
  parentTypes: ReadonlySet<number>;
  /** Type-specific attributes a request may carry (the common ones are added by the operations). */
  attributes: ReadonlyMap<string, AttributeRule>;
  /** False when the type cannot be updated at all (4005). */
  updatable: boolean;
  /** Sets the resource ID (and may refuse) before the name is chosen; default: a random ID. */
  assignId?(input: CreateInput): string;
  /** Default resource name when the request gives none; default: `<prefix>_<random>`. */
  defaultName?(resource: Resource): string;
  /** Checks and initial values after the name is chosen (may be slow: verification). Throws CseError. */
  prepare?(input: CreateInput): void | Promise<void>;
  /** Side effects once stored (e.g. a container's stateTag, mni/mbs). */
  afterCreate?(resource: Resource, cse: CseContext): void;
  /** Side effects after an update was stored. */
  afterUpdate?(resource: Resource, cse: CseContext): void;
  /** Side effects before the resource is removed (de-registration, deletion notification). */
  beforeDelete?(resource: Resource, cse: CseContext): void;
  /** Values computed on retrieve (a container's `cni`, `cbs`). */
  computed?(resource: Resource, cse: CseContext): Partial<Resource>;
}
