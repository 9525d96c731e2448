/**
 * `<CSEBase>` (ty 5, `m2m:cb`): made by the CSE itself at first start, refreshed at every start
 * (name, CSE-ID, type, `poa`), never created, updated or deleted through primitives (4005).
 */
import { now } from '../ids.js';
import type { Resource } from '../resource.js';
import type { ResourceTypeDefinition } from './definition.js';

/** Resource types a CSE of ours hosts (`srt`). */
export const SUPPORTED_RESOURCE_TYPES = [2, 3, 4, 5, 16, 23];
export const SUPPORTED_RELEASES = ['2a', '3', '4', '5'];

export const cseBaseType: ResourceTypeDefinition = {
  ty: 5,
  root: 'm2m:cb',
  prefix: 'cb',
  parentTypes: new Set(),
  updatable: false,
  attributes: new Map(),
};

/** The CSEBase as it should be now: kept `ri`/`ct` from an earlier run, current identity. */
export function cseBaseResource(previous: Resource | undefined, identity: { cseId: string; cseName: string; cseType: number; poa: string[] }): Resource {
  const time = now();
  return {
    ty: 5,
    ri: previous?.ri ?? identity.cseId.slice(1),
    rn: identity.cseName,
    ct: previous?.ct ?? time,
    lt: time,
    cst: identity.cseType,
    csi: identity.cseId,
    srt: SUPPORTED_RESOURCE_TYPES,
    srv: SUPPORTED_RELEASES,
    poa: identity.poa,
    csz: ['application/json', 'application/xml', 'application/cbor'],
  };
}
