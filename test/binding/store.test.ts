/**
 * Store-and-forward stores (issue 5 point 6): one table of behaviours run against MemoryStore and
 * FileStore, then FileStore's durability: reopen, torn and garbage tails, compaction, SIGKILL.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs, { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as zlib from 'node:zlib';
import { crc32Portable } from '../../src/binding/store/crc32.js';
import {
  FileStore, LOG_FILE_NAME, MemoryStore, type FileStoreOptions, type PrimitiveStore, type StoreLimits,
} from '../../src/binding/store/index.js';
import type { RequestPrimitive } from '../../src/primitives/index.js';

const HOUR = 3_600_000;
const later = () => Date.now() + HOUR;

const temporaryDirectories: string[] = [];
function temporaryDirectory(): string {
  const dir = mkdtempSync(join(tmpdir(), 'onem2m-ws-store-'));
  temporaryDirectories.push(dir);
  return dir;
}
after(() => {
  for (const dir of temporaryDirectories) rmSync(dir, { recursive: true, force: true });
});

function primitive(rqi: string, content: unknown = { 'm2m:sgn': { nev: { rep: { con: 'x' } } } }): RequestPrimitive {
  return { op: 5, to: '/CAE1', fr: '/cse-in', rqi, pc: content as RequestPrimitive['pc'] };
}

/** The UTF-8 JSON length the byte limits count. */
function sizeOf(p: RequestPrimitive): number {
  return Buffer.byteLength(JSON.stringify(p));
}

function put(store: PrimitiveStore, target: string, rqi: string, expiresAt = later()): string {
  const result = store.put(target, primitive(rqi), expiresAt);
  assert.ok(result.ok, result.ok ? '' : result.reason);
  return result.entry.id;
}

function rqis(store: PrimitiveStore, target: string, now?: number): string[] {
  return store.pending(target, now).map((e) => e.primitive.rqi);
}

function assertRefused(result: ReturnType<PrimitiveStore['put']>, limit: RegExp): void {
  assert.equal(result.ok, false);
  if (!result.ok) assert.match(result.reason, limit);
}

// ---------------------------------------------------------------------------------------------

interface StoreKind {
  name: string;
  open(limits?: Partial<StoreLimits>): Promise<PrimitiveStore>;
}

const KINDS: StoreKind[] = [
  { name: 'MemoryStore', open: async (limits) => new MemoryStore(limits) },
  { name: 'FileStore', open: (limits) => FileStore.open(temporaryDirectory(), { limits }) },
];

type Behaviour = [label: string, limits: Partial<StoreLimits> | undefined, check: (store: PrimitiveStore) => void];

const P = sizeOf(primitive('r0')); // every primitive('rN') with a one-digit N has this size

