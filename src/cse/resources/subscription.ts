/**
 * `<subscription>` (ty 23, `m2m:sub`). On create every `nu` entry other than the subscriber
 * itself gets a verification request; a failure is 5204
 * SUBSCRIPTION_VERIFICATION_INITIATION_FAILED (reference §7.2). On delete a deletion
 * notification (`sud`) goes to `su`, or to the `nu` entries when `su` is absent.
 * Supported: `enc.net` 1-4 (with `enc.chty` for 3 and 4), `nct` 1-3.
 */
import type { JsonValue } from '../../primitives/index.js';
import { isString, rule } from '../resource.js';
import type { ResourceTypeDefinition } from './definition.js';

const SUPPORTED_EVENTS = new Set([1, 2, 3, 4]);
const ENC_MEMBERS = new Set(['net', 'chty']);

function isEventCriteria(value: JsonValue): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  for (const [name, member] of Object.entries(value)) {
    if (!ENC_MEMBERS.has(name) || !Array.isArray(member) || !member.every((n) => typeof n === 'number' && Number.isInteger(n))) return false;
    if (name === 'net' && !member.every((n) => SUPPORTED_EVENTS.has(n as number))) return false;
  }
  return true;
}

const isTargetList = (v: JsonValue): boolean => Array.isArray(v) && v.length > 0 && v.every((u) => typeof u === 'string' && u.length > 0);

export const subscriptionType: ResourceTypeDefinition = {
  ty: 23,
  root: 'm2m:sub',
  prefix: 'sub',
  parentTypes: new Set([2, 3, 5, 16]),
  updatable: true,
  attributes: new Map([
    ['enc', rule('O', 'O', isEventCriteria)],
    ['nu', rule('M', 'O', isTargetList)],
    ['nct', rule('O', 'O', (v) => v === 1 || v === 2 || v === 3)],
    ['su', rule('O', 'NP', isString)],
  ]),

  async prepare({ resource, originator, cse }) {
    await cse.notifier.verify(resource, originator);
  },

  beforeDelete(resource, cse) {
    cse.notifier.subscriptionDeleted(resource);
  },
};
