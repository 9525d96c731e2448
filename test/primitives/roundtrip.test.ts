/**
 * Seeded random round trips: schema-aware random primitives go model → format → model in JSON,
 * XML and CBOR and must come back deep-equal. Values avoid what XML cannot distinguish by
 * design (empty strings and empty lists read back as null; see docs/primitives.md).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Primitive } from '../../src/primitives/index.js';
import { assertRoundTrip, SERIALIZATIONS } from './helpers.js';
import { prng as mulberry32 } from '../helpers/prng.js';

const SEED = 20250601;
const CASES = 300;

type Random = () => number;
type Json = string | number | boolean | null | Json[] | { [k: string]: Json };

const ALPHABET = ['a', 'b', 'Z', '0', '9', '-', '_', '/', ':', '.', '&', '<', '>', '"', "'", 'é', 'ß', '€', '😀', '中', ' '];

function pick<T>(random: Random, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}
function int(random: Random, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}
/** Non-empty; `spaces` allows inner spaces (never in list items). */
function text(random: Random, spaces = true): string {
  const length = int(random, 1, 12);
  let out = '';
  for (let i = 0; i < length; i++) {
    const c = pick(random, ALPHABET);
    out += c === ' ' && !spaces ? 'x' : c;
  }
  return out;
}
function list(random: Random): string[] {
  return Array.from({ length: int(random, 1, 4) }, () => text(random, false));
}
function maybe(random: Random, target: Record<string, Json>, name: string, make: () => Json): void {
  if (random() < 0.5) target[name] = make();
}

function resource(random: Random): [string, Record<string, Json>] {
  const r: Record<string, Json> = {};
  maybe(random, r, 'rn', () => text(random));
  maybe(random, r, 'ri', () => text(random, false));
  maybe(random, r, 'ct', () => '20250601T101500');
  maybe(random, r, 'lbl', () => list(random));
  maybe(random, r, 'acpi', () => list(random));
  maybe(random, r, 'st', () => int(random, 0, 1000));
  if (random() < 0.2) r[`x${int(random, 1, 5)}`] = text(random); // an unknown attribute, kept as a string
  const kind = pick(random, ['m2m:ae', 'm2m:cnt', 'm2m:cin', 'm2m:sub', 'm2m:acp'] as const);
  switch (kind) {
    case 'm2m:ae':
      r.api = `N${text(random, false)}`;
      r.rr = random() < 0.5;
      r.srv = list(random);
      maybe(random, r, 'poa', () => list(random));
      maybe(random, r, 'csz', () => list(random));
      break;
    case 'm2m:cnt':
      maybe(random, r, 'mni', () => int(random, 0, 1e6));
      maybe(random, r, 'mbs', () => int(random, 0, 1e9));
      maybe(random, r, 'disr', () => random() < 0.5);
      if (random() < 0.3) r.ch = Array.from({ length: int(random, 1, 3) }, () => ({ nm: text(random, false), typ: int(random, 1, 30), val: text(random) }));
      break;
    case 'm2m:cin':
      r.con = text(random);
      maybe(random, r, 'cnf', () => 'text/plain:0');
      maybe(random, r, 'cs', () => int(random, 0, 1e5));
      break;
    case 'm2m:sub':
      r.nu = list(random);
      maybe(random, r, 'enc', () => ({ net: Array.from({ length: int(random, 1, 3) }, () => int(random, 1, 8)) }));
      maybe(random, r, 'nct', () => int(random, 1, 5));
      maybe(random, r, 'bn', () => ({ num: int(random, 1, 10), dur: 'PT5S' }));
      break;
    case 'm2m:acp':
      r.pv = { acr: Array.from({ length: int(random, 1, 3) }, () => ({ acor: list(random), acop: int(random, 1, 63) })) };
      r.pvs = { acr: [{ acor: list(random), acop: 63 }] };
      break;
  }
  return [kind, r];
}

