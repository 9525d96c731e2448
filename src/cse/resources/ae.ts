/**
 * `<AE>` (ty 2, `m2m:ae`): registration with AE-ID assignment (reference §8.3) and
 * de-registration. The resource ID of an `<AE>` is its AE-ID, so `to: "Cae1"` addresses it.
 *
 * `fr` absent, empty or `C` → a new `C<random>`; `S` → a new `S<random>`; a complete `Cxyz` /
 * `Sxyz` (or our SP-relative form of it) → that ID if free, else 4117
 * ORIGINATOR_HAS_ALREADY_REGISTERED. `api` is mandatory and starts with `R`, `N` or `r`;
 * `rr` and `srv` (mandatory in Release 3) are optional here so Release-1/2 clients and the
 * TS-0020 Annex A example can register.
 */
import { ResponseStatusCode } from '../../primitives/index.js';
import { CseError } from '../errors.js';
import { randomId } from '../ids.js';
import { isBoolean, isString, isStringList, rule } from '../resource.js';
import type { CreateInput, ResourceTypeDefinition } from './definition.js';

export const aeType: ResourceTypeDefinition = {
  ty: 2,
  root: 'm2m:ae',
  prefix: 'C',
  parentTypes: new Set([5]),
  updatable: true,
  attributes: new Map([
    ['apn', rule('O', 'O', isString)],
    ['api', rule('M', 'NP', (v) => typeof v === 'string' && /^[RNr]/.test(v))],
    ['aei', rule('NP', 'NP', isString)],
    ['poa', rule('O', 'O', isStringList)],
    ['rr', rule('O', 'O', isBoolean)],
    ['csz', rule('O', 'O', isStringList)],
    ['srv', rule('O', 'O', isStringList)],
    ['nl', rule('O', 'O', isString)],
    ['or', rule('O', 'O', isString)],
  ]),

  assignId({ request, resource, cse }: CreateInput): string {
    const aei = assignAeId(request.fr, cse.cseId, (id) => cse.tree.aeByAeId(id) !== undefined || cse.tree.has(id) || id === cse.adminOriginator);
    resource['aei'] = aei;
    return aei;
  },

  defaultName: (resource) => resource.ri,

  beforeDelete(resource, cse) {
    cse.registrar.deregister(resource['aei'] as string);
  },
};

function assignAeId(fr: string | undefined, cseId: string, taken: (id: string) => boolean): string {
  const requested = fr !== undefined && fr.startsWith(`${cseId}/`) ? fr.slice(cseId.length + 1) : fr;
  if (requested === undefined || requested === '' || requested === 'C' || requested === 'S') {
    const prefix = requested === 'S' ? 'S' : 'C';
    for (;;) {
      const id = `${prefix}${randomId()}`;
      if (!taken(id)) return id;
    }
  }
  if (!/^[CS][A-Za-z0-9\-._~]+$/.test(requested)) {
    throw new CseError(ResponseStatusCode.BAD_REQUEST, `originator ${requested} is not an AE-ID stem (C... or S...)`);
  }
  if (taken(requested)) throw new CseError(ResponseStatusCode.ORIGINATOR_HAS_ALREADY_REGISTERED, `${requested} is already registered`);
  return requested;
}
