/**
 * XML writer (TS-0004 §8.3, reference §4): root m2m:rqp / m2m:rsp binding the m2m prefix,
 * unprefixed local elements, `rn` as an attribute of resource elements, xs:list values
 * space-separated in one element, maxOccurs>1 values as repeated elements, members in the
 * xs:sequence order of the schema table, text and attributes escaped.
 */
import { PrimitiveEncodeError } from './errors.js';
import type { Primitive } from './model.js';
import { elementInfo, isResourceRoot, isXmlAttribute, memberOrder, type ElementInfo } from './schema.js';
import { M2M_NAMESPACE } from './xml-decode.js';

const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';

export function encodeXml(primitive: Primitive): string {
  const root = Object.hasOwn(primitive, 'op') ? 'm2m:rqp' : 'm2m:rsp';
  const out: string[] = [XML_DECLARATION, `<${root} xmlns:m2m="${M2M_NAMESPACE}">`];
  writeMembers(out, root, primitive, false);
  out.push(`</${root}>`);
  return out.join('');
}

type Members = Record<string, unknown>;

/** Child elements of `element`, in schema order: known, unknown, `ch`, child resources. */
function writeMembers(out: string[], element: string, members: Members, simpleContent: boolean): void {
  const order = memberOrder(element);
  const known: [number, string][] = [];
  const unknown: string[] = [];
  const trailing: string[] = [];
  for (const name of Object.keys(members)) {
    if (members[name] === undefined || isXmlAttribute(element, name, simpleContent)) continue;
    if (simpleContent && name === 'val') continue;
    const position = order?.get(name);
    if (position !== undefined) known.push([position, name]);
    else if (name === 'ch' || isResourceRoot(name)) trailing.push(name);
    else unknown.push(name);
  }
  known.sort((a, b) => a[0] - b[0]);
  for (const [, name] of known) writeElement(out, element, name, members[name]);
  for (const name of unknown) writeElement(out, element, name, members[name]);
  trailing.sort((a, b) => (a === 'ch' ? -1 : b === 'ch' ? 1 : 0));
  for (const name of trailing) writeElement(out, element, name, members[name]);
}

function writeElement(out: string[], parent: string, name: string, value: unknown): void {
  checkElementName(name);
  const info = elementInfo(parent, name);
  if (Array.isArray(value)) {
    if (info.kind === 'stringList' || info.kind === 'numberList') {
      out.push(`<${name}>`, joinList(name, value), `</${name}>`);
    } else {
      for (const item of value) {
        if (Array.isArray(item)) throw new PrimitiveEncodeError(`XML: ${name} holds a list of lists`);
        writeSingle(out, name, info, item);
      }
    }
    return;
  }
  writeSingle(out, name, info, value);
}

function writeSingle(out: string[], name: string, info: ElementInfo, value: unknown): void {
  if (value === null || value === undefined) {
    out.push(`<${name}/>`);
    return;
  }
  if (typeof value === 'object') {
    const members = value as Members;
    out.push(`<${name}`);
    writeAttributes(out, name, members, info.simpleContent);
    out.push('>');
    if (info.simpleContent && members.val !== undefined && members.val !== null) out.push(escapeText(scalarText(name, members.val)));
    writeMembers(out, name, members, info.simpleContent);
    out.push(`</${name}>`);
    return;
  }
  out.push(`<${name}>`, escapeText(scalarText(name, value)), `</${name}>`);
}

function writeAttributes(out: string[], element: string, members: Members, simpleContent: boolean): void {
  for (const name of Object.keys(members)) {
    const value = members[name];
    if (value === undefined || !isXmlAttribute(element, name, simpleContent)) continue;
    out.push(` ${name}="`, escapeAttribute(scalarText(name, value)), '"');
  }
}

function joinList(name: string, items: readonly unknown[]): string {
  const texts: string[] = [];
  for (const item of items) {
    const text = scalarText(name, item);
    if (text.length === 0 || hasXmlSpace(text)) {
      throw new PrimitiveEncodeError(`XML: ${name} item ${JSON.stringify(text.slice(0, 32))} cannot be written in a space-separated list`);
    }
    texts.push(escapeText(text));
  }
  return texts.join(' ');
}

function scalarText(name: string, value: unknown): string {
  switch (typeof value) {
    case 'string': return value;
    case 'boolean': return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new PrimitiveEncodeError(`XML: ${name} is not a finite number`);
      return String(value);
    default:
      throw new PrimitiveEncodeError(`XML: ${name} cannot be written as text`);
  }
}

// ---------------------------------------------------------------------------------------------
// Names and escaping

const checkedNames = new Set<string>();
/** ASCII XML names with at most the m2m prefix (other prefixes would need namespace bindings). */
const ELEMENT_NAME = /^(?:m2m:)?[A-Za-z_][A-Za-z0-9._-]*$/;

function checkElementName(name: string): void {
  if (checkedNames.has(name)) return;
  if (!ELEMENT_NAME.test(name)) throw new PrimitiveEncodeError(`XML: ${JSON.stringify(name.slice(0, 64))} is not a writable element name`);
  if (checkedNames.size < 10_000) checkedNames.add(name);
}

/** Characters XML 1.0 cannot carry at all, even as character references. */
const FORBIDDEN_CHARACTER = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;
const SURROGATE = /[\uD800-\uDFFF]/;
const TEXT_SPECIAL = /[&<>\r]/;
const ATTRIBUTE_SPECIAL = /[&<>"\t\n\r]/;

function checkCharacters(text: string): void {
  if (FORBIDDEN_CHARACTER.test(text) || (SURROGATE.test(text) && hasLoneSurrogate(text))) {
    throw new PrimitiveEncodeError('XML: text contains a character XML 1.0 cannot represent');
  }
}

function hasLoneSurrogate(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    const next = text.charCodeAt(i + 1);
    if (c > 0xdbff || !(next >= 0xdc00 && next <= 0xdfff)) return true;
    i++;
  }
  return false;
}

function escapeText(text: string): string {
  checkCharacters(text);
  if (!TEXT_SPECIAL.test(text)) return text;
  return text.replace(/[&<>\r]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&#13;'));
}

function escapeAttribute(text: string): string {
  checkCharacters(text);
  if (!ATTRIBUTE_SPECIAL.test(text)) return text;
  return text.replace(/[&<>"\t\n\r]/g, (c) => ATTRIBUTE_ESCAPES.get(c)!);
}

const ATTRIBUTE_ESCAPES = new Map([
  ['&', '&amp;'], ['<', '&lt;'], ['>', '&gt;'], ['"', '&quot;'], ['\t', '&#9;'], ['\n', '&#10;'], ['\r', '&#13;'],
]);

function hasXmlSpace(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13) return true;
  }
  return false;
}