const BEHAVIOURS: Behaviour[] = [
  ['keeps each target in put order, targets apart', undefined, (store) => {
    put(store, 'A', 'a1'); put(store, 'B', 'b1'); put(store, 'A', 'a2'); put(store, 'A', 'a3'); put(store, 'B', 'b2');
    assert.deepEqual(rqis(store, 'A'), ['a1', 'a2', 'a3']);
    assert.deepEqual(rqis(store, 'B'), ['b1', 'b2']);
    assert.deepEqual(rqis(store, 'nobody'), []);
    assert.deepEqual(store.targets().sort(), ['A', 'B']);
  }],
  ['gives unique ids and returns the stored entry', undefined, (store) => {
    const before = Date.now();
    const result = store.put('A', primitive('r1'), before + HOUR);
    assert.ok(result.ok);
    const { entry } = result;
    assert.equal(entry.target, 'A');
    assert.equal(entry.expiresAt, before + HOUR);
    assert.ok(entry.storedAt >= before && entry.storedAt <= Date.now());
    assert.equal(entry.bytes, P);
    assert.deepEqual(entry.primitive, primitive('r1'));
    const ids = [entry.id, put(store, 'A', 'r2'), put(store, 'B', 'r3'), put(store, 'B', 'r4')];
    assert.equal(new Set(ids).size, ids.length);
  }],
  ['stores a copy: later changes to the caller\'s object do not leak in', undefined, (store) => {
    const original = primitive('r1');
    assert.ok(store.put('A', original, later()).ok);
    original.rqi = 'changed';
    assert.deepEqual(rqis(store, 'A'), ['r1']);
  }],
  ['maxPerTarget: refuses the entry past the count, other targets still accepted', { maxPerTarget: 2 }, (store) => {
    const first = put(store, 'A', 'r1'); put(store, 'A', 'r2');
    assertRefused(store.put('A', primitive('r3'), later()), /^maxPerTarget: "A" already has 2 of 2 entries/);
    put(store, 'B', 'r4');
    store.remove(first);
    put(store, 'A', 'r5');
    assert.deepEqual(rqis(store, 'A'), ['r2', 'r5']);
  }],
  ['maxBytesPerTarget: counts serialized bytes per target', { maxBytesPerTarget: 2 * P }, (store) => {
    put(store, 'A', 'r1'); put(store, 'A', 'r2');
    assertRefused(store.put('A', primitive('r3'), later()), /^maxBytesPerTarget: "A" would hold/);
    put(store, 'B', 'r4');
    assertRefused(store.put('C', primitive('r5', 'x'.repeat(3 * P)), later()), /^maxBytesPerTarget/);
  }],
  ['maxTotal: counts entries across targets', { maxTotal: 3 }, (store) => {
    put(store, 'A', 'r1'); put(store, 'B', 'r2'); const third = put(store, 'C', 'r3');
    assertRefused(store.put('D', primitive('r4'), later()), /^maxTotal: the store already holds 3 of 3 entries/);
    store.remove(third);
    put(store, 'D', 'r4');
  }],
  ['maxBytesTotal: counts bytes across targets', { maxBytesTotal: 3 * P }, (store) => {
    put(store, 'A', 'r1'); put(store, 'B', 'r2'); put(store, 'C', 'r3');
    assertRefused(store.put('D', primitive('r4'), later()), /^maxBytesTotal: the store would hold/);
    store.clear('C');
    put(store, 'D', 'r4');
  }],
  ['refuses what cannot be stored: expired, empty target, not JSON', undefined, (store) => {
    assertRefused(store.put('A', primitive('r1'), Date.now() - 1), /already expired/);
    assertRefused(store.put('', primitive('r1'), later()), /target/);
    assertRefused(store.put('A', primitive('r1'), NaN), /expiresAt/);
    assertRefused(store.put('A', primitive('r1', { big: 1n }), later()), /not serializable/);
    assert.deepEqual(store.stats(), { entries: 0, bytes: 0 });
  }],
  ['stats count entries and UTF-8 bytes', undefined, (store) => {
    const wide = primitive('r1', 'é€😀');
    assert.ok(store.put('A', wide, later()).ok);
    put(store, 'B', 'r2');
    assert.deepEqual(store.stats(), { entries: 2, bytes: sizeOf(wide) + P });
    assert.equal(sizeOf(wide), JSON.stringify(wide).length + 1 + 2 + 2); // é 2, € 3, 😀 4 bytes in UTF-8
  }],
  ['pending(now) drops expired entries first and keeps the rest in order', undefined, (store) => {
    const now = Date.now();
    put(store, 'A', 'r1', now + 1000); put(store, 'A', 'r2', now + 3000); put(store, 'A', 'r3', now + 2000);
    put(store, 'B', 'r4', now + 1000);
    assert.deepEqual(rqis(store, 'A', now + 2000), ['r2']); // expiresAt <= now is expired
    assert.deepEqual(store.stats().entries, 2);
    assert.deepEqual(rqis(store, 'B', now), ['r4']);
  }],
  ['expire(now) drops expired entries of every target and returns them', undefined, (store) => {
    const now = Date.now();
    put(store, 'A', 'r1', now + 1000); put(store, 'A', 'r2', now + 5000); put(store, 'B', 'r3', now + 1000);
    put(store, 'C', 'r4', now + 5000);
    const dropped = store.expire(now + 1000);
    assert.deepEqual(dropped.map((e) => [e.target, e.primitive.rqi]).sort(), [['A', 'r1'], ['B', 'r3']]);
    assert.deepEqual(store.expire(now + 1000), []);
    assert.deepEqual(store.targets().sort(), ['A', 'C']);
    assert.deepEqual(store.stats(), { entries: 2, bytes: 2 * P });
  }],
  ['remove takes one entry out of the middle; unknown ids are ignored', undefined, (store) => {
    put(store, 'A', 'r1'); const middle = put(store, 'A', 'r2'); put(store, 'A', 'r3');
    store.remove(middle);
    store.remove(middle);
    store.remove('no-such-id');
    store.remove('');
    assert.deepEqual(rqis(store, 'A'), ['r1', 'r3']);
    assert.deepEqual(store.stats(), { entries: 2, bytes: 2 * P });
  }],
  ['clear drops one target only; unknown targets are fine', undefined, (store) => {
    put(store, 'A', 'r1'); put(store, 'B', 'r2'); put(store, 'A', 'r3');
    store.clear('A');
    store.clear('nobody');
    assert.deepEqual(rqis(store, 'A'), []);
    assert.deepEqual(store.targets(), ['B']);
    put(store, 'A', 'r4');
    assert.deepEqual(rqis(store, 'A'), ['r4']);
  }],
  ['target strings are opaque Map keys, even "__proto__" and "constructor"', undefined, (store) => {
    put(store, '__proto__', 'r1'); put(store, 'constructor', 'r2'); put(store, '__proto__', 'r3');
    assert.deepEqual(rqis(store, '__proto__'), ['r1', 'r3']);
    assert.deepEqual(rqis(store, 'toString'), []);
  }],
];

