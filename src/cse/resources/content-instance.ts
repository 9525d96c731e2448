/**
 * `<contentInstance>` (ty 4, `m2m:cin`): created, retrieved, deleted, never updated (4005).
 * `cs` is the byte size of `con` (UTF-8 of a string, else of its JSON text); an instance larger
 * than the container's `mbs` is refused with 5207 NOT_ACCEPTABLE. Creating one bumps the
 * container's `st` (the instance gets the new value) and enforces `mni` / `mbs`.
 */
import { ResponseStatusCode, type JsonValue } from '../../primitives/index.js';
import { CseError } from '../errors.js';
import { now } from '../ids.js';
import { isAny, isNonNegativeInteger, isString, rule } from '../resource.js';
import { enforceLimits } from './container.js';
import type { ResourceTypeDefinition } from './definition.js';

export const contentInstanceType: ResourceTypeDefinition = {
  ty: 4,
  root: 'm2m:cin',
  prefix: 'cin',
  parentTypes: new Set([3]),
  updatable: false,
  attributes: new Map([
    ['cnf', rule('O', 'NP', isString)],
    ['con', rule('M', 'NP', (v) => v !== null && isAny())],
    ['or', rule('O', 'NP', isString)],
    ['cs', rule('NP', 'NP', isNonNegativeInteger)],
    ['st', rule('NP', 'NP', isNonNegativeInteger)],
  ]),

  prepare({ resource, parent }) {
    const size = contentSize(resource['con'] as JsonValue);
    if (typeof parent['mbs'] === 'number' && size > parent['mbs']) {
      throw new CseError(ResponseStatusCode.NOT_ACCEPTABLE, `contentSize ${size} exceeds the container's mbs ${parent['mbs']}`);
    }
    resource['cs'] = size;
    resource['st'] = (parent['st'] as number) + 1;
  },

  afterCreate(resource, cse) {
    const container = cse.tree.parentOf(resource)!;
    cse.tree.put({ ...container, st: resource['st'] as number, lt: now() });
    enforceLimits(cse.tree.get(container.ri)!, cse);
  },
};

function contentSize(con: JsonValue): number {
  return Buffer.byteLength(typeof con === 'string' ? con : JSON.stringify(con));
}
