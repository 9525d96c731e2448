import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { randomBytes } from "node:crypto";
import zlib from "node:zlib";
import {
  clientAccept,
  clientOffer,
  PerMessageDeflate,
  serverNegotiate,
  type DeflateOptions,
  type DeflateParams,
} from "../../src/ws/protocol/deflate.js";
import { parseExtensionHeader, type ExtensionOffer } from "../../src/ws/protocol/extension-header.js";

const TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);
const MiB = 1 << 20;

function parse(header: string): ExtensionOffer[] {
  const offers = parseExtensionHeader(header);
  assert.ok(offers, `unparsable: ${header}`);
  return offers;
}

function params(p: Partial<DeflateParams> = {}): DeflateParams {
  return {
    serverNoContextTakeover: false,
    clientNoContextTakeover: false,
    serverMaxWindowBits: 15,
    clientMaxWindowBits: 15,
    ...p,
  };
}

/** Text with repeats at many distances, compressible but not trivially. */
function sample(size: number, seed = 1): Buffer {
  const words = ["temperature", "humidity", "m2m:cin", "con", "rqi", "sensor", "value", "{", "}", ":", ",", "\"lbl\""];
  const parts: string[] = [];
  let x = seed;
  let length = 0;
  while (length < size) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    const part = x % 7 === 0 ? String(x % 1000) : words[x % words.length]!;
    parts.push(part);
    length += part.length;
  }
  return Buffer.from(parts.join("").slice(0, size));
}

/** Splits a buffer at pseudo-random points (fragments), including empty ones. */
function fragment(data: Buffer, pieces: number): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  for (let i = 1; i < pieces; i++) {
    const next = Math.min(data.length, at + Math.floor((data.length / pieces) * ((i % 3) * 0.5 + 0.25)));
    out.push(data.subarray(at, next));
    at = next;
  }
  out.push(data.subarray(at));
  return out;
}

function inflated(pmd: PerMessageDeflate, fragments: Buffer[], maxSize = 16 * MiB): Buffer {
  const result = pmd.decompress(fragments, maxSize);
  assert.ok(result.ok, result.ok ? "" : `${result.code} ${result.reason}`);
  return result.data;
}

type Internals = { deflater: unknown; inflater: unknown };
const internals = (pmd: PerMessageDeflate) => pmd as unknown as Internals;

// ---------------------------------------------------------------------------

