/**
 * Mcc' between IN-CSEs of different service providers (TS-0020 clause 5.2): each IN-CSE is
 * both WebSocket client and server towards its peers, yet "there exists a maximum of one
 * WebSocket connection between two nodes".
 *
 * `Peering` keeps one connection per peer CSE whichever side opened it. A request to a peer
 * goes over the inbound connection the peer opened (associated by the registrar) or over our
 * own outbound one, dialled on demand. When both exist (both sides dialled at once), the
 * connection dialled by the CSE with the smaller CSE-ID survives: both sides apply the same
 * rule to the same pair of IDs, and the CSE with the larger ID closes its own dial once no
 * request is outstanding on it.
 */
import { EventEmitter } from 'node:events';
import { ResponseStatusCode, type RequestPrimitive, type ResponsePrimitive } from '../primitives/index.js';
import { isLocalResponse, localResponse, type RequestHandler } from './endpoint.js';
import { silentLogger, type Logger } from './log.js';
import type { Registrar } from './registrar.js';
import { Registree, type RegistreeOptions } from './registree.js';

export interface PeeringOptions {
  /** Our CSE-ID, e.g. `/id-in-a`. */
  localCseId: string;
  /** The registrar (our WebSocket server) that peers dial into. */
  registrar: Registrar;
  /** Peer CSE-IDs and their points of access (`ws://...` / `wss://...`). */
  peers: ReadonlyMap<string, string>;
  /** Answers requests a peer sends over our outbound connection (inbound ones go to the registrar's handler). */
  handler: RequestHandler;
  /** Options for our outbound connections (TLS, proxy, serializations ...). */
  registree?: Omit<RegistreeOptions, 'url' | 'originator' | 'handler' | 'persistent'>;
  logger?: Logger;
}

export interface PeeringEvents {
  /** Our own duplicate connection to `peer` is being closed by the tie-break. */
  duplicateClosed: [peer: string, which: 'outbound'];
}

export class Peering extends EventEmitter<PeeringEvents> {
  private readonly options: PeeringOptions;
  private readonly log: Logger;
  private readonly outbound = new Map<string, Registree>();

  constructor(options: PeeringOptions) {
    super();
    this.options = options;
    this.log = options.logger ?? silentLogger;
    options.registrar.on('associated', (_connection, id) => {
      if (this.options.peers.has(id)) this.resolveDuplicate(id);
    });
  }

  /** True for a configured peer CSE-ID (hosts use it in `isRegistered`). */
  isPeer(cseId: string): boolean {
    return this.options.peers.has(cseId);
  }

  /** Sends a request to a peer over the one connection between us, dialling if there is none. */
  async send(peer: string, request: RequestPrimitive): Promise<ResponsePrimitive | null> {
    const inbound = this.options.registrar.connectionOf(peer);
    const inboundOpen = inbound !== undefined && inbound.endpoint.isOpen;
    const outbound = this.outbound.get(peer)?.connection ?? null;
    // With both open, use the one the tie-break keeps; the other is closing.
    if (inboundOpen && (outbound === null || !this.weKeepOurs(peer))) return inbound.endpoint.request(request);
    const registree = this.registreeFor(peer);
    if (registree === undefined) return localResponse(ResponseStatusCode.TARGET_NOT_REACHABLE, request.rqi, `${peer} is not a configured peer`);
    const response = await registree.send(request);
    // Our dial lost the tie-break before the request went out: use the peer's connection.
    const now = this.options.registrar.connectionOf(peer);
    if (isLocalResponse(response) && response!.rsc === ResponseStatusCode.TARGET_NOT_REACHABLE && now !== undefined && now.endpoint.isOpen) {
      return now.endpoint.request(request);
    }
    return response;
  }

  /** Whether a connection to the peer is open, and which side opened it. */
  connectionTo(peer: string): 'inbound' | 'outbound' | null {
    const inbound = this.options.registrar.connectionOf(peer);
    if (inbound !== undefined && inbound.endpoint.isOpen) return 'inbound';
    return this.outbound.get(peer)?.state === 'open' ? 'outbound' : null;
  }

  async close(): Promise<void> {
    await Promise.all([...this.outbound.values()].map((r) => r.close(1001, 'Shutting down')));
    this.outbound.clear();
  }

  private registreeFor(peer: string): Registree | undefined {
    let registree = this.outbound.get(peer);
    if (registree !== undefined) return registree;
    const url = this.options.peers.get(peer);
    if (url === undefined) return undefined;
    registree = new Registree({
      ...this.options.registree,
      url,
      originator: this.options.localCseId,
      handler: this.options.handler,
      logger: this.log,
    });
    // Checked on the next turn, so that a request that caused the dial is on the wire (and
    // counted as outstanding) before the tie-break may close this connection.
    registree.on('open', () => setImmediate(() => this.resolveDuplicate(peer)));
    this.outbound.set(peer, registree);
    return registree;
  }

  /** The connection dialled by the smaller CSE-ID survives (both sides agree on it). */
  private weKeepOurs(peer: string): boolean {
    return this.options.localCseId < peer;
  }

  /**
   * Both an inbound and an outbound connection to `peer`. Only the side whose own dial loses
   * closes it (as its client, once idle): closing the other side's dial could cut a request the
   * peer has already sent on it. The winner simply stops using the inbound connection.
   */
  private resolveDuplicate(peer: string): void {
    const inbound = this.options.registrar.connectionOf(peer);
    const outbound = this.outbound.get(peer)?.connection ?? null;
    if (inbound === undefined || !inbound.endpoint.isOpen || outbound === null) return;
    if (this.weKeepOurs(peer)) {
      this.log.info(`Mcc' to ${peer}: duplicate connection; ours is kept, the peer closes its own`);
      return;
    }
    this.log.info(`Mcc' to ${peer}: duplicate connection; closing ours, theirs is kept`);
    const close = (): void => outbound.close(1000, "Duplicate Mcc' connection");
    if (outbound.outstanding === 0) close();
    else outbound.once('idle', close);
    this.emit('duplicateClosed', peer, 'outbound');
  }
}
