import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { formatExtension, isToken, parseExtensionHeader } from "../../src/ws/protocol/extension-header.js";

describe("parseExtensionHeader", () => {
  it("parses a bare extension", () => {
    assert.deepEqual(parseExtensionHeader("permessage-deflate"), [{ name: "permessage-deflate", params: [] }]);
  });

  it("parses parameters with and without values, keeping order and repeats", () => {
    assert.deepEqual(
      parseExtensionHeader("permessage-deflate; client_max_window_bits; server_max_window_bits=10; x=1; x=2"),
      [
        {
          name: "permessage-deflate",
          params: [
            ["client_max_window_bits", true],
            ["server_max_window_bits", "10"],
            ["x", "1"],
            ["x", "2"],
          ],
        },
      ],
    );
  });

  it("parses several offers in order", () => {
    assert.deepEqual(parseExtensionHeader("permessage-deflate; server_max_window_bits=10, permessage-deflate, foo;bar"), [
      { name: "permessage-deflate", params: [["server_max_window_bits", "10"]] },
      { name: "permessage-deflate", params: [] },
      { name: "foo", params: [["bar", true]] },
    ]);
  });

  it("allows optional whitespace (spaces and tabs) around every separator", () => {
    assert.deepEqual(parseExtensionHeader(" \tfoo \t; \ta \t= \t1 \t;b\t,\tbar "), [
      { name: "foo", params: [["a", "1"], ["b", true]] },
      { name: "bar", params: [] },
    ]);
  });

  it("unescapes a quoted-string value that is a token", () => {
    assert.deepEqual(parseExtensionHeader('foo; a="10"; b="x\\y"'), [
      { name: "foo", params: [["a", "10"], ["b", "xy"]] },
    ]);
  });

  it("keeps the case of names and values as sent", () => {
    assert.deepEqual(parseExtensionHeader("PerMessage-Deflate; Server_No_Context_Takeover"), [
      { name: "PerMessage-Deflate", params: [["Server_No_Context_Takeover", true]] },
    ]);
  });

  it("skips empty list elements (joined header lines) and returns [] for an empty value", () => {
    assert.deepEqual(parseExtensionHeader(""), []);
    assert.deepEqual(parseExtensionHeader(" , ,"), []);
    assert.deepEqual(parseExtensionHeader(", foo, , bar,"), [
      { name: "foo", params: [] },
      { name: "bar", params: [] },
    ]);
  });

  const invalid: Array<[string, string]> = [
    ["missing extension name", "; a"],
    ["missing param name", "foo; ; a"],
    ["trailing semicolon", "foo;"],
    ["missing value after =", "foo; a="],
    ["missing value before ;", "foo; a=; b"],
    ["space inside a name", "foo bar"],
    ["non-token character in name", "fo@o"],
    ["non-token character in value", "foo; a=1/2"],
    ["empty quoted string", 'foo; a=""'],
    ["quoted string with a space", 'foo; a="1 2"'],
    ["quoted string with a separator", 'foo; a="1,2"'],
    ["unterminated quoted string", 'foo; a="10'],
    ["escaped quote at end", 'foo; a="10\\"'],
    ["quoted name", '"foo"'],
    ["garbage after value", "foo; a=1 2"],
    ["garbage after quoted value", 'foo; a="1"2'],
    ["double =", "foo; a==1"],
    ["non-ASCII", "föo"],
    ["control character", "foo;\u0000a"],
    ["CR LF (folding is not allowed here)", "foo;\r\n a"],
  ];
  for (const [what, header] of invalid) {
    it(`rejects ${what}: ${JSON.stringify(header)}`, () => {
      assert.equal(parseExtensionHeader(header), null);
    });
  }

  it("does not treat Object.prototype names specially", () => {
    assert.deepEqual(parseExtensionHeader("constructor; __proto__=1; toString"), [
      { name: "constructor", params: [["__proto__", "1"], ["toString", true]] },
    ]);
  });

  it("stays linear on long hostile inputs", () => {
    const hostile = [
      "a;".repeat(100_000) + "=",
      "a".repeat(200_000) + " @",
      "a; b=" + '"' + "x".repeat(200_000),
      ", ".repeat(100_000) + "@",
      "a; b".repeat(50_000) + ";",
    ];
    const start = performance.now();
    for (const h of hostile) assert.ok(parseExtensionHeader(h) === null, h.slice(0, 20));
    assert.ok(performance.now() - start < 1000, "parser took too long");
  });
});

describe("formatExtension", () => {
  it("formats parameters in order", () => {
    assert.equal(
      formatExtension({
        name: "permessage-deflate",
        params: [
          ["server_no_context_takeover", true],
          ["client_max_window_bits", "10"],
        ],
      }),
      "permessage-deflate; server_no_context_takeover; client_max_window_bits=10",
    );
  });

  it("round-trips through the parser", () => {
    const offer = { name: "x-ext", params: [["a", true], ["b", "c"], ["a", "2"]] as Array<[string, string | true]> };
    assert.deepEqual(parseExtensionHeader(formatExtension(offer)), [offer]);
  });

  it("refuses names or values that would break the header", () => {
    assert.throws(() => formatExtension({ name: "a b", params: [] }), TypeError);
    assert.throws(() => formatExtension({ name: "a", params: [["b", "1, evil"]] }), TypeError);
    assert.throws(() => formatExtension({ name: "a", params: [["", true]] }), TypeError);
  });
});

describe("isToken", () => {
  it("accepts tchar strings only", () => {
    assert.equal(isToken("permessage-deflate"), true);
    assert.equal(isToken("!#$%&'*+-.^_`|~09azAZ"), true);
    assert.equal(isToken(""), false);
    assert.equal(isToken("a b"), false);
    assert.equal(isToken("a\u00e9"), false);
  });
});
