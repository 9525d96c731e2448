/**
 * `<container>` (ty 3, `m2m:cnt`). `cni` and `cbs` are computed from the contentInstances on
 * retrieve; `mni` / `mbs` are enforced by deleting the oldest instances (also when lowered by an
 * update). `mia` is stored but not enforced.
 */
import { isNonNegativeInteger, isString, rule, type Resource } from '../resource.js';
import type { CseContext } from '../context.js';
import type { ResourceTypeDefinition } from './definition.js';

export const containerType: ResourceTypeDefinition = {
  ty: 3,
  root: 'm2m:cnt',
  prefix: 'cnt',
  parentTypes: new Set([2, 3, 5, 16]),
  updatable: true,
  attributes: new Map([
    ['mni', rule('O', 'O', isNonNegativeInteger)],
    ['mbs', rule('O', 'O', isNonNegativeInteger)],
    ['mia', rule('O', 'O', isNonNegativeInteger)],
    ['or', rule('O', 'O', isString)],
    ['cni', rule('NP', 'NP', isNonNegativeInteger)],
    ['cbs', rule('NP', 'NP', isNonNegativeInteger)],
    ['st', rule('NP', 'NP', isNonNegativeInteger)],
  ]),

  prepare({ resource }) {
    resource['st'] = 0;
  },

  afterUpdate(resource, cse) {
    enforceLimits(resource, cse); // mni / mbs may have been lowered
  },

  computed(resource, cse) {
    const instances = cse.tree.children(resource, 4);
    return { cni: instances.length, cbs: instances.reduce((sum, cin) => sum + (cin['cs'] as number), 0) };
  },
};

/** Deletes the oldest contentInstances until `mni` and `mbs` hold. */
export function enforceLimits(container: Resource, cse: CseContext): void {
  const mni = typeof container['mni'] === 'number' ? container['mni'] : Infinity;
  const mbs = typeof container['mbs'] === 'number' ? container['mbs'] : Infinity;
  const instances = cse.tree.children(container, 4);
  let bytes = instances.reduce((sum, cin) => sum + (cin['cs'] as number), 0);
  let count = instances.length;
  for (const oldest of instances) {
    if (count <= mni && bytes <= mbs) break;
    cse.tree.delete(oldest);
    count--;
    bytes -= oldest['cs'] as number;
  }
}
