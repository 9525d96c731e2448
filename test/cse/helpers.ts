/** Helpers for the CSE tests: start a CSE on a free port, AE clients, requests. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registree, type RegistreeOptions } from '../../src/binding/index.js';
import type { RequestPrimitive, ResponsePrimitive } from '../../src/primitives/index.js';
import { startCse, type Cse, type CseOptions } from '../../src/cse/index.js';

let counter = 0;
export function rqi(): string {
  return `t-${++counter}`;
}

/** Things to close after a test file, in reverse order. */
export class Cleanup {
  private readonly closers: Array<() => Promise<void> | void> = [];
  add(closer: () => Promise<void> | void): void {
    this.closers.push(closer);
  }
  async run(): Promise<void> {
    for (const closer of this.closers.reverse()) await closer();
    this.closers.length = 0;
  }
}

export function tempDir(cleanup: Cleanup): string {
  const dir = mkdtempSync(join(tmpdir(), 'onem2m-cse-'));
  cleanup.add(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export async function cse(cleanup: Cleanup, options: CseOptions = {}): Promise<Cse> {
  const started = await startCse({ port: 0, dataDir: null, ...options });
  cleanup.add(() => started.close());
  return started;
}

/** A client (AE or admin) with a notification inbox. */
export interface Client {
  registree: Registree;
  inbox: RequestPrimitive[];
  send(request: Omit<RequestPrimitive, 'rqi'> & { rqi?: string }): Promise<ResponsePrimitive>;
}

export function client(cleanup: Cleanup, url: string, options: Partial<RegistreeOptions> & { answer?: (n: RequestPrimitive) => number } = {}): Client {
  const inbox: RequestPrimitive[] = [];
  const { answer, ...rest } = options;
  const registree = new Registree({
    url,
    proxy: null,
    handler: (request) => {
      inbox.push(request);
      return { rsc: answer?.(request) ?? 2000, rqi: request.rqi };
    },
    ...rest,
  });
  cleanup.add(() => registree.close());
  return {
    registree,
    inbox,
    async send(request) {
      // `fr` defaults to the client's originator, except for a registration.
      const isRegistration = request.op === 1 && request.ty === 2;
      const fr = request.fr ?? (isRegistration ? undefined : registree.originator);
      const response = await registree.send({ rqi: rqi(), rvi: '3', ...(fr !== undefined ? { fr } : {}), ...request } as RequestPrimitive);
      if (response === null) throw new Error('no response');
      return response;
    },
  };
}

/** Registers an AE and returns the client with its AE-ID. */
export async function registeredAe(cleanup: Cleanup, url: string, options: Partial<RegistreeOptions> & { answer?: (n: RequestPrimitive) => number; rn?: string } = {}): Promise<Client & { aei: string }> {
  const { rn, ...rest } = options;
  const ae = client(cleanup, url, rest);
  const response = await ae.send({ op: 1, to: '-', ty: 2, ...(rest.originator ? { fr: rest.originator } : {}), pc: { 'm2m:ae': { api: 'Ntest', rr: true, srv: ['3'], ...(rn ? { rn } : {}) } } });
  if (response.rsc !== 2001) throw new Error(`registration failed: ${JSON.stringify(response)}`);
  return Object.assign(ae, { aei: response.pc!['m2m:ae']!.aei! });
}

export function admin(cleanup: Cleanup, url: string): Client {
  return client(cleanup, url, { originator: 'CAdmin' });
}

/** Polls until `predicate` holds (5 ms steps). */
export async function waitFor(predicate: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
