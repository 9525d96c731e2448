/**
 * Turns a decoded tree (the JSON data model, from any of the three codecs) into a validated
 * request or response primitive, in place: no copy is made, stringified numbers and booleans in
 * primitive parameters are converted (ACME's leniency, reference §9.3), everything unknown is kept.
 *
 * Rules (reference §1, §2): request ⇔ `op`, response ⇔ `rsc`; mandatory parameters per
 * operation; `ty` only in CREATE; `fr` optional only for AE CREATE; value ranges for `op`,
 * `rt.rtv`, `rcn` per operation; `pc` has exactly one member; `rvi` is a string.
 */
import { failure, InvalidPrimitive, type DecodeResult } from './errors.js';
import { Operation, type RequestPrimitive, type ResponsePrimitive } from './model.js';
import type { ResolvedDecodeOptions } from './options.js';
import { isValidResponseStatusCode, ResponseStatusCode } from './status.js';

type Params = Record<string, unknown>;
type ParamCheck = (params: Params, name: string) => void;

// ---------------------------------------------------------------------------------------------
// Scalar readers. Each one validates `params[name]`, converting a stringified value in place.

/** Decimal integer text, no sign games, no exponent: "0", "-12", "2001". Linear, no regex. */
export function parseIntegerText(text: string): number | undefined {
  const length = text.length;
  if (length === 0 || length > 16) return undefined;
  let i = text.charCodeAt(0) === 45 /* - */ ? 1 : 0;
  if (i === length) return undefined;
  for (; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
  }
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : undefined;
}

function integerParam(params: Params, name: string): number {
  const value = params[name];
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value)) return value;
  } else if (typeof value === 'string') {
    const parsed = parseIntegerText(value);
    if (parsed !== undefined) {
      params[name] = parsed;
      return parsed;
    }
  }
  throw new InvalidPrimitive(`${name}: expected an integer, got ${describe(value)}`);
}

const checkBoolean: ParamCheck = (params, name) => {
  const value = params[name];
  if (typeof value === 'boolean') return;
  if (value === 'true' || value === 'false') {
    params[name] = value === 'true';
    return;
  }
  throw new InvalidPrimitive(`${name}: expected a boolean, got ${describe(value)}`);
};

const checkString: ParamCheck = (params, name) => {
  if (typeof params[name] !== 'string') {
    throw new InvalidPrimitive(`${name}: expected a string, got ${describe(params[name])}`);
  }
};

const checkStringList: ParamCheck = (params, name) => {
  const value = params[name];
  if (!Array.isArray(value)) throw new InvalidPrimitive(`${name}: expected a list of strings`);
  for (let i = 0; i < value.length; i++) {
    if (typeof value[i] !== 'string') throw new InvalidPrimitive(`${name}: expected a list of strings`);
  }
};

/** m2m:absRelTimestamp: a timestamp string, or relative milliseconds (number or digit string). */
const checkAbsRelTimestamp: ParamCheck = (params, name) => {
  const value = params[name];
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value)) return;
  } else if (typeof value === 'string' && value.length > 0) {
    const relative = parseIntegerText(value);
    if (relative !== undefined) params[name] = relative;
    return;
  }
  throw new InvalidPrimitive(`${name}: expected a timestamp or relative time, got ${describe(value)}`);
};

const checkObject: ParamCheck = (params, name) => {
  if (!isPlainObject(params[name])) throw new InvalidPrimitive(`${name}: expected an object`);
};

const checkContent: ParamCheck = (params, name) => {
  const content = params[name];
  if (!isPlainObject(content)) throw new InvalidPrimitive('pc: expected an object with one member');
  let members = 0;
  for (const _ in content) members++;
  if (members !== 1) throw new InvalidPrimitive(`pc: expected exactly one member, got ${members}`);
};

const checkResponseType: ParamCheck = (params, name) => {
  const rt = params[name];
  if (!isPlainObject(rt)) throw new InvalidPrimitive('rt: expected an object {rtv, nu?}');
  if (rt.rtv === undefined) throw new InvalidPrimitive('rt.rtv: missing');
  const rtv = integerParam(rt, 'rtv');
  if (rtv < 1 || rtv > 5) throw new InvalidPrimitive(`rt.rtv: expected 1..5, got ${rtv}`);
  if (rt.nu !== undefined) {
    checkStringList(rt, 'nu');
    if (rtv !== 2) throw new InvalidPrimitive('rt.nu: only allowed with rtv 2 (nonBlockingRequestAsynch)');
  }
};

