/**
 * `onem2m-ws send URL PRIMITIVE`: one request over a fresh connection, the response printed as
 * JSON (as `curl` is for HTTP). Exit status 0 for a 1xxx/2xxx response.
 */
import { Registree } from '../binding/registree.js';
import type { Logger } from '../binding/log.js';
import type { Serialization } from '../primitives/index.js';
import { parseRequest, readArgument } from './primitive-input.js';

export interface SendOptions {
  url: string;
  primitive: string;
  format: Serialization;
  from?: string | undefined;
  release2: boolean;
  timeout: number;
  deflate: boolean;
  insecure: boolean;
  ca?: Buffer | undefined;
  cert?: Buffer | undefined;
  key?: Buffer | undefined;
  logger: Logger;
  out: (text: string) => void;
}

export async function runSend(options: SendOptions): Promise<number> {
  const request = parseRequest(readArgument(options.primitive), { from: options.from });
  const registree = new Registree({
    url: options.url,
    serializations: [options.format],
    release2: options.release2,
    originator: options.from,
    requestTimeout: options.timeout,
    perMessageDeflate: options.deflate,
    tls: { rejectUnauthorized: !options.insecure, ca: options.ca, cert: options.cert, key: options.key },
    connection: { pingInterval: 0 },
    logger: options.logger,
  });
  try {
    const response = await registree.send(request);
    if (response === null) {
      options.out('null\n');
      return 0;
    }
    options.out(`${JSON.stringify(response, null, 2)}\n`);
    return response.rsc < 3000 ? 0 : 1;
  } finally {
    await registree.close();
  }
}
