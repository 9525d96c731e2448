/**
 * A tiny host CSE for binding tests: registers AEs and remote CSEs, answers retrieves with
 * 2000, records every request it handled.
 */
import type { RequestPrimitive, ResponsePrimitive } from '../../src/primitives/index.js';
import type { RequestContext } from '../../src/binding/registrar.js';

export class FakeCse {
  readonly registered = new Set<string>();
  readonly handled: Array<{ request: RequestPrimitive; via: string | undefined }> = [];
  private next = 1;

  handler = (request: RequestPrimitive, context: RequestContext): ResponsePrimitive => {
    this.handled.push({ request, via: context.connection.id });
    if (request.op === 1 && request.ty === 2) {
      const aei = request.fr !== undefined && request.fr.length > 1 ? request.fr : `Cae${this.next++}`;
      this.registered.add(aei);
      return { rsc: 2001, rqi: request.rqi, pc: { 'm2m:ae': { aei, ri: `ri-${aei}`, rn: aei } } };
    }
    if (request.op === 1 && request.ty === 16) {
      const csi = (request.pc?.['m2m:csr'] as { csi?: string } | undefined)?.csi ?? '/id-mn';
      this.registered.add(csi);
      return { rsc: 2001, rqi: request.rqi, pc: { 'm2m:csr': { csi, rn: csi.slice(1) } } };
    }
    if (request.op === 4 && this.registered.has(request.to)) {
      this.registered.delete(request.to);
      context.registrar.deregister(request.to);
      return { rsc: 2002, rqi: request.rqi };
    }
    return { rsc: 2000, rqi: request.rqi, pc: { 'm2m:dbg': `handled ${request.to}` } };
  };

  isRegistered = (originator: string): boolean => this.registered.has(originator);
}

let counter = 0;
export function rqi(): string {
  return `req-${++counter}`;
}

export function createAe(fr?: string): RequestPrimitive {
  return { op: 1, to: 'cse-in', rqi: rqi(), ty: 2, rvi: '3', ...(fr ? { fr } : {}), pc: { 'm2m:ae': { api: 'Napp', rr: true, srv: ['3'] } } };
}

export function retrieve(fr: string, to = 'cse-in'): RequestPrimitive {
  return { op: 2, to, fr, rqi: rqi(), rvi: '3' };
}

export function notify(to: string, n: number): RequestPrimitive {
  return { op: 5, to, fr: '/id-in', rqi: rqi(), rvi: '3', pc: { 'm2m:sgn': { sur: 'sub1', nev: { rep: { 'm2m:cin': { con: `n${n}` } }, net: 3 } } } };
}
