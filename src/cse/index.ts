/**
 * The reference CSE (issue 6): a small, real oneM2M CSE on the TS-0020 binding. It uses the
 * binding only through `src/binding/index.ts`; nothing below it imports from here.
 * See docs/cse.md for the scope, the access rule, persistence and `to` resolution.
 */
import { createServer as createTlsServer, type Server as TlsServer, type TLSSocket, type TlsOptions } from 'node:tls';
import { join, resolve } from 'node:path';
import { FileStore, certificateName, pskIdentityOf, pskServerOptions, Registrar, silentLogger, type Logger, type PrimitiveStore } from '../binding/index.js';
import type { Serialization } from '../primitives/index.js';
import type { CseContext } from './context.js';
import { Forwarder } from './forwarding.js';
import { FileJournal, MemoryJournal, type Journal, type JournalRecord } from './journal.js';
import { Notifier } from './notifications.js';
import { cseBaseResource } from './resources/index.js';
import { Router, type Arrival } from './router.js';
import { ResourceTree } from './tree.js';
import { Uplink } from './uplink.js';
import { randomId } from './ids.js';

export interface CseOptions {
  /** Default '/id-in'. */
  cseId?: string;
  /** The CSEBase resource name; default 'cse-in'. */
  cseName?: string;
  /** Default '127.0.0.1'. */
  host?: string;
  /** ws:// listener; default 8180 (0 = any free port). */
  port?: number;
  /** Adds a wss:// listener. */
  tls?: { port: number; cert: Buffer; key: Buffer; ca?: Buffer; requestCert?: boolean };
  /** TLS-PSK on the wss listener (identity → key). */
  pskIdentities?: Map<string, Buffer>;
  /** When set, this CSE is an MN-CSE registered there. */
  registrarUrl?: string;
  /** The registrar's CSE-ID; learned from the registration response if absent. */
  registrarCseId?: string;
  /** Default 'data' (relative to cwd); null = in memory. */
  dataDir?: string | null;
  /** Default 'CAdmin'. */
  adminOriginator?: string;
  /** Default all three. */
  serializations?: Array<'json' | 'xml' | 'cbor'>;
  /** Default true. */
  perMessageDeflate?: boolean;
  /**
   * What may associate a connection with a registered originator (the registrar's option):
   * `'claimed'` (default) trusts `X-M2M-Origin` and `fr`; `'tls'` only a TLS client identity.
   */
  originatorTrust?: 'claimed' | 'tls';
  /** Default silent. */
  logger?: Logger;
}

export interface Cse {
  readonly cseId: string;
  readonly cseName: string;
  /** pointOfAccess: ws://host:port, wss://host:port. */
  readonly urls: string[];
  readonly registrar: Registrar;
  close(): Promise<void>;
}