describe("serverNegotiate", () => {
  const table: Array<[offer: string, options: DeflateOptions, header: string, agreed: Partial<DeflateParams>]> = [
    ["permessage-deflate", {}, "permessage-deflate; server_max_window_bits=12", { serverMaxWindowBits: 12 }],
    ["permessage-deflate", { serverMaxWindowBits: 15 }, "permessage-deflate", {}],
    [
      "permessage-deflate; client_max_window_bits",
      {},
      "permessage-deflate; server_max_window_bits=12; client_max_window_bits=12",
      { serverMaxWindowBits: 12, clientMaxWindowBits: 12 },
    ],
    [
      "permessage-deflate; client_max_window_bits",
      { serverMaxWindowBits: 15, clientMaxWindowBits: true },
      "permessage-deflate",
      {},
    ],
    [
      "permessage-deflate; client_max_window_bits=10",
      { clientMaxWindowBits: true },
      "permessage-deflate; server_max_window_bits=12; client_max_window_bits=10",
      { serverMaxWindowBits: 12, clientMaxWindowBits: 10 },
    ],
    [
      "permessage-deflate; client_max_window_bits=14",
      { clientMaxWindowBits: 9 },
      "permessage-deflate; server_max_window_bits=12; client_max_window_bits=9",
      { serverMaxWindowBits: 12, clientMaxWindowBits: 9 },
    ],
    [
      "permessage-deflate; server_max_window_bits=10",
      {},
      "permessage-deflate; server_max_window_bits=10",
      { serverMaxWindowBits: 10 },
    ],
    [
      "permessage-deflate; server_max_window_bits=14",
      {},
      "permessage-deflate; server_max_window_bits=12",
      { serverMaxWindowBits: 12 },
    ],
    [
      "permessage-deflate; server_max_window_bits=15",
      { serverMaxWindowBits: 15 },
      "permessage-deflate; server_max_window_bits=15",
      {},
    ],
    ["permessage-deflate; server_max_window_bits=8", {}, "permessage-deflate; server_max_window_bits=8", { serverMaxWindowBits: 8 }],
    [
      "permessage-deflate; server_no_context_takeover",
      { serverMaxWindowBits: 15 },
      "permessage-deflate; server_no_context_takeover",
      { serverNoContextTakeover: true },
    ],
    [
      "permessage-deflate; client_no_context_takeover",
      { serverMaxWindowBits: 15 },
      "permessage-deflate; client_no_context_takeover",
      { clientNoContextTakeover: true },
    ],
    [
      "permessage-deflate",
      { serverMaxWindowBits: 15, serverNoContextTakeover: true, clientNoContextTakeover: true },
      "permessage-deflate; server_no_context_takeover; client_no_context_takeover",
      { serverNoContextTakeover: true, clientNoContextTakeover: true },
    ],
    [
      'PerMessage-Deflate; SERVER_MAX_WINDOW_BITS="9"; Client_Max_Window_Bits',
      {},
      "permessage-deflate; server_max_window_bits=9; client_max_window_bits=12",
      { serverMaxWindowBits: 9, clientMaxWindowBits: 12 },
    ],
    // Several offers: the first acceptable one wins; broken ones are declined.
    [
      "x-unknown, permessage-deflate; server_max_window_bits=10, permessage-deflate",
      {},
      "permessage-deflate; server_max_window_bits=10",
      { serverMaxWindowBits: 10 },
    ],
    [
      "permessage-deflate; foo, permessage-deflate; server_no_context_takeover; server_no_context_takeover, permessage-deflate; server_max_window_bits=16, permessage-deflate; client_max_window_bits=11",
      {},
      "permessage-deflate; server_max_window_bits=12; client_max_window_bits=11",
      { serverMaxWindowBits: 12, clientMaxWindowBits: 11 },
    ],
  ];
  for (const [offer, options, header, agreed] of table) {
    it(`${offer} with ${JSON.stringify(options)} -> ${header}`, () => {
      const result = serverNegotiate(parse(offer), options);
      assert.ok(result);
      assert.equal(result.header, header);
      assert.deepEqual(result.params, params(agreed));
    });
  }

  const declined = [
    "permessage-deflate; foo",
    "permessage-deflate; foo=1",
    "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
    "permessage-deflate; client_no_context_takeover; Client_No_Context_Takeover",
    "permessage-deflate; server_max_window_bits=10; server_max_window_bits=10",
    "permessage-deflate; client_max_window_bits; client_max_window_bits=10",
    "permessage-deflate; server_no_context_takeover=1",
    'permessage-deflate; client_no_context_takeover="x"',
    "permessage-deflate; server_max_window_bits",
    "permessage-deflate; server_max_window_bits=7",
    "permessage-deflate; server_max_window_bits=16",
    "permessage-deflate; server_max_window_bits=08",
    "permessage-deflate; server_max_window_bits=0x9",
    "permessage-deflate; server_max_window_bits=10.0",
    "permessage-deflate; client_max_window_bits=7",
    "permessage-deflate; client_max_window_bits=abc",
    "x-other; server_max_window_bits=10",
  ];
  for (const offer of declined) {
    it(`declines ${offer}`, () => {
      assert.equal(serverNegotiate(parse(offer)), null);
    });
  }

  it("compares names as ASCII only (no Unicode case folding)", () => {
    const kelvin = "\u212a"; // lowercases to "k"
    assert.equal(serverNegotiate([{ name: "permessage-deflate", params: [[`server_no_context_ta${kelvin}eover`, true]] }]), null);
    assert.equal(serverNegotiate([{ name: `permessage-deflate${kelvin}`, params: [] }]), null);
  });

  it("declines when nothing is offered", () => {
    assert.equal(serverNegotiate([]), null);
  });

  it("rejects invalid options loudly", () => {
    assert.throws(() => serverNegotiate(parse("permessage-deflate"), { serverMaxWindowBits: 16 }), RangeError);
    assert.throws(() => serverNegotiate(parse("permessage-deflate"), { clientMaxWindowBits: 7 }), RangeError);
    assert.throws(() => clientOffer({ serverMaxWindowBits: 12.5 }), RangeError);
  });
});

