/**
 * What XML cannot say by itself: the type of each short name, whether a list is written as one
 * space-separated element or as repeated elements, and the element order of TS-0004's
 * xs:sequence. JSON and CBOR carry types natively and only use the primitive-parameter part
 * (for the lenient "op":"1" coercion); the XML codec uses all of it.
 *
 * Lookups take untrusted names, so every table is a Map (no prototype surprises).
 */

export type ValueKind =
  | 'string'
  | 'number'
  | 'boolean'
  /** m2m:absRelTimestamp: digits → relative ms (number), anything else → timestamp (string). */
  | 'absRel'
  /** xs:list of strings: one XML element, space-separated; a JSON array. */
  | 'stringList'
  /** xs:list of numbers. */
  | 'numberList'
  /** A complex type: child elements become members. */
  | 'object'
  /** Unknown or xs:anyType: text stays a string, child elements become an object. */
  | 'any';

export interface ElementInfo {
  readonly kind: ValueKind;
  /** maxOccurs > 1: repeated XML elements, always a JSON array (even of one). */
  readonly repeated: boolean;
  /** Simple content with XML attributes (rule 11): attributes become members, the text is `val`. */
  readonly simpleContent: boolean;
}

function info(kind: ValueKind, repeated = false, simpleContent = false): ElementInfo {
  return Object.freeze({ kind, repeated, simpleContent });
}

const STRING = info('string');
const NUMBER = info('number');
const BOOLEAN = info('boolean');
const ABS_REL = info('absRel');
const STRING_LIST = info('stringList');
const NUMBER_LIST = info('numberList');
const OBJECT = info('object');
const ANY = info('any');
const REPEATED_OBJECT = info('object', true);
const REPEATED_STRING = info('string', true);
const CHILD_REFERENCE = info('string', true, true);
const CHILD_RESOURCE = info('object', true);
export const UNKNOWN_ELEMENT = ANY;

function table(entries: Record<string, ElementInfo>): ReadonlyMap<string, ElementInfo> {
  return new Map(Object.entries(entries));
}

// ---------------------------------------------------------------------------------------------
// Resource roots (reference §6.1) and the other global elements that may appear in `pc`.

/** Short root names of resource representations, by resource type. */
export const RESOURCE_ROOTS: ReadonlyMap<string, number> = new Map([
  ['m2m:acp', 1], ['m2m:ae', 2], ['m2m:cnt', 3], ['m2m:cin', 4], ['m2m:cb', 5], ['m2m:dlv', 6],
  ['m2m:evcg', 7], ['m2m:exin', 8], ['m2m:grp', 9], ['m2m:lcp', 10], ['m2m:mssp', 11],
  ['m2m:mgc', 12], ['m2m:mgo', 13], ['m2m:nod', 14], ['m2m:pch', 15], ['m2m:csr', 16],
  ['m2m:req', 17], ['m2m:sch', 18], ['m2m:asar', 19], ['m2m:svsn', 20], ['m2m:stcl', 21],
  ['m2m:stcg', 22], ['m2m:sub', 23], ['m2m:smd', 24], ['m2m:ntpr', 25], ['m2m:nop', 26],
  ['m2m:pdr', 27], ['m2m:ts', 29], ['m2m:tsi', 30], ['m2m:rol', 31], ['m2m:tk', 32],
  ['m2m:trpt', 33], ['m2m:dac', 34], ['m2m:crs', 48],
  ['m2m:acpA', 10001], ['m2m:aeA', 10002], ['m2m:cntA', 10003], ['m2m:cinA', 10004],
  ['m2m:cbA', 10005], ['m2m:csrA', 10016],
]);

export function isResourceRoot(name: string): boolean {
  return RESOURCE_ROOTS.has(name);
}

// ---------------------------------------------------------------------------------------------
// Element types by short name. Context tables first (a name whose type depends on its parent),
// then the global table. Unknown names fall back to UNKNOWN_ELEMENT.

