/**
 * Realistic, varied oneM2M request primitives for the compressed-echo benchmark: JSON
 * serialization (TS-0004 short names) of create-contentInstance requests, about 1 KiB each.
 * Every message differs: request id, origin, target container, resource name, timestamps,
 * labels, and a sensor payload with different readings, so compression cannot simply replay
 * the previous message. Seeded, so a run is reproducible.
 */
import { prng } from '../../test/helpers/prng.js';

const SITES = ['berlin-mitte', 'paris-11', 'seoul-gangnam', 'sophia-antipolis', 'austin-east', 'osaka-kita'];
const KINDS = ['temperature', 'humidity', 'co2', 'pm25', 'noise', 'occupancy', 'power', 'flow'];
const UNITS: Record<string, string> = {
  temperature: 'Cel', humidity: '%RH', co2: 'ppm', pm25: 'ug/m3', noise: 'dB', occupancy: 'count', power: 'W', flow: 'l/min',
};
const VENDORS = ['Acme Sensing GmbH', 'Nordic Field Devices AB', 'K-Telemetry Co.', 'Blue Meadow IoT'];

function hex(rand: () => number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += Math.floor(rand() * 16).toString(16);
  return s;
}

function timestamp(rand: () => number): string {
  const t = new Date(Date.UTC(2025, Math.floor(rand() * 12), 1 + Math.floor(rand() * 28), Math.floor(rand() * 24), Math.floor(rand() * 60), Math.floor(rand() * 60)));
  return t.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, '');
}

/** One create-cin request primitive (JSON), between about 900 and 1,300 bytes. */
export function createCinRequest(rand: () => number, i: number): string {
  const site = SITES[Math.floor(rand() * SITES.length)]!;
  const kind = KINDS[Math.floor(rand() * KINDS.length)]!;
  const ae = `C${site.replace(/-/g, '')}${Math.floor(rand() * 90 + 10)}`;
  const device = `dev-${hex(rand, 8)}`;
  const samples = Array.from({ length: 4 + Math.floor(rand() * 6) }, (_, k) => ({
    t: timestamp(rand),
    v: Math.round((rand() * 100 - 20) * 100) / 100,
    q: rand() < 0.9 ? 'good' : 'uncertain',
    seq: i * 16 + k,
  }));
  const content = {
    device,
    site,
    kind,
    unit: UNITS[kind],
    vendor: VENDORS[Math.floor(rand() * VENDORS.length)],
    fw: `${1 + Math.floor(rand() * 3)}.${Math.floor(rand() * 20)}.${Math.floor(rand() * 100)}`,
    battery: Math.round(rand() * 1000) / 10,
    rssi: -Math.floor(40 + rand() * 60),
    location: { lat: Math.round((rand() * 180 - 90) * 1e5) / 1e5, lon: Math.round((rand() * 360 - 180) * 1e5) / 1e5, floor: Math.floor(rand() * 12) },
    samples,
  };
  const request = {
    'm2m:rqp': {
      op: 1,
      to: `/cse-in/${ae}/${kind}-${site}/data`,
      fr: ae,
      rqi: `req-${i}-${hex(rand, 12)}`,
      ty: 4,
      rvi: '4',
      ot: timestamp(rand),
      rset: timestamp(rand),
      rt: { rtv: 1 },
      pc: {
        'm2m:cin': {
          rn: `cin_${timestamp(rand)}_${hex(rand, 4)}`,
          lbl: [`site:${site}`, `kind:${kind}`, `device:${device}`, rand() < 0.5 ? 'tier:gold' : 'tier:standard'],
          cnf: 'application/json:0',
          cs: 0,
          con: JSON.stringify(content),
        },
      },
    },
  };
  return JSON.stringify(request);
}

/** `count` different primitives, each at least `minBytes` long (so `ws`'s 1 KiB threshold compresses them all). */
export function primitivePool(count: number, seed = 20250101, minBytes = 1024): string[] {
  const rand = prng(seed);
  const pool: string[] = [];
  for (let i = 0; pool.length < count; i++) {
    const m = createCinRequest(rand, i);
    if (Buffer.byteLength(m) >= minBytes && Buffer.byteLength(m) <= 1400) pool.push(m);
  }
  return pool;
}
