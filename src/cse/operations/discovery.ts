/**
 * Discovery: RETRIEVE with `fc.fu` 1 (reference §1.6). Searches the target's descendants
 * (not the target itself) down to `lvl` levels, keeps those matching the criteria the
 * originator may retrieve, and answers `m2m:uril` with structured addresses (`drt` 1, default)
 * or resource IDs (`drt` 2), at most `lim` of them after skipping `ofst`.
 *
 * Criteria: `ty` (any of), `lbl` (any of), `cra` / `crb` (creation time); combined with `fo`
 * 1 AND (default) or 2 OR. Other members are ignored.
 */
import { ResponseStatusCode, type FilterCriteria, type RequestPrimitive, type ResponsePrimitive } from '../../primitives/index.js';
import { isAllowed } from '../access.js';
import type { CseContext } from '../context.js';
import type { Resource } from '../resource.js';
import { respond } from './respond.js';

export function discover(cse: CseContext, target: Resource, request: RequestPrimitive, originator: string): ResponsePrimitive {
  const fc = request.fc as FilterCriteria;
  const conditions = conditionsOf(fc);
  const combine = fc.fo === 2 ? (results: boolean[]) => results.some(Boolean) : (results: boolean[]) => results.every(Boolean);
  const limit = typeof fc.lim === 'number' ? fc.lim : Infinity;
  let skip = typeof fc.ofst === 'number' ? fc.ofst : 0;
  const found: string[] = [];
  for (const resource of cse.tree.subtree(target, typeof fc.lvl === 'number' ? fc.lvl : Infinity)) {
    if (found.length >= limit) break;
    if (resource === target || !isAllowed(originator, 2, resource, cse)) continue;
    if (conditions.length > 0 && !combine(conditions.map((condition) => condition(resource)))) continue;
    if (skip > 0) {
      skip--;
      continue;
    }
    found.push(request.drt === 2 ? resource.ri : cse.tree.structuredAddress(resource));
  }
  return respond(request, ResponseStatusCode.OK, { 'm2m:uril': found });
}

type Condition = (resource: Resource) => boolean;

function conditionsOf(fc: FilterCriteria): Condition[] {
  const conditions: Condition[] = [];
  if (Array.isArray(fc.ty)) {
    const types = fc.ty;
    conditions.push((r) => types.includes(r.ty));
  }
  if (Array.isArray(fc.lbl)) {
    const labels = fc.lbl;
    conditions.push((r) => Array.isArray(r['lbl']) && r['lbl'].some((label) => labels.includes(label as string)));
  }
  if (typeof fc.cra === 'string') {
    const after = fc.cra;
    conditions.push((r) => r.ct > after);
  }
  if (typeof fc.crb === 'string') {
    const before = fc.crb;
    conditions.push((r) => r.ct < before);
  }
  return conditions;
}
