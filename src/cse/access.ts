/**
 * The access rule (no `<accessControlPolicy>` evaluation):
 *
 * 1. The admin originator (`CAdmin` by default) may do everything.
 * 2. Anyone past the registrar's gate (a registered AE, a registered CSE and the originators it
 *    forwards for) may retrieve the `<CSEBase>` (and discover under it) and create under it;
 *    it then owns what it created.
 * 3. An originator may act on a resource it owns and on everything below one: an `<AE>` is owned
 *    by its AE-ID, a `<remoteCSE>` by its CSE-ID, anything else by its creator (`cr`).
 * 4. NOTIFY is accepted from CSEs (an SP-relative originator) and the admin.
 * Everything else: 4103 ORIGINATOR_HAS_NO_PRIVILEGE.
 *
 * Originators are compared in CSE-relative form: `/id-in/Cae1` at `/id-in` is `Cae1`.
 */
import { Operation } from '../primitives/index.js';
import type { CseContext } from './context.js';
import type { Resource } from './resource.js';

/** `/id-in/Cae1` → `Cae1` at `/id-in`; other forms unchanged. */
export function localOriginator(fr: string, cseId: string): string {
  return fr.startsWith(`${cseId}/`) ? fr.slice(cseId.length + 1) : fr;
}

/** The originator that owns a resource (and everything below it). */
export function ownerOf(resource: Resource): string | undefined {
  const owner = resource.ty === 2 ? resource['aei'] : resource.ty === 16 ? resource['csi'] : resource['cr'];
  return typeof owner === 'string' ? owner : undefined;
}

export function owns(originator: string, resource: Resource, cse: CseContext): boolean {
  if (ownerOf(resource) === originator) return true;
  for (const ancestor of cse.tree.ancestors(resource)) if (ownerOf(ancestor) === originator) return true;
  return false;
}

export function isAllowed(originator: string, op: number, target: Resource, cse: CseContext): boolean {
  if (originator === cse.adminOriginator) return true;
  if (op === Operation.NOTIFY) return originator.startsWith('/');
  if (target.ty === 5) return op === Operation.RETRIEVE || op === Operation.CREATE;
  return owns(originator, target, cse);
}