for (const kind of KINDS) {
  describe(`${kind.name}: shared behaviours`, () => {
    for (const [label, limits, check] of BEHAVIOURS) {
      it(label, async () => {
        const store = await kind.open(limits);
        try {
          check(store);
        } finally {
          await store.close();
        }
      });
    }
    it('rejects invalid limits', async () => {
      await assert.rejects(async () => kind.open({ maxPerTarget: 0 }), RangeError);
      await assert.rejects(async () => kind.open({ maxBytesTotal: 1.5 }), RangeError);
    });
    it('is unusable after close', async () => {
      const store = await kind.open();
      await store.close();
      assert.throws(() => store.put('A', primitive('r1'), later()), /closed/);
      await store.close(); // idempotent
    });
  });
}

// ---------------------------------------------------------------------------------------------

async function reopen(dir: string, options?: FileStoreOptions): Promise<FileStore> {
  return FileStore.open(dir, options);
}

describe('FileStore: durability', () => {
  it('reopening keeps every queue in order and removals, and ids stay unique', async () => {
    const dir = temporaryDirectory();
    let store = await reopen(dir);
    const ids = ['a1', 'b1', 'a2', 'a3', 'b2'].map((rqi) => put(store, rqi[0]!.toUpperCase(), rqi));
    store.remove(ids[2]!);
    await store.close();

    store = await reopen(dir);
    assert.deepEqual(rqis(store, 'A'), ['a1', 'a3']);
    assert.deepEqual(rqis(store, 'B'), ['b1', 'b2']);
    assert.equal(store.recovery.discardedBytes, 0);
    const newId = put(store, 'A', 'a4');
    assert.ok(!ids.includes(newId));
    store.clear('B');
    await store.close();

    store = await reopen(dir);
    assert.deepEqual(rqis(store, 'A'), ['a1', 'a3', 'a4']);
    assert.deepEqual(store.targets(), ['A']);
    await store.close();
  });

  it('does not reuse ids of entries gone before a compaction and a restart', async () => {
    const dir = temporaryDirectory();
    let store = await reopen(dir);
    const used = [put(store, 'A', 'r1'), put(store, 'A', 'r2')];
    for (const id of used) store.remove(id);
    store.compact();
    await store.close();
    store = await reopen(dir);
    const fresh = put(store, 'A', 'r3');
    assert.ok(!used.includes(fresh), `id ${fresh} reused`);
    await store.close();
  });

  it('keeps expiry times: an entry expired while down is dropped by expire() after reopening', async () => {
    const dir = temporaryDirectory();
    let store = await reopen(dir);
    const now = Date.now();
    put(store, 'A', 'r1', now + 1000); put(store, 'A', 'r2', now + HOUR);
    await store.close();
    store = await reopen(dir);
    assert.deepEqual(store.expire(now + 1000).map((e) => e.primitive.rqi), ['r1']);
    await store.close();
    store = await reopen(dir);
    assert.deepEqual(rqis(store, 'A', now + 1000), ['r2']);
    await store.close();
  });

  it('ignores a torn final record, keeps everything before it, and appends after it', async () => {
    const dir = temporaryDirectory();
    let store = await reopen(dir);
    for (const rqi of ['r1', 'r2', 'r3', 'r4']) put(store, 'A', rqi);
    await store.close();
    const log = join(dir, LOG_FILE_NAME);
    truncateSync(log, statSync(log).size - 3);

    store = await reopen(dir);
    assert.deepEqual(rqis(store, 'A'), ['r1', 'r2', 'r3']);
    assert.ok(store.recovery.discardedBytes > 0);
    put(store, 'A', 'r5');
    await store.close();

    store = await reopen(dir);
    assert.deepEqual(rqis(store, 'A'), ['r1', 'r2', 'r3', 'r5']);
    assert.equal(store.recovery.discardedBytes, 0);
    await store.close();
  });

  for (const [label, tail] of [
    ['random bytes', Buffer.from('9f3a0c77e1d2b4aa5566778899', 'hex')],
    ['zeros (a power-loss tail)', Buffer.alloc(4096)],
    ['a header with an overlong length', Buffer.from([0xff, 0xff, 0xff, 0x7f, 1, 2, 3, 4, 5])],
    ['a record with a wrong checksum', Buffer.concat([Buffer.from([2, 0, 0, 0, 0, 0, 0, 0]), Buffer.from('{}')])],
  ] as const) {
    it(`ignores garbage appended to the log: ${label}`, async () => {
      const dir = temporaryDirectory();
      let store = await reopen(dir);
      put(store, 'A', 'r1'); put(store, 'B', 'r2');
      await store.close();
      appendFileSync(join(dir, LOG_FILE_NAME), tail);
      store = await reopen(dir);
      assert.deepEqual(rqis(store, 'A'), ['r1']);
      assert.deepEqual(rqis(store, 'B'), ['r2']);
      assert.equal(store.recovery.discardedBytes, tail.length);
      await store.close();
    });
  }

  it('stops at a corrupted record in the middle: what precedes it is kept', async () => {
    const dir = temporaryDirectory();
    let store = await reopen(dir);
    for (const rqi of ['r1', 'r2', 'r3']) put(store, 'A', rqi);
    await store.close();
    const log = join(dir, LOG_FILE_NAME);
    const bytes = readFileSync(log);
    const second = bytes.indexOf('"rqi":"r2"');
    bytes[second + 8] ^= 0x01; // flips "r2" to "s2": the checksum no longer matches
    writeFileSync(log, bytes);
    store = await reopen(dir);
    assert.deepEqual(rqis(store, 'A'), ['r1']);
    await store.close();
  });

  it('rejects invalid options', async () => {
    const dir = temporaryDirectory();
    await assert.rejects(reopen(dir, { fsync: 'sometimes' as never }), RangeError);
    await assert.rejects(reopen(dir, { compactRatio: 0 }), RangeError);
    await assert.rejects(reopen(dir, { compactMinBytes: -1 }), RangeError);
    await (await reopen(dir)).close(); // none of them left the directory marked open
  });

  it('refuses to open a file that is not a primitive log', async () => {
    const dir = temporaryDirectory();
    writeFileSync(join(dir, LOG_FILE_NAME), 'precious data of someone else');
    await assert.rejects(reopen(dir), /not a onem2m-ws primitive log/);
    assert.equal(readFileSync(join(dir, LOG_FILE_NAME), 'utf8'), 'precious data of someone else');
  });

  it('refuses a second store on the same directory in one process, allows it after close', async () => {
    const dir = temporaryDirectory();
    const first = await reopen(dir);
    await assert.rejects(reopen(join(dir, '.')), /already open/);
    await first.close();
    await (await reopen(dir)).close();
  });

  it('creates the directory and removes a half-written compaction file left by a crash', async () => {
    const dir = join(temporaryDirectory(), 'nested', 'data');
    let store = await reopen(dir);
    put(store, 'A', 'r1');
    await store.close();
    writeFileSync(join(dir, 'primitives.log.compact'), 'partial');
    store = await reopen(dir);
    assert.deepEqual(rqis(store, 'A'), ['r1']);
    assert.throws(() => statSync(join(dir, 'primitives.log.compact')), /ENOENT/);
    await store.close();
  });

  for (const fsync of ['batch', 'never'] as const) {
    it(`fsync '${fsync}' keeps everything across a clean close`, async () => {
      const dir = temporaryDirectory();
      let store = await reopen(dir, { fsync });
      for (const rqi of ['r1', 'r2', 'r3']) put(store, 'A', rqi);
      await store.close();
      store = await reopen(dir, { fsync });
      assert.deepEqual(rqis(store, 'A'), ['r1', 'r2', 'r3']);
      await store.close();
    });
  }
});