describe("clientOffer", () => {
  it("asks for the default windows", () => {
    assert.equal(clientOffer(), "permessage-deflate; server_max_window_bits=12; client_max_window_bits=12");
  });
  it("lets the server choose our window with clientMaxWindowBits: true", () => {
    assert.equal(
      clientOffer({ clientMaxWindowBits: true, serverMaxWindowBits: 15 }),
      "permessage-deflate; client_max_window_bits",
    );
  });
  it("asks for no context takeover on either side", () => {
    assert.equal(
      clientOffer({ serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: 9, clientMaxWindowBits: 10 }),
      "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=9; client_max_window_bits=10",
    );
  });
});

describe("clientAccept", () => {
  const accepted: Array<[response: string, options: DeflateOptions, agreed: Partial<DeflateParams>]> = [
    ["permessage-deflate; server_max_window_bits=12; client_max_window_bits=12", {}, { serverMaxWindowBits: 12, clientMaxWindowBits: 12 }],
    // A server that ignored server_max_window_bits may use any window: inflate with 15.
    ["permessage-deflate", {}, { serverMaxWindowBits: 15, clientMaxWindowBits: 12 }],
    ["permessage-deflate; server_max_window_bits=8; client_max_window_bits=8", {}, { serverMaxWindowBits: 8, clientMaxWindowBits: 8 }],
    ["permessage-deflate; server_max_window_bits=15", { serverMaxWindowBits: 15, clientMaxWindowBits: true }, {}],
    ["permessage-deflate; client_max_window_bits=15", { clientMaxWindowBits: true }, { serverMaxWindowBits: 15 }],
    ["permessage-deflate; client_max_window_bits=9", { clientMaxWindowBits: true }, { serverMaxWindowBits: 15, clientMaxWindowBits: 9 }],
    ["permessage-deflate; server_no_context_takeover", {}, { serverNoContextTakeover: true, clientMaxWindowBits: 12 }],
    ["permessage-deflate; client_no_context_takeover", {}, { clientNoContextTakeover: true, clientMaxWindowBits: 12 }],
    ["permessage-deflate", { clientNoContextTakeover: true }, { clientNoContextTakeover: true, clientMaxWindowBits: 12 }],
    ["Permessage-Deflate; Server_Max_Window_Bits=10", {}, { serverMaxWindowBits: 10, clientMaxWindowBits: 12 }],
  ];
  for (const [response, options, agreed] of accepted) {
    it(`accepts ${response} with ${JSON.stringify(options)}`, () => {
      assert.deepEqual(clientAccept(parse(response), options), { ok: true, params: params(agreed) });
    });
  }

  const failed: Array<[response: string, options: DeflateOptions]> = [
    ["", {}],
    ["x-other", {}],
    ["permessage-deflate, permessage-deflate", {}],
    ["permessage-deflate, x-other", {}],
    ["permessage-deflate; foo", {}],
    ["permessage-deflate; server_no_context_takeover; server_no_context_takeover", {}],
    ["permessage-deflate; client_no_context_takeover=1", {}],
    ["permessage-deflate; server_max_window_bits=13", {}],
    ["permessage-deflate; server_max_window_bits=7", { serverMaxWindowBits: 15 }],
    ["permessage-deflate; server_max_window_bits", {}],
    ["permessage-deflate; client_max_window_bits=13", {}],
    ["permessage-deflate; client_max_window_bits", {}],
    ["permessage-deflate; client_max_window_bits", { clientMaxWindowBits: true }],
    ["permessage-deflate; client_max_window_bits=16", { clientMaxWindowBits: true }],
    ["permessage-deflate; client_max_window_bits=9; client_max_window_bits=9", {}],
  ];
  for (const [response, options] of failed) {
    it(`fails ${JSON.stringify(response)} with ${JSON.stringify(options)}`, () => {
      const result = clientAccept(parse(response), options);
      assert.equal(result.ok, false);
      assert.ok(!result.ok && result.reason.length > 0);
    });
  }

  it("agrees with serverNegotiate for every combination of options on both sides", () => {
    const flags = [false, true];
    const bits = [undefined, 8, 12, 15];
    let checked = 0;
    for (const sNo of flags) for (const cNo of flags) for (const sBits of bits) for (const cBits of [...bits, true as const]) {
      const client: DeflateOptions = { serverNoContextTakeover: sNo, clientNoContextTakeover: cNo, serverMaxWindowBits: sBits, clientMaxWindowBits: cBits };
      for (const server of [{}, { serverMaxWindowBits: 9, clientMaxWindowBits: 10 }, { serverNoContextTakeover: true }] as DeflateOptions[]) {
        const negotiated = serverNegotiate(parse(clientOffer(client)), server);
        assert.ok(negotiated);
        const result = clientAccept(parse(negotiated.header), client);
        assert.deepEqual(result, { ok: true, params: negotiated.params }, `${clientOffer(client)} -> ${negotiated.header}`);
        checked++;
      }
    }
    assert.equal(checked, 2 * 2 * 4 * 5 * 3);
  });
});

