/**
 * An MN-CSE's link to its registrar CSE (Mcc): a persistent registree connection that
 * registers us as a `<remoteCSE>` there (again after every restart: "already registered" is
 * success), learns the registrar's CSE-ID, and hands requests coming down to the router.
 */
import { Registree } from '../binding/index.js';
import { ResponseStatusCode, type RequestPrimitive, type ResponsePrimitive } from '../primitives/index.js';
import type { CseContext } from './context.js';
import { SUPPORTED_RELEASES } from './resources/index.js';

const RETRY_DELAY_MS = 2000;

export class Uplink {
  readonly registree: Registree;
  registered = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    private readonly cse: CseContext,
    private readonly url: string,
    private registrarCseId: string | undefined,
    handler: (request: RequestPrimitive) => Promise<ResponsePrimitive>,
  ) {
    this.registree = new Registree({ url, originator: cse.cseId, persistent: true, handler, logger: cse.log, backoff: { initial: 200, max: 10_000 } });
  }

  get parentCseId(): string | undefined {
    return this.registrarCseId;
  }

  /** Registers (once); on failure logs and retries in the background. Resolves after the first attempt. */
  async register(): Promise<boolean> {
    const cse = this.cse;
    const response = await this.registree.send({
      op: 1,
      ty: 16,
      to: this.registrarCseId ?? '-',
      fr: cse.cseId,
      rqi: cse.nextRequestId(),
      rvi: '3',
      pc: { 'm2m:csr': { csi: cse.cseId, cb: `${cse.cseId}/${cse.cseName}`, cst: cse.cseType, rr: true, srv: SUPPORTED_RELEASES, poa: cse.pointOfAccess } },
    });
    const rsc = response?.rsc;
    if (rsc === ResponseStatusCode.CREATED || rsc === ResponseStatusCode.ORIGINATOR_HAS_ALREADY_REGISTERED || rsc === ResponseStatusCode.CONFLICT) {
      this.registered = true;
      await this.learnRegistrarCseId(response!);
      cse.log.info(`registered with ${this.url} (${this.registrarCseId ?? 'CSE-ID unknown'})`);
      return true;
    }
    cse.log.warn(`registration with ${this.url} failed (${rsc ?? 'no response'}: ${String(response?.pc?.['m2m:dbg'] ?? '')}); retrying`);
    if (!this.closed) {
      this.retryTimer = setTimeout(() => void this.register(), RETRY_DELAY_MS);
      this.retryTimer.unref();
    }
    return false;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    await this.registree.close();
  }

  /** From the response's `fr`, else by retrieving the registrar's CSEBase. */
  private async learnRegistrarCseId(response: ResponsePrimitive): Promise<void> {
    if (this.registrarCseId !== undefined) return;
    if (typeof response.fr === 'string' && response.fr.startsWith('/')) {
      this.registrarCseId = response.fr;
      return;
    }
    const cb = await this.registree.send({ op: 2, to: '-', fr: this.cse.cseId, rqi: this.cse.nextRequestId(), rvi: '3' });
    const csi = cb?.pc?.['m2m:cb']?.csi;
    if (typeof csi === 'string') this.registrarCseId = csi;
  }
}
