/**
 * XML decoder (TS-0004 §8.3): saxes events straight into the JSON-shaped model, typed by the
 * schema table so that XML decodes to the same model as JSON.
 *
 * Safety: a DOCTYPE (and with it any entity declaration) is refused, so entity-expansion bombs
 * cannot start; saxes itself knows only the five predefined entities and character references.
 * Depth and element/attribute counts are bounded; objects are built so that an element or
 * attribute named `__proto__` stays a plain member.
 */
import { SaxesParser, type SaxesAttributeNS, type SaxesTagNS } from 'saxes';
import { describeThrown, failure, InvalidPrimitive, type DecodeResult } from './errors.js';
import { resolveDecodeOptions, type DecodeOptions, type ResolvedDecodeOptions } from './options.js';
import { elementInfo, isXmlAttribute, type ElementInfo, type ValueKind, UNKNOWN_ELEMENT } from './schema.js';
import { decodeTextPayload, scanXmlRqi } from './text.js';
import { validateTree } from './validate.js';

export const M2M_NAMESPACE = 'http://www.onem2m.org/xml/protocols';
const XSI_NAMESPACE = 'http://www.w3.org/2001/XMLSchema-instance';
const ROOT_INFO: ElementInfo = Object.freeze({ kind: 'object', repeated: false, simpleContent: false });

export function decodeXml(payload: Uint8Array, options?: DecodeOptions): DecodeResult {
  return decodeTextPayload(payload, options, decodeXmlResolved);
}

/** Decode XML that is already a string. */
export function decodeXmlText(text: string, options?: DecodeOptions): DecodeResult {
  return decodeXmlResolved(text, resolveDecodeOptions(options));
}

function decodeXmlResolved(text: string, resolved: ResolvedDecodeOptions): DecodeResult {
  let root: { name: string; value: Record<string, unknown> };
  try {
    root = parseDocument(text, resolved);
  } catch (e) {
    const message = e instanceof InvalidPrimitive ? e.message : `XML: ${describeThrown(e)}`;
    return failure(message, scanXmlRqi(text));
  }
  return validateTree(root.value, root.name === 'm2m:rqp' ? 'm2m:rqp' : 'm2m:rsp', resolved);
}

// ---------------------------------------------------------------------------------------------

interface Frame {
  readonly name: string;
  readonly info: ElementInfo;
  /** Members from attributes and child elements; created on the first one. */
  members: Record<string, unknown> | undefined;
  hasChildren: boolean;
  text: string;
}