// ---------------------------------------------------------------------------

describe("PerMessageDeflate round trips", () => {
  const sizes = [0, 1, 100, 1024, 70_000, 200_000];
  const combos: DeflateParams[] = [];
  for (const serverNoContextTakeover of [false, true]) {
    for (const clientNoContextTakeover of [false, true]) {
      for (const [serverMaxWindowBits, clientMaxWindowBits] of [[15, 15], [8, 9], [12, 8], [10, 13]] as const) {
        combos.push({ serverNoContextTakeover, clientNoContextTakeover, serverMaxWindowBits, clientMaxWindowBits });
      }
    }
  }
  for (const agreed of combos) {
    it(`both directions, sizes ${sizes.join("/")}, fragmented and not: ${JSON.stringify(agreed)}`, () => {
      const server = new PerMessageDeflate(agreed, true);
      const client = new PerMessageDeflate(agreed, false);
      for (let round = 0; round < 2; round++) {
        for (const size of sizes) {
          const message = round === 0 ? sample(size, size) : randomBytes(size);
          assert.deepEqual(inflated(client, [server.compress(message)]), message);
          assert.deepEqual(inflated(server, fragment(client.compress(message), 4)), message);
          assert.deepEqual(inflated(server, [client.compress(message)]), message);
          assert.deepEqual(inflated(client, fragment(server.compress(message), 7)), message);
        }
      }
      server.close();
      client.close();
    });
  }

  it("keeps context across messages only when allowed (visible in the compressed size)", () => {
    const message = sample(2000);
    const sizes = (agreed: DeflateParams) => {
      const server = new PerMessageDeflate(agreed, true);
      return [server.compress(message).length, server.compress(message).length];
    };
    const [first, withContext] = sizes(params());
    assert.ok(withContext < first / 4, `${withContext} vs ${first}`);
    const [first2, without] = sizes(params({ serverNoContextTakeover: true }));
    assert.equal(without, first2);
    // The client side follows client_no_context_takeover, not the server's flag.
    const client = new PerMessageDeflate(params({ serverNoContextTakeover: true }), false);
    const a = client.compress(message).length;
    assert.ok(client.compress(message).length < a / 4);
  });

  it("compresses the empty message to a single 0x00 (RFC 7692 §7.2.3.6), also repeatedly with context", () => {
    const server = new PerMessageDeflate(params(), true);
    const client = new PerMessageDeflate(params(), false);
    for (const message of [Buffer.alloc(0), Buffer.alloc(0), Buffer.from("x"), Buffer.alloc(0), Buffer.from("xx")]) {
      const compressed = server.compress(message);
      if (message.length === 0) assert.deepEqual(compressed, Buffer.from([0x00]));
      assert.deepEqual(inflated(client, [compressed]), message);
    }
    assert.deepEqual(inflated(client, []), Buffer.alloc(0));
    assert.deepEqual(inflated(client, [Buffer.alloc(0), Buffer.alloc(0)]), Buffer.alloc(0));
    assert.deepEqual(inflated(client, [server.compress(Buffer.from("after"))]), Buffer.from("after"));
  });

  it("uses the threshold for shouldCompress", () => {
    const pmd = new PerMessageDeflate(params(), true, { threshold: 100 });
    assert.equal(pmd.shouldCompress(99), false);
    assert.equal(pmd.shouldCompress(100), true);
    assert.equal(new PerMessageDeflate(params(), true).shouldCompress(63), false);
    assert.equal(new PerMessageDeflate(params(), true).shouldCompress(64), true);
  });

  it("rejects invalid options and params", () => {
    assert.throws(() => new PerMessageDeflate(params(), true, { memLevel: 0 }), RangeError);
    assert.throws(() => new PerMessageDeflate(params(), true, { level: 10 }), RangeError);
    assert.throws(() => new PerMessageDeflate(params({ serverMaxWindowBits: 7 }), true), RangeError);
  });
});

