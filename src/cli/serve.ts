/**
 * `onem2m-ws serve`: the main job. Until the reference CSE lands this starts the echo server on
 * the CSE's default address, so `npm start` always runs something a client can talk to.
 */
import type { Logger } from '../binding/log.js';
import { runEchoServer } from './echo.js';

export interface ServeOptions {
  host?: string | undefined;
  port?: number | undefined;
  cseId?: string | undefined;
  cseName?: string | undefined;
  dataDir?: string | null | undefined;
  tlsPort?: number | undefined;
  cert?: Buffer | undefined;
  key?: Buffer | undefined;
  ca?: Buffer | undefined;
  requireClientCert: boolean;
  psk?: Map<string, Buffer> | undefined;
  registrarUrl?: string | undefined;
  deflate: boolean;
  logger: Logger;
}

export async function runServe(options: ServeOptions): Promise<number> {
  await runEchoServer({ host: options.host ?? '127.0.0.1', port: options.port ?? 8180, deflate: options.deflate, logger: options.logger });
  return -1;
}
