/**
 * `Sec-WebSocket-Extensions` values (RFC 6455 §9.1):
 *
 *   extension-list = 1#extension
 *   extension      = token *( OWS ";" OWS param )
 *   param          = token [ OWS "=" OWS ( token / quoted-string ) ]
 *
 * A hand-written single-pass scanner: linear in the input, no regular
 * expressions, no lookups keyed by peer data. Names and values are returned
 * exactly as sent; comparing them is the caller's business (the deflate
 * negotiation compares names ASCII-case-insensitively, as HTTP tokens are).
 *
 * Decisions:
 * - Empty list elements (`a, , b`, a leading or trailing comma) are skipped,
 *   as RFC 9110 §5.6.1 asks of recipients; an empty value gives `[]`.
 * - A quoted-string value must be a token once unescaped (RFC 6455 §9.1), so
 *   `x="10"` equals `x=10`, and `x=""` or `x="a b"` is a syntax error.
 */

export type ExtensionParam = [name: string, value: string | true];

export interface ExtensionOffer {
  name: string;
  /** In the order sent, repeats kept. `true` for a parameter without a value. */
  params: ExtensionParam[];
}

/** tchar of RFC 9110 §5.6.2, indexed by char code (0..127). */
const TOKEN_CHARS = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") {
  TOKEN_CHARS[c.charCodeAt(0)] = 1;
}

const SPACE = 0x20;
const TAB = 0x09;
const COMMA = 0x2c;
const SEMICOLON = 0x3b;
const EQUALS = 0x3d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

export function isToken(text: string): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) {
    if (!isTokenChar(text.charCodeAt(i))) return false;
  }
  return true;
}

function isTokenChar(code: number): boolean {
  return code < 128 && TOKEN_CHARS[code] === 1;
}

/** Returns the offers in order, or null if `value` breaks the grammar anywhere. */
export function parseExtensionHeader(value: string): ExtensionOffer[] | null {
  const scanner = new Scanner(value);
  const offers: ExtensionOffer[] = [];

  while (true) {
    scanner.skipWhitespace();
    if (scanner.atEnd()) return offers;
    if (scanner.take(COMMA)) continue; // empty list element

    const name = scanner.token();
    if (name === null) return null;
    const params: ExtensionParam[] = [];

    scanner.skipWhitespace();
    while (scanner.take(SEMICOLON)) {
      scanner.skipWhitespace();
      const paramName = scanner.token();
      if (paramName === null) return null;
      scanner.skipWhitespace();
      let paramValue: string | true = true;
      if (scanner.take(EQUALS)) {
        scanner.skipWhitespace();
        const v = scanner.peek() === QUOTE ? scanner.quotedToken() : scanner.token();
        if (v === null) return null;
        paramValue = v;
        scanner.skipWhitespace();
      }
      params.push([paramName, paramValue]);
    }
    offers.push({ name, params });

    if (scanner.atEnd()) return offers;
    if (!scanner.take(COMMA)) return null;
  }
}

/** `name; a; b=1`. Throws on a name or value that is not a token (never send a broken header). */
export function formatExtension(offer: ExtensionOffer): string {
  let text = checkedToken(offer.name);
  for (const [name, value] of offer.params) {
    text += value === true ? `; ${checkedToken(name)}` : `; ${checkedToken(name)}=${checkedToken(value)}`;
  }
  return text;
}

function checkedToken(text: string): string {
  if (!isToken(text)) throw new TypeError(`not an HTTP token: ${JSON.stringify(text)}`);
  return text;
}

class Scanner {
  private pos = 0;
  constructor(private readonly text: string) {}

  atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  peek(): number {
    return this.text.charCodeAt(this.pos);
  }

  take(code: number): boolean {
    if (this.text.charCodeAt(this.pos) !== code) return false;
    this.pos++;
    return true;
  }

  skipWhitespace(): void {
    let code = this.text.charCodeAt(this.pos);
    while (code === SPACE || code === TAB) code = this.text.charCodeAt(++this.pos);
  }

  token(): string | null {
    const start = this.pos;
    while (isTokenChar(this.text.charCodeAt(this.pos))) this.pos++;
    return this.pos > start ? this.text.slice(start, this.pos) : null;
  }

  /** A quoted-string whose unescaped content is a token (the only kind §9.1 allows). */
  quotedToken(): string | null {
    this.pos++; // opening quote
    let result = "";
    while (true) {
      let code = this.text.charCodeAt(this.pos++);
      if (code === QUOTE) return result.length > 0 ? result : null;
      if (code === BACKSLASH) code = this.text.charCodeAt(this.pos++);
      if (!isTokenChar(code)) return null; // also ends an unterminated string (NaN)
      result += String.fromCharCode(code);
    }
  }
}