// ---------------------------------------------------------------------------------------------
// Parameter tables (reference §1.1 and §2.1), as switches: the hot path of every decode.
// Unknown names are kept unchecked.

function checkRequestParam(params: Params, name: string): void {
  switch (name) {
    case 'op': case 'ty': case 'rcn': case 'ec': case 'drt':
      integerParam(params, name); return;
    case 'to': case 'fr': case 'rqi': case 'ot': case 'gid': case 'rvi': case 'vsi':
      return checkString(params, name);
    case 'pc': return checkContent(params, name);
    case 'rqet': case 'rset': case 'oet': case 'rp':
      return checkAbsRelTimestamp(params, name);
    case 'rt': return checkResponseType(params, name);
    case 'fc': return checkObject(params, name);
    case 'da': case 'tqi': case 'asi': case 'auri': case 'sqi':
      return checkBoolean(params, name);
    case 'rids': case 'tkns': case 'tids': case 'ltids': case 'grtm': case 'aus':
      return checkStringList(params, name);
  }
}

function checkResponseParam(params: Params, name: string): void {
  switch (name) {
    case 'rsc': case 'ec': case 'cnst': case 'cnot':
      integerParam(params, name); return;
    case 'rqi': case 'to': case 'fr': case 'ot': case 'rvi': case 'vsi':
      return checkString(params, name);
    case 'pc': return checkContent(params, name);
    case 'rset': return checkAbsRelTimestamp(params, name);
    case 'ati': case 'tqf': return checkObject(params, name);
    case 'asri': return checkBoolean(params, name);
  }
}

/** Result content values allowed per operation (TS-0001 Table 8.1.2-1; 11/12 are Release 4+). */
const RESULT_CONTENT_BY_OPERATION: ReadonlyMap<number, ReadonlySet<number>> = new Map([
  [Operation.CREATE, new Set([0, 1, 2, 3, 9])],
  [Operation.RETRIEVE, new Set([1, 4, 5, 6, 7, 8, 10, 11, 12])],
  [Operation.UPDATE, new Set([0, 1, 9])],
  [Operation.DELETE, new Set([0, 1, 4, 5, 6, 8])],
]);

// ---------------------------------------------------------------------------------------------
// Entry point

/** Validate a decoded JSON/CBOR tree as a primitive, unwrapping the Release-2 form. Never throws. */
export function toPrimitive(tree: unknown, options: ResolvedDecodeOptions): DecodeResult {
  if (!isPlainObject(tree)) return failure('primitive: expected an object');
  if (tree.op === undefined && tree.rsc === undefined && options.acceptWrapped) {
    const wrapper = soleWrapper(tree);
    if (wrapper !== undefined) {
      const inner = tree[wrapper];
      if (!isPlainObject(inner)) return failure(`${wrapper}: expected an object`);
      return validateTree(inner, wrapper, options);
    }
  }
  return validateTree(tree, undefined, options);
}

/**
 * Validate primitive parameters; `declaredAs` is the XML root or JSON wrapper when there was
 * one, and must agree with op/rsc. Never throws.
 */
export function validateTree(params: Params, declaredAs: 'm2m:rqp' | 'm2m:rsp' | undefined, options: ResolvedDecodeOptions): DecodeResult {
  try {
    return classifyAndValidate(params, declaredAs, options);
  } catch (e) {
    if (e instanceof InvalidPrimitive) return failure(e.message, recoverRqi(params), e.rsc);
    return failure('primitive: invalid', recoverRqi(params));
  }
}

