/**
 * The minimal host CSE used by the load, soak and hostile-peer runs (instead of the reference
 * CSE): a registration (create <AE>, ty 2) is answered 2001 with an AE-ID (the `fr` the AE asked
 * for when it gave one, else a fresh one); anything else 2000.
 */
import type { RequestPrimitive, ResponsePrimitive } from '../../src/primitives/index.js';

export function minimalCse(): { handler: (request: RequestPrimitive) => ResponsePrimitive; isRegistered: (originator: string) => boolean; registered: Set<string> } {
  const registered = new Set<string>();
  let next = 1;
  return {
    registered,
    handler(request) {
      if (request.op === 1 && request.ty === 2) {
        const aei = request.fr !== undefined && request.fr.length > 1 ? request.fr : `Cae${next++}`;
        registered.add(aei);
        return { rsc: 2001, rqi: request.rqi, rvi: request.rvi ?? '3', pc: { 'm2m:ae': { aei, ri: aei, rn: aei } } };
      }
      return { rsc: 2000, rqi: request.rqi, rvi: request.rvi ?? '3' };
    },
    isRegistered: (originator) => registered.has(originator),
  };
}

let counter = 0;
export function registration(fr?: string): RequestPrimitive {
  return { op: 1, to: 'cse-in', rqi: `reg-${++counter}`, ty: 2, rvi: '3', ...(fr !== undefined ? { fr } : {}), pc: { 'm2m:ae': { api: 'Nload', rr: true, srv: ['3'] } } };
}

export function retrieve(fr: string, rqi: string): RequestPrimitive {
  return { op: 2, to: 'cse-in', fr, rqi, rvi: '3' };
}

export function notification(to: string, rqi: string, n: number, sentAt: number): RequestPrimitive {
  return { op: 5, to, fr: '/id-in', rqi, rvi: '3', pc: { 'm2m:sgn': { sur: 'sub1', nev: { rep: { 'm2m:cin': { con: `${n}:${sentAt}` } }, net: 3 } } } };
}