function parseDocument(text: string, options: ResolvedDecodeOptions): { name: string; value: Record<string, unknown> } {
  const { maxDepth, maxNodes } = options.limits;
  const parser = new SaxesParser({ xmlns: true });
  const stack: Frame[] = [];
  let nodesLeft = maxNodes;
  let root: { name: string; value: Record<string, unknown> } | undefined;

  parser.on('error', (error) => { throw new InvalidPrimitive(`XML: ${error.message.slice(0, 200)}`); });
  parser.on('doctype', () => { throw new InvalidPrimitive('XML: DOCTYPE and entity declarations are not allowed'); });
  parser.on('text', (chunk) => { appendText(stack, chunk); });
  parser.on('cdata', (chunk) => { appendText(stack, chunk); });

  parser.on('opentag', (tag: SaxesTagNS) => {
    if (stack.length >= maxDepth) throw new InvalidPrimitive(`XML: nesting deeper than ${maxDepth}`);
    if (--nodesLeft < 0) throw new InvalidPrimitive('XML: too many elements');
    const parent = stack[stack.length - 1];
    let frame: Frame;
    if (parent === undefined) {
      if (tag.uri !== M2M_NAMESPACE || (tag.local !== 'rqp' && tag.local !== 'rsp')) {
        throw new InvalidPrimitive(`XML: root must be m2m:rqp or m2m:rsp in ${M2M_NAMESPACE}, got ${tag.name.slice(0, 64)}`);
      }
      frame = { name: `m2m:${tag.local}`, info: ROOT_INFO, members: undefined, hasChildren: false, text: '' };
    } else {
      parent.hasChildren = true;
      const name = memberName(tag);
      frame = { name, info: elementInfo(parent.name, name), members: undefined, hasChildren: false, text: '' };
    }
    for (const key in tag.attributes) {
      const attribute = tag.attributes[key]!;
      if (isNamespaceMarkup(attribute)) continue;
      if (--nodesLeft < 0) throw new InvalidPrimitive('XML: too many attributes');
      const attributeName = attribute.prefix === '' ? attribute.local : attribute.name;
      // Only what the encoder writes as an attribute is read as one (`rn` on resources, `nm`,
      // `typ`, `spty` on simple content), so whatever we accept we can write back.
      if (!isXmlAttribute(frame.name, attributeName, true)) throw new InvalidPrimitive(`XML: attribute ${attributeName} is not allowed on ${frame.name}`);
      const value = convertText(attribute.value, elementInfo(frame.name, attributeName).kind, attributeName);
      setMember(frame.members ??= {}, attributeName, value);
    }
    stack.push(frame);
  });

  parser.on('closetag', () => {
    const frame = stack.pop()!;
    const value = elementValue(frame);
    const parent = stack[stack.length - 1];
    if (parent === undefined) {
      if (value === null || typeof value !== 'object') throw new InvalidPrimitive(`XML: ${frame.name} is empty`);
      root = { name: frame.name, value: value as Record<string, unknown> };
    } else {
      addChild(parent.members ??= {}, frame.name, frame.info, value);
    }
  });

  parser.write(text).close();
  if (root === undefined) throw new InvalidPrimitive('XML: no root element');
  return root;
}

function appendText(stack: Frame[], chunk: string): void {
  const top = stack[stack.length - 1];
  if (top !== undefined) top.text += chunk;
}

/** Local elements are unprefixed; oneM2M globals become `m2m:<local>` whatever prefix the peer bound. */
function memberName(tag: SaxesTagNS): string {
  if (tag.prefix === '') return tag.local;
  return tag.uri === M2M_NAMESPACE ? `m2m:${tag.local}` : tag.name;
}

function isNamespaceMarkup(attribute: SaxesAttributeNS): boolean {
  return attribute.prefix === 'xmlns' || attribute.name === 'xmlns' || attribute.uri === XSI_NAMESPACE;
}

/** The model value of a finished element (reference §4.1 rules, read backwards). */
function elementValue(frame: Frame): unknown {
  const { members, info } = frame;
  if (frame.hasChildren) {
    if (!isXmlWhitespace(frame.text)) throw new InvalidPrimitive(`XML: ${frame.name} mixes text and elements`);
    return members;
  }
  if (members !== undefined) {
    // attributes only: simple content with attributes keeps its text in `val` (rule 11)
    if (info.simpleContent || !isXmlWhitespace(frame.text)) {
      setMember(members, 'val', convertText(frame.text, info.kind === 'object' ? 'string' : info.kind, frame.name));
    }
    return members;
  }
  if (frame.text.length === 0) return null; // empty element = NULL (delete in UPDATE)
  if (info.kind === 'object') {
    if (isXmlWhitespace(frame.text)) return null;
    throw new InvalidPrimitive(`XML: ${frame.name} must contain elements, not text`);
  }
  return convertText(frame.text, info.kind, frame.name);
}

function addChild(members: Record<string, unknown>, name: string, info: ElementInfo, value: unknown): void {
  if (info.repeated) {
    const existing = Object.hasOwn(members, name) ? members[name] : undefined;
    if (Array.isArray(existing)) existing.push(value);
    else setMember(members, name, [value]);
    return;
  }
  if (!Object.hasOwn(members, name)) {
    setMember(members, name, value);
    return;
  }
  // an unknown element seen twice is a repeated element; a known single one must not repeat
  if (info !== UNKNOWN_ELEMENT) throw new InvalidPrimitive(`XML: duplicate element ${name}`);
  const existing = members[name];
  if (Array.isArray(existing)) existing.push(value);
  else members[name] = [existing, value];
}