describe("PerMessageDeflate against plain zlib", () => {
  it("one message without context: zlib.inflateRawSync(ours + tail) gives the input back", () => {
    const server = new PerMessageDeflate(params({ serverNoContextTakeover: true }), true);
    for (const size of [1, 500, 100_000]) {
      const message = sample(size, size);
      for (let i = 0; i < 2; i++) {
        const out = server.compress(message);
        assert.notDeepEqual(out.subarray(-4), TAIL);
        assert.deepEqual(zlib.inflateRawSync(Buffer.concat([out, TAIL]), { finishFlush: zlib.constants.Z_SYNC_FLUSH }), message);
      }
    }
  });

  it("messages with context: one zlib inflate of all messages (each + tail) gives them back in order", () => {
    const client = new PerMessageDeflate(params({ clientMaxWindowBits: 11 }), false);
    const messages = [1, 2, 3, 4, 5].map((i) => sample(700 * i, i));
    const stream = Buffer.concat(messages.flatMap((m) => [client.compress(m), TAIL]));
    assert.deepEqual(
      zlib.inflateRawSync(stream, { windowBits: 11, finishFlush: zlib.constants.Z_SYNC_FLUSH }),
      Buffer.concat(messages),
    );
  });

  it("inflates zlib.deflateRawSync(..., Z_SYNC_FLUSH) minus the tail", () => {
    const pmd = new PerMessageDeflate(params(), false);
    for (const size of [0, 10, 5000, 300_000]) {
      const message = sample(size, size + 1);
      const wire = zlib.deflateRawSync(message, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
      assert.deepEqual(wire.subarray(-4), TAIL);
      assert.deepEqual(inflated(pmd, [wire.subarray(0, -4)]), message);
    }
  });

  it("inflates a message ending in a BFINAL block (Z_FINISH) and starts afresh after it", () => {
    const pmd = new PerMessageDeflate(params(), false);
    for (let i = 0; i < 3; i++) {
      const message = sample(3000, i);
      assert.deepEqual(inflated(pmd, fragment(zlib.deflateRawSync(message), 3)), message);
    }
  });

  it("fails 1007 on data after a BFINAL block", () => {
    const pmd = new PerMessageDeflate(params(), false);
    const wire = Buffer.concat([zlib.deflateRawSync(Buffer.from("hello")), Buffer.from([0x01])]);
    assert.deepEqual(pmd.decompress([wire], MiB), { ok: false, code: 1007, reason: "data after the final compressed block" });
    const pmd2 = new PerMessageDeflate(params(), false);
    const split = [zlib.deflateRawSync(Buffer.from("hello")), Buffer.from([0x00])];
    assert.equal(pmd2.decompress(split, MiB).ok, false);
  });

  it("honours a negotiated 8-bit window although zlib compresses with 9 bits", () => {
    // Repeats at distances 256..511 would break a 256-byte window if zlib used them.
    const block = randomBytes(300);
    const message = Buffer.concat([block, block, randomBytes(100), block, block.subarray(0, 200), block]);
    const agreed = params({ serverMaxWindowBits: 8 });
    const server = new PerMessageDeflate(agreed, true);
    const client = new PerMessageDeflate(agreed, false); // inflates with an 8-bit window
    for (let i = 0; i < 20; i++) {
      const out = server.compress(message);
      assert.deepEqual(inflated(client, [out]), message);
    }
    const independent = zlib.createInflateRaw({ windowBits: 8 });
    assert.ok(independent); // zlib accepts 8 bits for raw inflate
  });

  it("fails 1007 on data that does not inflate", () => {
    for (const garbage of [Buffer.from([0xff, 0xff, 0xff, 0xff]), Buffer.from([0x07]), randomBytes(64).fill(0xfe, 0, 1)]) {
      const pmd = new PerMessageDeflate(params(), true);
      const result = pmd.decompress([garbage], MiB);
      assert.equal(result.ok, false);
      assert.equal(!result.ok && result.code, 1007);
    }
  });

  it("relies on the zlib internals it drives (fails here first if Node changes them)", () => {
    const stream = zlib.createInflateRaw() as unknown as { _handle: { writeSync: unknown }; _writeState: unknown; close(): void };
    assert.equal(typeof stream._handle.writeSync, "function");
    assert.ok(stream._writeState instanceof Uint32Array);
    stream.close();
  });
});

describe("PerMessageDeflate size cap", () => {
  const zeros = zlib.deflateRawSync(Buffer.alloc(10 * MiB), { finishFlush: zlib.constants.Z_SYNC_FLUSH }).subarray(0, -4);

  it("fails a 10 MiB bomb with 1009 against a 1 MiB limit", () => {
    assert.ok(zeros.length < 20_000, `bomb is ${zeros.length} bytes`);
    const pmd = new PerMessageDeflate(params(), true);
    assert.deepEqual(pmd.decompress([zeros], MiB), { ok: false, code: 1009, reason: "message too big after decompression" });
    assert.equal(internals(pmd).inflater, null);
    // The same message within a large enough limit inflates completely.
    const big = new PerMessageDeflate(params(), true).decompress([zeros], 10 * MiB);
    assert.ok(big.ok && big.data.length === 10 * MiB);
  });

  it("never gives zlib room for more than maxSize + 1 bytes of output", () => {
    const pmd = new PerMessageDeflate(params(), true);
    inflated(pmd, [new PerMessageDeflate(params(), false).compress(Buffer.from("warm up"))]); // opens the inflater
    type Handle = { writeSync(...args: unknown[]): void };
    const z = internals(pmd).inflater as { handle: Handle; state: Uint32Array };
    const original = z.handle.writeSync.bind(z.handle);
    let written = 0;
    let mostOffered = 0;
    z.handle.writeSync = (...args: unknown[]) => {
      const outLength = args[6] as number;
      mostOffered = Math.max(mostOffered, written + outLength);
      original(...args);
      written += outLength - z.state[0]!;
    };
    const maxSize = 100_000; // not a multiple of the scratch size
    assert.equal(pmd.decompress([zeros], maxSize).ok, false);
    assert.equal(mostOffered, maxSize + 1);
    assert.equal(written, maxSize + 1);
  });

  it("allows exactly maxSize bytes and fails at maxSize + 1", () => {
    const message = sample(5000);
    const compressed = new PerMessageDeflate(params(), false).compress(message);
    assert.ok(new PerMessageDeflate(params(), true).decompress([compressed], 5000).ok);
    assert.equal(new PerMessageDeflate(params(), true).decompress([compressed], 4999).ok, false);
    assert.equal(new PerMessageDeflate(params(), true).decompress([compressed], 0).ok, false);
  });

  it("does not allocate the inflated size (measured in a fresh process)", () => {
    const script = `
      import zlib from "node:zlib";
      import { PerMessageDeflate } from ${JSON.stringify(join(dirname(new URL(import.meta.url).pathname), "../../src/ws/protocol/deflate.ts"))};
      // Build the bomb without ever holding 10 MiB: 160 sync-flushed 64 KiB chunks of zeros.
      const deflate = zlib.createDeflateRaw();
      const chunk = Buffer.alloc(65536);
      const parts = [];
      for (let i = 0; i < 160; i++) parts.push(zlib.deflateRawSync(chunk, { finishFlush: zlib.constants.Z_SYNC_FLUSH }));
      const bomb = Buffer.concat(parts).subarray(0, -4);
      const params = { serverNoContextTakeover: false, clientNoContextTakeover: false, serverMaxWindowBits: 15, clientMaxWindowBits: 15 };
      const pmd = new PerMessageDeflate(params, true);
      pmd.decompress([Buffer.from("")], 1); // warm up: load code, scratch buffer
      globalThis.gc();
      const before = { rss: process.memoryUsage().rss, ab: process.memoryUsage().arrayBuffers, peak: process.resourceUsage().maxRSS };
      const result = pmd.decompress([bomb], 1 << 20);
      const after = { rss: process.memoryUsage().rss, ab: process.memoryUsage().arrayBuffers, peak: process.resourceUsage().maxRSS };
      console.log(JSON.stringify({ code: result.ok ? 0 : result.code, bombBytes: bomb.length,
        rssGrowth: after.rss - before.rss, arrayBufferGrowth: after.ab - before.ab, peakGrowthKiB: after.peak - before.peak }));
      deflate.close();
    `;
    const child = spawnSync(process.execPath, ["--expose-gc", "--import", "tsx", "--input-type=module", "-e", script], {
      encoding: "utf8",
    });
    assert.equal(child.status, 0, child.stderr);
    const report = JSON.parse(child.stdout.trim()) as {
      code: number;
      bombBytes: number;
      rssGrowth: number;
      arrayBufferGrowth: number;
      peakGrowthKiB: number;
    };
    assert.equal(report.code, 1009);
    assert.ok(report.bombBytes < 100_000, `bomb ${report.bombBytes}`);
    // The inflated size would be 10 MiB; allow the 1 MiB of output plus slack.
    assert.ok(report.arrayBufferGrowth < 3 * MiB, JSON.stringify(report));
    assert.ok(report.rssGrowth < 5 * MiB, JSON.stringify(report));
    assert.ok(report.peakGrowthKiB * 1024 < 5 * MiB, JSON.stringify(report));
  });
});

describe("PerMessageDeflate zlib contexts", () => {
  it("creates contexts lazily", () => {
    const pmd = new PerMessageDeflate(params(), true);
    assert.equal(internals(pmd).deflater, null);
    assert.equal(internals(pmd).inflater, null);
    pmd.shouldCompress(1000);
    assert.equal(internals(pmd).deflater, null);
    const out = pmd.compress(sample(100));
    assert.notEqual(internals(pmd).deflater, null);
    assert.equal(internals(pmd).inflater, null);
    inflated(new PerMessageDeflate(params(), false), [out]);
  });

  it("releases a context after each message when its direction has no context takeover", () => {
    const server = new PerMessageDeflate(params({ serverNoContextTakeover: true }), true);
    const client = new PerMessageDeflate(params({ serverNoContextTakeover: true }), false);
    inflated(client, [server.compress(sample(500))]);
    assert.equal(internals(server).deflater, null);
    assert.equal(internals(client).inflater, null);
    inflated(server, [client.compress(sample(500))]);
    assert.notEqual(internals(client).deflater, null); // client_no_context_takeover was not agreed
    assert.notEqual(internals(server).inflater, null);
    server.close();
    client.close();
    assert.equal(internals(server).inflater, null);
    assert.equal(internals(client).deflater, null);
  });

  it("resets instead of releasing with keepIdleContexts, with the same output", () => {
    const agreed = params({ serverNoContextTakeover: true, clientNoContextTakeover: true });
    const keep = new PerMessageDeflate(agreed, true, { keepIdleContexts: true });
    const release = new PerMessageDeflate(agreed, true);
    const peer = new PerMessageDeflate(agreed, false);
    for (let i = 0; i < 3; i++) {
      const message = sample(1500, i);
      const out = keep.compress(message);
      assert.deepEqual(out, release.compress(message));
      assert.notEqual(internals(keep).deflater, null);
      assert.deepEqual(inflated(keep, [peer.compress(message)]), message);
      assert.notEqual(internals(keep).inflater, null);
    }
  });

  it("works again after close() (contexts reopen lazily)", () => {
    const server = new PerMessageDeflate(params(), true);
    const client = new PerMessageDeflate(params(), false);
    inflated(client, [server.compress(sample(100))]);
    server.close();
    server.close();
    assert.deepEqual(inflated(client, [server.compress(sample(100))]), sample(100));
  });
});

// ---------------------------------------------------------------------------
// Interop with ws's own PerMessageDeflate (callback based).

interface WsDeflate {
  offer(): Record<string, unknown>;
  accept(configurations: unknown[]): Record<string, unknown>;
  compress(data: Buffer, fin: boolean, cb: (err: Error | null, out: Buffer) => void): void;
  decompress(data: Buffer, fin: boolean, cb: (err: Error | null, out: Buffer) => void): void;
  cleanup(): void;
}
const require = createRequire(import.meta.url);
const wsLib = (file: string): unknown => require(join(dirname(require.resolve("ws")), "lib", file));
const WsPerMessageDeflate = wsLib("permessage-deflate.js") as new (options: Record<string, unknown>) => WsDeflate;
const wsExtension = wsLib("extension.js") as {
  parse(header: string): Record<string, unknown[]>;
  format(extensions: Record<string, unknown>): string;
};

const wsCall = (fn: (cb: (err: Error | null, out: Buffer) => void) => void) =>
  new Promise<Buffer>((resolve, reject) => fn((err, out) => (err ? reject(err) : resolve(out))));

/** ws compresses a message as `parts` frames (fin only on the last), as its sender does for fragments. */
async function wsCompress(ws: WsDeflate, message: Buffer, parts: number): Promise<Buffer[]> {
  const pieces = parts === 1 ? [message] : fragment(message, parts);
  const out: Buffer[] = [];
  for (let i = 0; i < pieces.length; i++) out.push(await wsCall((cb) => ws.compress(pieces[i]!, i === pieces.length - 1, cb)));
  return out;
}

async function wsDecompress(ws: WsDeflate, fragments: Buffer[]): Promise<Buffer> {
  const out: Buffer[] = [];
  for (let i = 0; i < fragments.length; i++) out.push(await wsCall((cb) => ws.decompress(fragments[i]!, i === fragments.length - 1, cb)));
  return Buffer.concat(out);
}

async function exchange(ours: PerMessageDeflate, ws: WsDeflate): Promise<void> {
  for (const size of [1, 100, 1024, 70_000]) {
    for (const parts of [1, 3]) {
      const message = sample(size, size + parts);
      assert.deepEqual(await wsDecompress(ws, parts === 1 ? [ours.compress(message)] : fragment(ours.compress(message), parts)), message);
      assert.deepEqual(inflated(ours, await wsCompress(ws, message, parts)), message);
    }
  }
}

describe("interop with ws's PerMessageDeflate", () => {
  const flags = [false, true];
  const wsWindows: Array<[number | undefined, number | boolean | undefined]> = [[undefined, undefined], [8, 9], [10, 15]];
  const ourWindows: DeflateOptions[] = [{}, { serverMaxWindowBits: 8, clientMaxWindowBits: 8 }, { serverMaxWindowBits: 15, clientMaxWindowBits: true }];

  for (const serverNoContextTakeover of flags) for (const clientNoContextTakeover of flags) {
    for (const [serverMaxWindowBits, clientMaxWindowBits] of wsWindows) {
      const wsOptions = { serverNoContextTakeover, clientNoContextTakeover, serverMaxWindowBits, clientMaxWindowBits };
      it(`ws client -> our server: ${JSON.stringify(wsOptions)}`, async () => {
        const wsClient = new WsPerMessageDeflate({ ...wsOptions, threshold: 0 });
        const offer = wsExtension.format({ "permessage-deflate": wsClient.offer() });
        const negotiated = serverNegotiate(parse(offer));
        assert.ok(negotiated, offer);
        wsClient.accept(wsExtension.parse(negotiated.header)["permessage-deflate"]!);
        const ours = new PerMessageDeflate(negotiated.params, true);
        await exchange(ours, wsClient);
        ours.close();
        wsClient.cleanup();
      });
    }
  }

  for (const serverNoContextTakeover of flags) for (const clientNoContextTakeover of flags) {
    for (const windows of ourWindows) {
      const options: DeflateOptions = { serverNoContextTakeover, clientNoContextTakeover, ...windows };
      it(`our client -> ws server: ${JSON.stringify(options)}`, async () => {
        const wsServer = new WsPerMessageDeflate({ isServer: true, threshold: 0 });
        const accepted = wsServer.accept(wsExtension.parse(clientOffer(options))["permessage-deflate"]!);
        const result = clientAccept(parse(wsExtension.format({ "permessage-deflate": accepted })), options);
        assert.ok(result.ok, result.ok ? "" : result.reason);
        const ours = new PerMessageDeflate(result.params, false);
        await exchange(ours, wsServer);
        ours.close();
        wsServer.cleanup();
      });
    }
  }
});
