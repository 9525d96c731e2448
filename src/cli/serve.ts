/**
 * `onem2m-ws serve`: the main job, the reference CSE. With no options it is an IN-CSE (`/id-in`,
 * `cse-in`) on ws://127.0.0.1:8180 speaking JSON, XML and CBOR with compression on, keeping its
 * state in ./data.
 */
import type { Logger } from '../binding/log.js';
import { startCse } from '../cse/index.js';

export interface ServeOptions {
  host?: string | undefined;
  port?: number | undefined;
  cseId?: string | undefined;
  cseName?: string | undefined;
  /** undefined: the default directory; null: in memory. */
  dataDir?: string | null | undefined;
  tlsPort?: number | undefined;
  cert?: Buffer | undefined;
  key?: Buffer | undefined;
  ca?: Buffer | undefined;
  requireClientCert: boolean;
  psk?: Map<string, Buffer> | undefined;
  registrarUrl?: string | undefined;
  originatorTrust?: 'claimed' | 'tls' | undefined;
  deflate: boolean;
  logger: Logger;
}

export async function runServe(options: ServeOptions): Promise<number> {
  const log = options.logger;
  const tls =
    options.tlsPort !== undefined && options.cert !== undefined && options.key !== undefined
      ? { port: options.tlsPort, cert: options.cert, key: options.key, ca: options.ca, requestCert: options.requireClientCert }
      : undefined;
  const cse = await startCse({
    host: options.host,
    port: options.port,
    cseId: options.cseId,
    cseName: options.cseName,
    dataDir: options.dataDir,
    tls,
    pskIdentities: options.psk,
    registrarUrl: options.registrarUrl,
    originatorTrust: options.originatorTrust,
    perMessageDeflate: options.deflate,
    logger: log,
  });
  log.info(`ready: ${cse.cseId} (${cse.cseName}) at ${cse.urls.join(', ')}`);
  const stop = (signal: string): void => {
    log.info(`${signal}: shutting down`);
    cse.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  return -1; // keeps running
}
