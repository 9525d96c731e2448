/**
 * `<remoteCSE>` (ty 16, `m2m:csr`): a CSE registering with us over Mcc. Its resource ID and
 * default name are its CSE-ID without the slash (`/id-mn` → `id-mn`); the originator must be
 * that CSE-ID. Deleting it de-registers the CSE.
 */
import { ResponseStatusCode } from '../../primitives/index.js';
import { CseError } from '../errors.js';
import { isBoolean, isNonNegativeInteger, isString, isStringList, rule } from '../resource.js';
import type { CreateInput, ResourceTypeDefinition } from './definition.js';

export const remoteCseType: ResourceTypeDefinition = {
  ty: 16,
  root: 'm2m:csr',
  prefix: 'csr',
  parentTypes: new Set([5]),
  updatable: true,
  attributes: new Map([
    ['cst', rule('O', 'NP', isNonNegativeInteger)],
    ['poa', rule('O', 'O', isStringList)],
    ['cb', rule('M', 'NP', isString)],
    ['csi', rule('O', 'NP', (v) => typeof v === 'string' && /^\/[^/]+$/.test(v))],
    ['rr', rule('O', 'O', isBoolean)],
    ['nl', rule('O', 'O', isString)],
    ['csz', rule('O', 'O', isStringList)],
    ['srv', rule('O', 'O', isStringList)],
    ['dcse', rule('O', 'O', isStringList)],
  ]),

  assignId({ request, resource, cse }: CreateInput): string {
    const csi = typeof resource['csi'] === 'string' ? resource['csi'] : request.fr;
    if (csi === undefined || !/^\/[^/]+$/.test(csi)) throw new CseError(ResponseStatusCode.BAD_REQUEST, 'csi: an SP-relative CSE-ID is required');
    if (request.fr !== csi) throw new CseError(ResponseStatusCode.ORIGINATOR_HAS_NO_PRIVILEGE, `originator ${request.fr ?? '(none)'} is not ${csi}`);
    if (csi === cse.cseId) throw new CseError(ResponseStatusCode.BAD_REQUEST, 'a CSE cannot register with itself');
    if (cse.tree.remoteCseById(csi) !== undefined) throw new CseError(ResponseStatusCode.ORIGINATOR_HAS_ALREADY_REGISTERED, `${csi} is already registered`);
    resource['csi'] = csi;
    return csi.slice(1);
  },

  defaultName: (resource) => resource.ri,

  beforeDelete(resource, cse) {
    cse.registrar.deregister(resource['csi'] as string);
  },
};
