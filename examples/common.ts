/** Shared bits of the examples: command-line flags and readable printing. */
import { parseArgs } from 'node:util';
import type { primitives } from '../src/index.js';

type RequestPrimitive = primitives.RequestPrimitive;
type ResponsePrimitive = primitives.ResponsePrimitive;
export type Format = 'json' | 'xml' | 'cbor';

export interface Flags {
  url: string;
  format: Format;
  [name: string]: string | boolean | undefined;
}

export function flags(extra: Record<string, { type: 'string' | 'boolean'; default?: string | boolean }> = {}): Flags {
  const { values } = parseArgs({
    options: {
      url: { type: 'string', default: 'ws://127.0.0.1:8180' },
      format: { type: 'string', default: 'json' },
      ...extra,
    },
  });
  const format = values.format as string;
  if (format !== 'json' && format !== 'xml' && format !== 'cbor') throw new Error(`--format must be json, xml or cbor`);
  return { ...(values as Record<string, string | boolean | undefined>), url: values.url as string, format: format as Format };
}

let counter = 0;
/** A request identifier unique within this run. */
export function rqi(prefix = 'ex'): string {
  return `${prefix}-${process.pid}-${++counter}`;
}

/** Prints one request/response exchange; throws if the response is not what was expected. */
export function show(step: string, request: RequestPrimitive, response: ResponsePrimitive | null, expect: number[]): ResponsePrimitive {
  const rsc = response?.rsc;
  console.log(`${step}\n  → op=${request.op} to=${request.to} fr=${request.fr ?? '-'} rqi=${request.rqi}\n  ← rsc=${rsc ?? 'none'} ${JSON.stringify(response?.pc ?? {})}`);
  if (response === null || !expect.includes(response.rsc)) throw new Error(`${step}: expected ${expect.join(' or ')}, got ${rsc}`);
  return response;
}