function classifyAndValidate(params: Params, wrapper: string | undefined, options: ResolvedDecodeOptions): DecodeResult {
  const hasOp = params.op !== undefined;
  const hasRsc = params.rsc !== undefined;
  if (hasOp && hasRsc) throw new InvalidPrimitive('primitive has both op and rsc');
  if (hasOp) {
    if (wrapper === 'm2m:rsp') throw new InvalidPrimitive('m2m:rsp wraps a request');
    return { ok: true, kind: 'request', primitive: validateRequest(params, options) };
  }
  if (hasRsc) {
    if (wrapper === 'm2m:rqp') throw new InvalidPrimitive('m2m:rqp wraps a response');
    return { ok: true, kind: 'response', primitive: validateResponse(params, options) };
  }
  throw new InvalidPrimitive('primitive has neither op (request) nor rsc (response)');
}

/** Validate a request in place. Throws InvalidPrimitive. */
export function validateRequest(params: Params, options: ResolvedDecodeOptions): RequestPrimitive {
  for (const name in params) checkRequestParam(params, name);
  const op = params.op as number;
  if (op < Operation.CREATE || op > Operation.NOTIFY) throw new InvalidPrimitive(`op: expected 1..5, got ${op}`);
  requireParam(params, 'to');
  requireParam(params, 'rqi');
  if (op === Operation.CREATE) {
    requireParam(params, 'ty');
    if (params.fc !== undefined) throw new InvalidPrimitive('fc: not allowed in CREATE');
  } else if (params.ty !== undefined) {
    throw new InvalidPrimitive('ty: only allowed in CREATE');
  }
  const registersAe = op === Operation.CREATE && params.ty === 2;
  if (!registersAe) requireParam(params, 'fr');
  if (op === Operation.CREATE || op === Operation.UPDATE || op === Operation.NOTIFY) requireParam(params, 'pc');
  if (params.rcn !== undefined) checkResultContent(params.rcn as number, op, options);
  checkReleaseVersion(params, options);
  return params as RequestPrimitive;
}

/** Validate a response in place. Throws InvalidPrimitive. */
export function validateResponse(params: Params, options: ResolvedDecodeOptions): ResponsePrimitive {
  for (const name in params) checkResponseParam(params, name);
  if (!isValidResponseStatusCode(params.rsc as number)) {
    throw new InvalidPrimitive(`rsc: ${String(params.rsc)} is not a response status code`);
  }
  requireParam(params, 'rqi');
  checkReleaseVersion(params, options);
  return params as ResponsePrimitive;
}

function checkResultContent(rcn: number, op: number, options: ResolvedDecodeOptions): void {
  if (options.resultContentCheck === 'range') {
    if (rcn < 0 || rcn > 12) throw new InvalidPrimitive(`rcn: expected 0..12, got ${rcn}`);
    return;
  }
  const allowed = RESULT_CONTENT_BY_OPERATION.get(op);
  if (allowed === undefined || !allowed.has(rcn)) throw new InvalidPrimitive(`rcn: ${rcn} not allowed for op ${op}`);
}

function requireParam(params: Params, name: string): void {
  if (params[name] === undefined) throw new InvalidPrimitive(`${name}: missing`);
}

function checkReleaseVersion(params: Params, options: ResolvedDecodeOptions): void {
  const rvi = params.rvi as string | undefined;
  if (rvi === undefined) {
    if (options.requireRvi) throw new InvalidPrimitive('rvi: missing', ResponseStatusCode.RELEASE_VERSION_NOT_SUPPORTED);
    return;
  }
  if (options.supportedReleases !== undefined && !options.supportedReleases.has(rvi)) {
    throw new InvalidPrimitive(`rvi: release ${rvi.slice(0, 16)} not supported`, ResponseStatusCode.RELEASE_VERSION_NOT_SUPPORTED);
  }
}

/** The wrapper name when `params` has exactly one member and it is `m2m:rqp` or `m2m:rsp`. */
function soleWrapper(params: Params): 'm2m:rqp' | 'm2m:rsp' | undefined {
  let only: string | undefined;
  for (const name in params) {
    if (only !== undefined) return undefined;
    only = name;
  }
  return only === 'm2m:rqp' || only === 'm2m:rsp' ? only : undefined;
}

export function recoverRqi(params: Params): string | undefined {
  const rqi = params.rqi;
  return typeof rqi === 'string' ? rqi : undefined;
}

export function isPlainObject(value: unknown): value is Params {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return JSON.stringify(value.length > 32 ? `${value.slice(0, 32)}…` : value);
  if (typeof value === 'object') return 'an object';
  return String(value);
}