describe('FileStore: compaction', () => {
  it('runs by itself once dead bytes exceed live bytes past the size floor, keeping order', async () => {
    const dir = temporaryDirectory();
    // fsync 'never' only for speed: compaction itself always fsyncs before its rename.
    const options: FileStoreOptions = { fsync: 'never', compactMinBytes: 16 * 1024, limits: { maxPerTarget: Infinity } };
    let store = await reopen(dir, options);
    const ids: string[] = [];
    for (let i = 0; i < 400; i++) ids.push(put(store, i % 2 === 0 ? 'A' : 'B', `r${i}`));
    const fullSize = store.logBytes;
    assert.ok(fullSize > 16 * 1024);
    const kept = (i: number) => i % 5 === 0; // r0, r10, ... on A; r5, r15, ... on B
    ids.forEach((id, i) => { if (!kept(i)) store.remove(id); });
    assert.ok(store.logBytes < fullSize / 2, `log ${store.logBytes} bytes, was ${fullSize}`);
    assert.equal(statSync(join(dir, LOG_FILE_NAME)).size, store.logBytes);
    const expectedA = Array.from({ length: 40 }, (_, k) => `r${k * 10}`);
    const expectedB = Array.from({ length: 40 }, (_, k) => `r${k * 10 + 5}`);
    assert.deepEqual(rqis(store, 'A'), expectedA);
    assert.deepEqual(rqis(store, 'B'), expectedB);
    put(store, 'A', 'after');
    await store.close();

    store = await reopen(dir, options);
    assert.deepEqual(rqis(store, 'A'), [...expectedA, 'after']);
    assert.deepEqual(rqis(store, 'B'), expectedB);
    await store.close();
  });

  it('does not run below the size floor (default 1 MiB)', async () => {
    const store = await reopen(temporaryDirectory());
    const ids = Array.from({ length: 50 }, (_, i) => put(store, 'A', `r${i}`));
    const size = store.logBytes;
    for (const id of ids) store.remove(id);
    assert.ok(store.logBytes > size);
    await store.close();
  });

  it('compact() on demand shrinks the file to the live entries', async () => {
    const dir = temporaryDirectory();
    let store = await reopen(dir);
    const ids = Array.from({ length: 30 }, (_, i) => put(store, 'A', `r${i}`));
    for (const id of ids.slice(0, 20)) store.remove(id);
    const before = store.logBytes;
    store.compact();
    assert.ok(store.logBytes < before / 2);
    put(store, 'A', 'r30');
    await store.close();
    store = await reopen(dir);
    assert.deepEqual(rqis(store, 'A'), Array.from({ length: 11 }, (_, i) => `r${i + 20}`));
    await store.close();
  });
});

