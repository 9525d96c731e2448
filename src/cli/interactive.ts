/**
 * `onem2m-ws connect URL`: a live connection for people. Each line typed (or piped) is a request
 * primitive in JSON; its response is printed. Requests from the other side (notifications) are
 * printed as they come and answered 2000. `--register API` registers an AE first.
 */
import { createInterface } from 'node:readline';
import { Registree } from '../binding/registree.js';
import type { Logger } from '../binding/log.js';
import type { RequestPrimitive, ResponsePrimitive, Serialization } from '../primitives/index.js';
import { InputError, parseRequest } from './primitive-input.js';

export interface InteractiveOptions {
  url: string;
  format: Serialization;
  from?: string | undefined;
  register?: string | undefined;
  /** Where the AE registers (default cse-in). */
  registerTo?: string | undefined;
  deflate: boolean;
  insecure: boolean;
  ca?: Buffer | undefined;
  cert?: Buffer | undefined;
  key?: Buffer | undefined;
  logger: Logger;
  input: NodeJS.ReadableStream;
  out: (text: string) => void;
}

export async function runInteractive(options: InteractiveOptions): Promise<number> {
  const { out } = options;
  const registree = new Registree({
    url: options.url,
    serializations: [options.format],
    originator: options.from,
    persistent: true,
    perMessageDeflate: options.deflate,
    tls: { rejectUnauthorized: !options.insecure, ca: options.ca, cert: options.cert, key: options.key },
    logger: options.logger,
    handler: (request: RequestPrimitive): ResponsePrimitive => {
      out(`<< ${JSON.stringify(request)}\n`);
      return { rsc: 2000, rqi: request.rqi };
    },
  });
  await registree.open();
  out(`connected to ${options.url} (${registree.connection?.ws.protocol ?? '?'}); type a request primitive as JSON per line, .quit to leave\n`);

  if (options.register !== undefined) {
    const response = await registree.send({
      op: 1,
      to: options.registerTo ?? 'cse-in',
      fr: options.from ?? 'C',
      rqi: `reg-${Date.now()}`,
      rvi: '3',
      ty: 2,
      pc: { 'm2m:ae': { api: options.register, rr: true, srv: ['3'] } },
    } as RequestPrimitive);
    out(`>> ${JSON.stringify(response)}\n`);
    if (registree.originator !== undefined) out(`registered as ${registree.originator}\n`);
  }

  const lines = createInterface({ input: options.input, terminal: false });
  for await (const raw of lines) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (line === '.quit' || line === '.exit') break;
    let request: RequestPrimitive;
    try {
      request = parseRequest(line, { from: registree.originator ?? options.from });
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      out(`!! ${err.message}\n`);
      continue;
    }
    const response = await registree.send(request);
    out(`>> ${JSON.stringify(response)}\n`);
  }
  await registree.close();
  return 0;
}
