/**
 * Reading a request primitive from the command line: JSON text, `@file`, or `-` for stdin;
 * missing `rqi`, `rvi` and `fr` are filled in so a quick command stays short.
 */
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import type { RequestPrimitive } from '../primitives/index.js';

export class InputError extends Error {}

/** The text of `arg`: itself, the contents of `@file`, or stdin for `-`. */
export function readArgument(arg: string): string {
  if (arg === '-') return readFileSync(0, 'utf8');
  if (arg.startsWith('@')) {
    try {
      return readFileSync(arg.slice(1), 'utf8');
    } catch (err) {
      throw new InputError(`cannot read ${arg.slice(1)}: ${(err as Error).message}`);
    }
  }
  return arg;
}

/** Parses a request primitive written as JSON (bare or wrapped in `m2m:rqp`). */
export function parseRequest(text: string, defaults: { from?: string | undefined; rvi?: string }): RequestPrimitive {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new InputError(`the primitive is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InputError('the primitive must be a JSON object');
  let request = value as Record<string, unknown>;
  if (Object.keys(request).length === 1 && typeof request['m2m:rqp'] === 'object' && request['m2m:rqp'] !== null) {
    request = request['m2m:rqp'] as Record<string, unknown>;
  }
  if (typeof request.op !== 'number' && typeof request.op !== 'string') throw new InputError('the primitive needs "op" (1 create, 2 retrieve, 3 update, 4 delete, 5 notify)');
  if (typeof request.to !== 'string') throw new InputError('the primitive needs "to"');
  const filled: Record<string, unknown> = { ...request };
  filled.op = Number(request.op);
  if (filled.rqi === undefined) filled.rqi = randomUUID();
  if (filled.rvi === undefined) filled.rvi = defaults.rvi ?? '3';
  if (filled.fr === undefined && defaults.from !== undefined) filled.fr = defaults.from;
  return filled as unknown as RequestPrimitive;
}
