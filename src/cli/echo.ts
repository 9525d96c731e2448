/**
 * Echo server and client for conformance work (e.g. against Autobahn or `ws`): every message
 * goes back as it came, text as text and binary as binary.
 */
import { connect } from '../ws/client.js';
import { createServer } from '../ws/server.js';
import type { WebSocket } from '../ws/connection.js';
import type { Logger } from '../binding/log.js';

export interface EchoServerOptions {
  port: number;
  host: string;
  maxMessageSize?: number | undefined;
  deflate: boolean;
  logger: Logger;
}

export async function runEchoServer(options: EchoServerOptions): Promise<void> {
  const log = options.logger;
  const server = createServer({ maxMessageSize: options.maxMessageSize, perMessageDeflate: options.deflate });
  server.on('connection', (ws, request) => {
    const peer = request.remoteAddress ?? '?';
    log.info(`connection from ${peer} protocol=${ws.protocol || '-'} extensions=${ws.extensions || '-'}`);
    echo(ws);
    ws.on('close', (code, reason, error) => {
      if (error !== undefined) log.warn(`closed ${peer}: ${code} ${reason || error.message}`);
      else log.info(`closed ${peer}: ${code}${reason ? ` ${reason}` : ''}`);
    });
  });
  server.on('handshakeError', (err, peer) => log.warn(`handshake refused from ${peer ?? '?'}: ${err.message}`));
  const address = await server.listen(options.port, options.host);
  log.info(`echo server listening on ws://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`);
  const stop = (): void => {
    log.info('shutting down');
    void server.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

export interface EchoClientOptions {
  url: string;
  protocols: string[];
  deflate: boolean;
  logger: Logger;
}

/** Connects and echoes until the peer closes; resolves to the exit status. */
export async function runEchoClient(options: EchoClientOptions): Promise<number> {
  const log = options.logger;
  const ws = await connect(options.url, { protocols: options.protocols, perMessageDeflate: options.deflate });
  log.info(`connected to ${options.url} protocol=${ws.protocol || '-'} extensions=${ws.extensions || '-'}`);
  echo(ws);
  return new Promise((resolve) => {
    ws.on('close', (code, reason, error) => {
      log.info(`closed: ${code}${reason ? ` ${reason}` : ''}${error ? ` (${error.message})` : ''}`);
      resolve(error === undefined ? 0 : 1);
    });
  });
}

/** Sends each message back with its own frame type; pauses reading while the peer is slow. */
function echo(ws: WebSocket): void {
  ws.on('message', (data, isBinary) => {
    if (ws.readyState !== 'open') return;
    ws.send(data, { binary: isBinary });
  });
}
