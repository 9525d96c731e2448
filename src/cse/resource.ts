/**
 * The stored form of a resource: its JSON representation with short names (reference §6),
 * exactly what a retrieve with rcn 1 returns, minus values computed on demand (container
 * `cni`/`cbs`). Only attributes a type declares are ever copied in from a request, so no
 * member name comes from a peer unchecked.
 */
import type { JsonValue } from '../primitives/index.js';

export interface Resource {
  ty: number;
  ri: string;
  rn: string;
  /** Parent's `ri`; absent for the CSEBase. */
  pi?: string;
  ct: string;
  lt: string;
  [attribute: string]: JsonValue | undefined;
}

/** When an attribute may be given (reference §6.3: M mandatory, O optional, NP not permitted). */
export type Presence = 'M' | 'O' | 'NP';

export interface AttributeRule {
  create: Presence;
  update: Presence;
  /** Is the value well-formed? (The type is checked; a null in an update means "remove".) */
  valid: (value: JsonValue) => boolean;
}

export const isString = (v: JsonValue): boolean => typeof v === 'string';
export const isBoolean = (v: JsonValue): boolean => typeof v === 'boolean';
export const isNonNegativeInteger = (v: JsonValue): boolean => typeof v === 'number' && Number.isInteger(v) && v >= 0;
export const isStringList = (v: JsonValue): boolean => Array.isArray(v) && v.every((item) => typeof item === 'string');
export const isObject = (v: JsonValue): boolean => typeof v === 'object' && v !== null && !Array.isArray(v);
export const isAny = (): boolean => true;

export function rule(create: Presence, update: Presence, valid: (value: JsonValue) => boolean): AttributeRule {
  return { create, update, valid };
}

/** Universal and common attributes a request may set on every type we host (reference §6.2). */
export const COMMON_ATTRIBUTES: ReadonlyArray<[string, AttributeRule]> = [
  ['rn', rule('O', 'NP', isString)],
  ['lbl', rule('O', 'O', isStringList)],
  ['et', rule('O', 'O', isString)],
  ['acpi', rule('O', 'O', isStringList)],
];