/**
 * Fault injection: replaces functions of node:fs for the duration of `body` (the store imports
 * them as ESM bindings, which syncBuiltinESMExports updates), then restores them.
 */
async function withFaultyFs(faults: Partial<Pick<typeof fs, 'writeSync' | 'fsyncSync' | 'ftruncateSync'>>, body: () => void | Promise<void>): Promise<void> {
  const saved = { writeSync: fs.writeSync, fsyncSync: fs.fsyncSync, ftruncateSync: fs.ftruncateSync };
  Object.assign(fs, faults);
  syncBuiltinESMExports();
  try {
    await body();
  } finally {
    Object.assign(fs, saved);
    syncBuiltinESMExports();
  }
}

const ioError = (code: string) => Object.assign(new Error(`${code}: injected failure`), { code });

describe('FileStore: write failures (injected)', () => {
  it('a write that fails part-way is refused and cut back; the log stays valid and later puts follow', async () => {
    const dir = temporaryDirectory();
    const store = await FileStore.open(dir, { fsync: 'never' });
    put(store, 'T', 'a1');
    const before = store.logBytes;
    const realWrite = fs.writeSync;
    let calls = 0;
    await withFaultyFs(
      {
        // Half of the record reaches the file, then the disk is full.
        writeSync: ((fd: number, buffer: Buffer, offset: number, length: number) => (++calls === 1 ? realWrite(fd, buffer, offset, Math.ceil(length / 2)) : (() => { throw ioError('ENOSPC'); })())) as unknown as typeof fs.writeSync,
      },
      () => {
        const refused = store.put('T', primitive('a2'), later());
        assertRefused(refused, /write failed: ENOSPC/);
      },
    );
    assert.equal(calls, 2);
    assert.equal(statSync(join(dir, LOG_FILE_NAME)).size, before, 'the half record was cut off');
    put(store, 'T', 'a3');
    assert.deepEqual(rqis(store, 'T'), ['a1', 'a3']);
    await store.close();
    const reopened = await FileStore.open(dir);
    assert.deepEqual(rqis(reopened, 'T'), ['a1', 'a3']);
    await reopened.close();
  });

  it('when the cut-back fails too, the store refuses every later put instead of writing after a torn record', async () => {
    const dir = temporaryDirectory();
    const store = await FileStore.open(dir, { fsync: 'never' });
    put(store, 'T', 'b1');
    const realWrite = fs.writeSync;
    await withFaultyFs(
      {
        writeSync: ((fd: number, buffer: Buffer, offset: number, length: number) => {
          realWrite(fd, buffer, offset, Math.ceil(length / 2));
          throw ioError('EIO');
        }) as unknown as typeof fs.writeSync,
        ftruncateSync: () => {
          throw ioError('EIO');
        },
      },
      () => assertRefused(store.put('T', primitive('b2'), later()), /write failed: EIO/),
    );
    assertRefused(store.put('T', primitive('b3'), later()), /store unavailable: .*could not be repaired/);
    assert.deepEqual(rqis(store, 'T'), ['b1'], 'what was stored before stays deliverable');
    await store.close();
    // On disk: b1, then a torn half record, which the next open cuts off.
    const reopened = await FileStore.open(dir);
    assert.deepEqual(rqis(reopened, 'T'), ['b1']);
    put(reopened, 'T', 'b4');
    await reopened.close();
    const again = await FileStore.open(dir);
    assert.deepEqual(rqis(again, 'T'), ['b1', 'b4']);
    await again.close();
  });

  it("a failed background fsync ('batch') stops new puts: their durability could not be promised", async () => {
    const dir = temporaryDirectory();
    const store = await FileStore.open(dir, { fsync: 'batch' });
    await withFaultyFs(
      {
        fsyncSync: () => {
          throw ioError('EIO');
        },
      },
      async () => {
        put(store, 'T', 'c1'); // accepted: in the kernel; the fsync follows within 50 ms
        await new Promise((r) => setTimeout(r, 120));
      },
    );
    assertRefused(store.put('T', primitive('c2'), later()), /store unavailable: EIO/);
    assert.deepEqual(rqis(store, 'T'), ['c1']);
    await store.close();
  });

  it('a failed removal write is kept in lastWriteError, not thrown; the entry comes back after a restart', async () => {
    const dir = temporaryDirectory();
    const store = await FileStore.open(dir, { fsync: 'never' });
    const id = put(store, 'T', 'd1');
    put(store, 'T', 'd2');
    await withFaultyFs(
      {
        writeSync: () => {
          throw ioError('ENOSPC');
        },
      },
      () => store.remove(id),
    );
    assert.match(String(store.lastWriteError?.message), /ENOSPC/);
    assert.deepEqual(rqis(store, 'T'), ['d2'], 'gone from memory at once');
    await store.close();
    const reopened = await FileStore.open(dir);
    assert.deepEqual(rqis(reopened, 'T'), ['d1', 'd2'], 'delivered at least once: the removal never reached the log');
    await reopened.close();
  });
});