const GLOBAL_ELEMENTS = table({
  // primitive parameters (reference §1.1, §2.1)
  op: NUMBER, to: STRING, fr: STRING, rqi: STRING, ty: NUMBER, pc: OBJECT, rids: STRING_LIST,
  ot: STRING, rqet: ABS_REL, rset: ABS_REL, oet: ABS_REL, rt: OBJECT, rp: ABS_REL, rcn: NUMBER,
  ec: NUMBER, da: BOOLEAN, gid: STRING, fc: OBJECT, drt: NUMBER, tkns: STRING_LIST,
  tids: STRING_LIST, ltids: STRING_LIST, tqi: BOOLEAN, grtm: STRING_LIST, asi: BOOLEAN,
  aus: STRING_LIST, auri: BOOLEAN, sqi: BOOLEAN, rvi: STRING, vsi: STRING,
  rsc: NUMBER, cnst: NUMBER, cnot: NUMBER, ati: OBJECT, tqf: OBJECT, asri: BOOLEAN,
  rtv: NUMBER, nu: STRING_LIST,
  // filter criteria (reference §1.6)
  crb: STRING, cra: STRING, ms: STRING, us: STRING, sts: NUMBER, stb: NUMBER, exb: STRING,
  exa: STRING, lbl: STRING_LIST, sza: NUMBER, szb: NUMBER, cty: STRING_LIST, atr: REPEATED_OBJECT,
  fu: NUMBER, lim: NUMBER, lvl: NUMBER, ofst: NUMBER, fo: NUMBER, smf: REPEATED_STRING,
  clbl: STRING_LIST, palb: STRING_LIST, chty: NUMBER_LIST, pty: NUMBER_LIST,
  catr: REPEATED_OBJECT, patr: REPEATED_OBJECT, lbq: STRING, cfs: NUMBER, cfq: STRING, arp: STRING,
  nm: STRING, val: ANY,
  // universal / common resource attributes (reference §6.2)
  rn: STRING, ri: STRING, pi: STRING, ct: STRING, lt: STRING, et: STRING, acpi: STRING_LIST,
  at: STRING_LIST, aa: STRING_LIST, daci: STRING_LIST, st: NUMBER, cr: STRING,
  ch: CHILD_REFERENCE, cstn: STRING, ast: NUMBER, typ: NUMBER, spty: STRING,
  // CSEBase, AE, remoteCSE
  cst: NUMBER, csi: STRING, srt: NUMBER_LIST, poa: STRING_LIST, nl: STRING, csz: STRING_LIST,
  esi: OBJECT, srv: STRING_LIST, spi: STRING, ici: STRING, ctm: STRING,
  apn: STRING, api: STRING, aei: STRING, or: STRING, rr: BOOLEAN, mei: STRING, regs: NUMBER,
  trps: BOOLEAN, scp: STRING_LIST, tren: BOOLEAN, ape: REPEATED_OBJECT, tri: NUMBER, trn: NUMBER,
  cb: STRING, dcse: STRING_LIST, mtcc: NUMBER, egid: STRING,
  // container, contentInstance
  mni: NUMBER, mbs: NUMBER, mia: NUMBER, cni: NUMBER, cbs: NUMBER, li: STRING, disr: BOOLEAN,
  cnf: STRING, cs: NUMBER, conr: STRING, con: ANY, dgt: STRING, dcnt: NUMBER,
  // subscription
  enc: OBJECT, exc: NUMBER, gpi: STRING, nfu: STRING, bn: OBJECT, rl: OBJECT, psn: NUMBER,
  pn: NUMBER, nsp: NUMBER, ln: BOOLEAN, nct: NUMBER, nec: NUMBER, su: STRING,
  net: NUMBER, om: REPEATED_OBJECT, md: OBJECT, num: NUMBER, dur: STRING, mnn: NUMBER, tww: STRING,
  ops: NUMBER,
  // accessControlPolicy
  pv: OBJECT, pvs: OBJECT, adri: STRING_LIST, apri: STRING_LIST, airi: STRING_LIST,
  acr: REPEATED_OBJECT, acor: STRING_LIST, acop: NUMBER, acco: REPEATED_OBJECT, acaf: BOOLEAN,
  acod: REPEATED_OBJECT, actw: REPEATED_STRING, acip: OBJECT, ipv4: STRING_LIST,
  ipv6: STRING_LIST, aclr: OBJECT,
  // notification (reference §7.1)
  nev: OBJECT, rep: OBJECT, vrq: BOOLEAN, sud: BOOLEAN, sur: STRING, ntt: STRING, trr: BOOLEAN,
  tra: BOOLEAN, idr: OBJECT, aerp: BOOLEAN, aerid: BOOLEAN, tid1: STRING, tid2: STRING,
  // request resource, group
  tg: STRING, org: STRING, rid: STRING, mi: OBJECT, rs: NUMBER, ors: OBJECT,
  mt: NUMBER, cnm: NUMBER, mnm: NUMBER, mid: STRING_LIST, macp: STRING_LIST, mtv: BOOLEAN,
  csy: NUMBER, gn: STRING,
  // other global elements that may be the member of `pc`
  'm2m:uri': STRING, 'm2m:uril': STRING_LIST, 'm2m:atrl': STRING_LIST, 'm2m:dbg': STRING,
  'm2m:qres': STRING, 'm2m:sgn': OBJECT, 'm2m:agn': OBJECT, 'm2m:rrl': OBJECT, 'm2m:rce': OBJECT,
  'm2m:agr': OBJECT, 'm2m:rqp': OBJECT, 'm2m:rsp': OBJECT, 'm2m:seci': OBJECT,
  uri: STRING, rrf: CHILD_REFERENCE,
});

/** Names whose type depends on the parent element. */
const CONTEXT_ELEMENTS: ReadonlyMap<string, ReadonlyMap<string, ElementInfo>> = new Map([
  ['fc', table({ ty: NUMBER_LIST })],
  ['enc', table({ net: NUMBER_LIST, atr: STRING_LIST })],
  ['m2m:agn', table({ 'm2m:sgn': REPEATED_OBJECT })],
  ['m2m:agr', table({ 'm2m:rsp': REPEATED_OBJECT, rsp: REPEATED_OBJECT })],
]);