export async function startCse(options: CseOptions = {}): Promise<Cse> {
  const cseId = options.cseId ?? '/id-in';
  const cseName = options.cseName ?? 'cse-in';
  if (!/^\/[A-Za-z0-9][A-Za-z0-9\-._~]*$/.test(cseId)) throw new TypeError(`cseId ${cseId} is not an SP-relative CSE-ID like /id-in`);
  if (!/^[A-Za-z0-9][A-Za-z0-9\-._~]*$/.test(cseName)) throw new TypeError(`cseName ${cseName} is not a valid resource name`);
  const host = options.host ?? '127.0.0.1';
  const log = options.logger ?? silentLogger;
  const dataDir = options.dataDir === null ? null : resolve(options.dataDir ?? 'data');

  // State: the resource journal and the buffered-primitive store.
  let journal: Journal = new MemoryJournal();
  let records: JournalRecord[] = [];
  let store: PrimitiveStore | undefined;
  if (dataDir !== null) {
    ({ journal, records } = FileJournal.open(dataDir, log));
    store = await FileStore.open(join(dataDir, 'buffer'));
  }
  const tree = new ResourceTree(journal);
  tree.replay(records);

  let requestCounter = 0;
  const requestPrefix = `${cseId.slice(1)}-${randomId(6)}`;
  const context = {
    cseId,
    cseName,
    cseType: options.registrarUrl !== undefined ? 2 : 1,
    adminOriginator: options.adminOriginator ?? 'CAdmin',
    tree,
    log,
    pointOfAccess: [] as string[],
    nextRequestId: () => `${requestPrefix}-${++requestCounter}`,
  } as Omit<CseContext, 'registrar' | 'notifier' | 'forwarder'> as CseContext;
  const router = new Router(context);
  const handle = (request: Parameters<Router['handle']>[0], arrival: Arrival) => router.handle(request, arrival);

  const registrar = new Registrar({
    handler: (request, { connection }) => handle(request, { from: connection.kind ?? 'unregistered' }),
    isRegistered: (originator) => originator === context.adminOriginator || tree.aeByAeId(originator) !== undefined || tree.remoteCseById(originator) !== undefined,
    serializations: (options.serializations ?? ['json', 'xml', 'cbor']) as Serialization[],
    ...(store !== undefined ? { store } : {}),
    server: { perMessageDeflate: options.perMessageDeflate ?? true },
    tlsIdentity: (socket: TLSSocket) => pskIdentityOf(socket) ?? certificateName(socket),
    originatorTrust: options.originatorTrust ?? 'claimed',
    logger: log,
  });
  Object.assign(context, { registrar, notifier: new Notifier(context), forwarder: new Forwarder(context) });

  // Listeners: ws:// always, wss:// when configured (its sockets go to the same registrar).
  const { port } = await registrar.listen(options.port ?? 8180, host);
  const urls = [`ws://${host}:${port}`];
  let tlsServer: TlsServer | null = null;
  if (options.tls !== undefined) {
    tlsServer = await listenTls(registrar, host, options.tls, options.pskIdentities, log);
    urls.push(`wss://${host}:${(tlsServer.address() as { port: number }).port}`);
  }
  context.pointOfAccess = urls;

  // The CSEBase: created at first start, its identity and poa refreshed at every start.
  tree.put(cseBaseResource(tree.root, { cseId, cseName, cseType: context.cseType, poa: urls }));

  let uplink: Uplink | null = null;
  if (options.registrarUrl !== undefined) {
    uplink = new Uplink(context, options.registrarUrl, options.registrarCseId, (request) => handle(request, { from: 'parent' }));
    context.forwarder.uplink = uplink.registree;
    await uplink.register();
  }
  log.info(`CSE ${cseId} (${cseName}, ${context.cseType === 1 ? 'IN' : 'MN'}-CSE) listening on ${urls.join(' ')}${dataDir !== null ? `, data in ${dataDir}` : ', in memory'}`);

  let closing: Promise<void> | null = null;
  return {
    cseId,
    cseName,
    urls,
    registrar,
    close() {
      closing ??= (async () => {
        await uplink?.close();
        await context.notifier.close();
        if (tlsServer !== null) await new Promise<void>((done) => tlsServer!.close(() => done()));
        await registrar.close();
        tree.close();
      })();
      return closing;
    },
  };
}

async function listenTls(registrar: Registrar, host: string, tls: NonNullable<CseOptions['tls']>, psk: Map<string, Buffer> | undefined, log: Logger): Promise<TlsServer> {
  const tlsOptions: TlsOptions = {
    cert: tls.cert,
    key: tls.key,
    ...(tls.ca !== undefined ? { ca: tls.ca } : {}),
    requestCert: tls.requestCert === true,
    rejectUnauthorized: tls.requestCert === true,
    ...(psk !== undefined ? pskServerOptions(psk) : {}),
  };
  const server = createTlsServer(tlsOptions, (socket) => registrar.server.handleSocket(socket));
  server.on('tlsClientError', (err, socket) => log.warn(`TLS refused from ${socket.remoteAddress ?? '?'}: ${err.message}`));
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(tls.port, host, () => {
      server.off('error', fail);
      done();
    });
  });
  return server;
}