/** Assign an own member even when the name is `__proto__`. */
function setMember(members: Record<string, unknown>, name: string, value: unknown): void {
  if (name === '__proto__') {
    Object.defineProperty(members, name, { value, enumerable: true, writable: true, configurable: true });
  } else {
    members[name] = value;
  }
}

// ---------------------------------------------------------------------------------------------
// Text → typed values

function convertText(text: string, kind: ValueKind, name: string): unknown {
  switch (kind) {
    case 'string':
    case 'any':
    case 'object':
      return text;
    case 'number': return parseNumber(trimXml(text), name);
    case 'boolean': return parseBoolean(trimXml(text), name);
    case 'absRel': {
      const trimmed = trimXml(text);
      return isDigits(trimmed) ? parseNumber(trimmed, name) : trimmed;
    }
    case 'stringList': return splitList(text);
    case 'numberList': return splitList(text).map((item) => parseNumber(item, name));
  }
}

function parseBoolean(text: string, name: string): boolean {
  if (text === 'true' || text === '1') return true;
  if (text === 'false' || text === '0') return false;
  throw new InvalidPrimitive(`${name}: expected a boolean, got ${JSON.stringify(text.slice(0, 32))}`);
}

/** xs:decimal / xs:double lexical forms (no INF/NaN): [+-]digits[.digits][(e|E)[+-]digits]. */
function parseNumber(text: string, name: string): number {
  if (isNumberText(text)) {
    const value = Number(text);
    if (Number.isFinite(value)) return value;
  }
  throw new InvalidPrimitive(`${name}: expected a number, got ${JSON.stringify(text.slice(0, 32))}`);
}

function isNumberText(text: string): boolean {
  const length = text.length;
  let i = 0;
  if (i < length && (text.charCodeAt(i) === 43 || text.charCodeAt(i) === 45)) i++;
  const mantissaStart = i;
  while (i < length && isDigitCode(text.charCodeAt(i))) i++;
  let digits = i - mantissaStart;
  if (i < length && text.charCodeAt(i) === 46 /* . */) {
    i++;
    const fractionStart = i;
    while (i < length && isDigitCode(text.charCodeAt(i))) i++;
    digits += i - fractionStart;
  }
  if (digits === 0) return false;
  if (i < length && (text.charCodeAt(i) === 101 || text.charCodeAt(i) === 69)) {
    i++;
    if (i < length && (text.charCodeAt(i) === 43 || text.charCodeAt(i) === 45)) i++;
    const exponentStart = i;
    while (i < length && isDigitCode(text.charCodeAt(i))) i++;
    if (i === exponentStart) return false;
  }
  return i === length;
}

function isDigits(text: string): boolean {
  if (text.length === 0) return false;
  let i = text.charCodeAt(0) === 45 ? 1 : 0;
  if (i === text.length) return false;
  for (; i < text.length; i++) if (!isDigitCode(text.charCodeAt(i))) return false;
  return true;
}

function isDigitCode(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isXmlSpaceCode(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

function isXmlWhitespace(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (!isXmlSpaceCode(text.charCodeAt(i))) return false;
  return true;
}

function trimXml(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isXmlSpaceCode(text.charCodeAt(start))) start++;
  while (end > start && isXmlSpaceCode(text.charCodeAt(end - 1))) end--;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}

/** xs:list: items separated by runs of XML whitespace. */
function splitList(text: string): string[] {
  const items: string[] = [];
  let start = -1;
  for (let i = 0; i <= text.length; i++) {
    const atSpace = i === text.length || isXmlSpaceCode(text.charCodeAt(i));
    if (atSpace) {
      if (start >= 0) items.push(text.slice(start, i));
      start = -1;
    } else if (start < 0) {
      start = i;
    }
  }
  return items;
}