function content(random: Random): Record<string, Json> {
  const choice = random();
  if (choice < 0.6) {
    const [name, body] = resource(random);
    return { [name]: body };
  }
  if (choice < 0.7) return { 'm2m:dbg': text(random) };
  if (choice < 0.8) return { 'm2m:uril': list(random) };
  if (choice < 0.9) return { 'm2m:uri': text(random, false) };
  const [name, body] = resource(random);
  return { 'm2m:sgn': { nev: { rep: { [name]: body }, net: int(random, 1, 8) }, sur: text(random, false) } };
}

function request(random: Random): Record<string, Json> {
  const op = int(random, 1, 5);
  const p: Record<string, Json> = { op, to: text(random, false), rqi: text(random) };
  const registersAe = op === 1 && random() < 0.2;
  if (!registersAe || random() < 0.5) p.fr = text(random, false);
  if (op === 1) p.ty = registersAe ? 2 : int(random, 1, 30);
  if (op === 1 || op === 3 || op === 5 || random() < 0.2) p.pc = content(random);
  maybe(random, p, 'rvi', () => pick(random, ['2a', '3', '4', '5']));
  maybe(random, p, 'ot', () => '20250601T101500,123456');
  maybe(random, p, 'rqet', () => (random() < 0.5 ? '20250601T101500' : int(random, 0, 1e6)));
  maybe(random, p, 'rt', (): Json => (random() < 0.5 ? { rtv: 2, nu: list(random) } : { rtv: pick(random, [1, 3, 4, 5]) }));
  if (op === 1) maybe(random, p, 'rcn', () => pick(random, [0, 1, 2, 3, 9]));
  if (op === 2) maybe(random, p, 'rcn', () => pick(random, [1, 4, 5, 6, 7, 8]));
  maybe(random, p, 'ec', () => pick(random, [2, 3, 4, 100]));
  maybe(random, p, 'da', () => random() < 0.5);
  maybe(random, p, 'rids', () => list(random));
  maybe(random, p, 'tqi', () => random() < 0.5);
  maybe(random, p, 'vsi', () => text(random));
  if (op === 2) maybe(random, p, 'fc', () => ({ fu: int(random, 1, 2), ty: [int(random, 1, 30)], lbl: list(random), lim: int(random, 1, 100) }));
  if (op === 2) maybe(random, p, 'drt', () => int(random, 1, 2));
  if (random() < 0.2) p[`ext${int(random, 1, 3)}`] = text(random);
  return p;
}

function response(random: Random): Record<string, Json> {
  const p: Record<string, Json> = { rsc: pick(random, [1000, 1001, 2000, 2001, 2002, 2004, 4000, 4004, 4103, 5000, 6003]), rqi: text(random) };
  maybe(random, p, 'pc', () => content(random));
  maybe(random, p, 'rvi', () => pick(random, ['2a', '3', '4', '5']));
  maybe(random, p, 'to', () => text(random, false));
  maybe(random, p, 'fr', () => text(random, false));
  maybe(random, p, 'cnst', () => int(random, 1, 2));
  maybe(random, p, 'cnot', () => int(random, 1, 1e6));
  maybe(random, p, 'ec', () => 2);
  return p;
}

describe(`seeded random round trips (seed ${SEED}, ${CASES} primitives × 3 formats)`, () => {
  it('model → JSON / XML / CBOR → model is the identity', () => {
    const random = mulberry32(SEED);
    let requests = 0;
    for (let i = 0; i < CASES; i++) {
      const isRequest = random() < 0.6;
      const model = (isRequest ? request(random) : response(random)) as Primitive;
      if (isRequest) requests++;
      for (const serialization of SERIALIZATIONS) assertRoundTrip(model, serialization, `case ${i} ${JSON.stringify(model)}`);
    }
    assert.ok(requests > CASES / 3 && requests < CASES);
  });
});