/**
 * The type of element `name` inside element `parent`. Resource roots nested in a resource are
 * child resources (rcn 4/8) and repeat; everywhere else (pc, rep, rce) a resource is single.
 */
export function elementInfo(parent: string, name: string): ElementInfo {
  const context = CONTEXT_ELEMENTS.get(parent);
  if (context !== undefined) {
    const found = context.get(name);
    if (found !== undefined) return found;
  }
  if (RESOURCE_ROOTS.has(name)) return RESOURCE_ROOTS.has(parent) ? CHILD_RESOURCE : OBJECT;
  return GLOBAL_ELEMENTS.get(name) ?? UNKNOWN_ELEMENT;
}

// ---------------------------------------------------------------------------------------------
// Element order (reference §4.1). The XML writer emits known members in this order, then the
// unknown ones in model order, then `ch`, then child resources. Readers accept any order.

export const REQUEST_ORDER: readonly string[] = [
  'op', 'to', 'fr', 'rqi', 'ty', 'pc', 'rids', 'ot', 'rqet', 'rset', 'oet', 'rt', 'rp', 'rcn', 'ec',
  'da', 'gid', 'fc', 'drt', 'tkns', 'tids', 'ltids', 'tqi', 'grtm', 'asi', 'aus', 'auri', 'sqi',
  'rvi', 'vsi',
];

export const RESPONSE_ORDER: readonly string[] = [
  'rsc', 'rqi', 'pc', 'to', 'fr', 'ot', 'rset', 'ec', 'cnst', 'cnot', 'ati', 'tqf', 'asri', 'rvi',
  'vsi',
];

const COMMON_RESOURCE_ORDER = [
  'ty', 'ri', 'pi', 'ct', 'lt', 'lbl', 'acpi', 'et', 'daci', 'at', 'aa', 'ast', 'cstn', 'st', 'cr',
];

const RESOURCE_SPECIFIC_ORDER: ReadonlyMap<string, readonly string[]> = new Map([
  ['m2m:cb', ['cst', 'csi', 'srt', 'poa', 'nl', 'csz', 'esi', 'srv', 'spi', 'ici', 'ctm']],
  ['m2m:ae', ['apn', 'api', 'aei', 'poa', 'or', 'nl', 'rr', 'csz', 'esi', 'mei', 'srv', 'regs',
    'trps', 'scp', 'tren', 'ape', 'tri', 'trn']],
  ['m2m:cnt', ['mni', 'mbs', 'mia', 'cni', 'cbs', 'li', 'or', 'disr']],
  ['m2m:cin', ['cnf', 'cs', 'conr', 'or', 'con', 'dgt', 'dcnt']],
  ['m2m:sub', ['enc', 'exc', 'nu', 'gpi', 'nfu', 'bn', 'rl', 'psn', 'pn', 'nsp', 'ln', 'nct', 'nec',
    'su']],
  ['m2m:csr', ['cst', 'poa', 'cb', 'csi', 'mei', 'tri', 'trn', 'rr', 'nl', 'csz', 'esi', 'dcse', 'srv',
    'mtcc', 'egid', 'tren', 'ape']],
  ['m2m:acp', ['pv', 'pvs', 'adri', 'apri', 'airi']],
]);

const NOTIFICATION_ORDER = [
  'nev', 'vrq', 'sud', 'sur', 'cr', 'nfu', 'ntt', 'trr', 'tra', 'idr', 'aerp', 'aerid', 'tid1', 'tid2',
];

const ORDER_BY_ELEMENT: ReadonlyMap<string, ReadonlyMap<string, number>> = buildOrderIndex();

function indexOf(names: readonly string[]): ReadonlyMap<string, number> {
  return new Map(names.map((name, i) => [name, i]));
}

function buildOrderIndex(): Map<string, ReadonlyMap<string, number>> {
  const orders = new Map<string, ReadonlyMap<string, number>>([
    ['m2m:rqp', indexOf(REQUEST_ORDER)],
    ['m2m:rsp', indexOf(RESPONSE_ORDER)],
    ['m2m:sgn', indexOf(NOTIFICATION_ORDER)],
    ['nev', indexOf(['rep', 'om', 'net'])],
    ['rt', indexOf(['rtv', 'nu'])],
  ]);
  for (const root of RESOURCE_ROOTS.keys()) {
    orders.set(root, indexOf([...COMMON_RESOURCE_ORDER, ...(RESOURCE_SPECIFIC_ORDER.get(root) ?? [])]));
  }
  return orders;
}

/** Known-member order for the element, or undefined when model order is fine. */
export function memberOrder(element: string): ReadonlyMap<string, number> | undefined {
  return ORDER_BY_ELEMENT.get(element);
}

/** XML attributes: `rn` on resource roots; `nm`, `typ`, `spty` on child references. */
export function isXmlAttribute(element: string, member: string, elementIsSimpleContent: boolean): boolean {
  if (member === 'rn') return RESOURCE_ROOTS.has(element);
  if (elementIsSimpleContent) return member === 'nm' || member === 'typ' || member === 'spty';
  return false;
}