describe('FileStore: crash', () => {
  // 'batch' too: a process crash loses nothing there either, the writes already reached the kernel.
  for (const fsync of ['always', 'batch'] as const) {
    it(`after SIGKILL mid-way (fsync '${fsync}'), every entry reported stored is there, in order`, async () => {
      const dir = temporaryDirectory();
      const script = fileURLToPath(new URL('./fixtures/crash-writer.ts', import.meta.url));
      const child = spawn(process.execPath, ['--import', 'tsx', script, dir, '100000', fsync], { stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      let errors = '';
      child.stderr.on('data', (chunk: Buffer) => { errors += chunk.toString(); });
      const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          if (/stored 200\n/.test(output)) {
            child.kill('SIGKILL');
            resolve();
          }
        });
        child.on('exit', () => reject(new Error(`writer exited before the kill: ${errors}`)));
      });
      assert.equal(await exited, 'SIGKILL');

      const printed = [...output.matchAll(/stored (\d+)\n/g)].map((m) => Number(m[1]));
      const lastPrinted = Math.max(...printed);
      const store = await reopen(dir, { limits: { maxPerTarget: Infinity, maxTotal: Infinity } });
      const found = store.targets().flatMap((target) => store.pending(target).map((e) => ({ target, k: Number(e.primitive.rqi.slice(1)) })));
      const ks = new Set(found.map((f) => f.k));
      for (let k = 0; k <= lastPrinted; k++) assert.ok(ks.has(k), `entry ${k} was reported stored but is missing`);
      for (const target of store.targets()) {
        const order = store.pending(target).map((e) => Number(e.primitive.rqi.slice(1)));
        assert.deepEqual(order, [...order].sort((a, b) => a - b), `order of ${target}`);
      }
      // Nothing past what was written either: the found entries are exactly 0..max.
      assert.deepEqual([...ks].sort((a, b) => a - b), Array.from({ length: ks.size }, (_, k) => k));
      await store.close();
    });
  }
});

describe('CRC-32', () => {
  it('the portable table matches the check value and zlib', () => {
    assert.equal(crc32Portable(Buffer.from('123456789')), 0xcbf43926);
    assert.equal(crc32Portable(Buffer.alloc(0)), 0);
    if (typeof zlib.crc32 === 'function') {
      for (const sample of ['', 'a', 'oneM2M', 'é€😀'.repeat(100)]) {
        assert.equal(crc32Portable(Buffer.from(sample)), zlib.crc32(Buffer.from(sample)));
      }
    }
  });
});
