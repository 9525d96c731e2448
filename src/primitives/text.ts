/**
 * The single UTF-8 decode of a text frame payload, and cheap request-id recovery from text that
 * failed to parse (so even an error response can carry the peer's `rqi`).
 */
import { Buffer, isUtf8 } from 'node:buffer';
import { describeThrown, failure, InvalidPrimitive, type DecodeResult } from './errors.js';
import { resolveDecodeOptions, type DecodeOptions, type ResolvedDecodeOptions } from './options.js';

/**
 * The front half of the text decoders (JSON, XML): the size limit, then the one UTF-8 decode,
 * then `decodeText` on the string, with the options resolved once for both halves.
 */
export function decodeTextPayload(
  payload: Uint8Array,
  options: DecodeOptions | undefined,
  decodeText: (text: string, resolved: ResolvedDecodeOptions) => DecodeResult,
): DecodeResult {
  const resolved = resolveDecodeOptions(options);
  const { maxBytes } = resolved.limits;
  if (payload.byteLength > maxBytes) return failure(`payload larger than ${maxBytes} bytes`);
  let text: string;
  try {
    text = decodeUtf8(payload, resolved.utf8Validated);
  } catch (e) {
    return failure(describeThrown(e));
  }
  return decodeText(text, resolved);
}

/**
 * Decode a payload as UTF-8, refusing invalid sequences (no silent U+FFFD). `isUtf8` is a
 * native validator, so strictness costs one fast scan and no copy; a leading BOM is skipped.
 * `validated`: the caller already checked (a WebSocket text message), so the scan is skipped.
 */
export function decodeUtf8(payload: Uint8Array, validated = false): string {
  const bytes = Buffer.isBuffer(payload) ? payload : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  if (!validated && !isUtf8(bytes)) throw new InvalidPrimitive('payload is not valid UTF-8');
  const start = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  return bytes.toString('utf8', start);
}

const MAX_RECOVERED_RQI = 256;

/**
 * Find `"rqi"` followed by `:` and a simple string in broken JSON. A linear scan with indexOf;
 * only strings without escapes are recovered (good enough for the ids peers actually use).
 */
export function scanJsonRqi(text: string): string | undefined {
  let from = 0;
  for (;;) {
    const at = text.indexOf('"rqi"', from);
    if (at < 0) return undefined;
    let i = skipSpaces(text, at + 5);
    if (text.charCodeAt(i) === 58 /* : */) {
      i = skipSpaces(text, i + 1);
      if (text.charCodeAt(i) === 34 /* " */) {
        const end = text.indexOf('"', i + 1);
        const candidate = end < 0 ? undefined : text.slice(i + 1, end);
        if (candidate !== undefined && candidate.length <= MAX_RECOVERED_RQI && !candidate.includes('\\')) return candidate;
      }
    }
    from = at + 5;
  }
}

/** Find `<rqi>...</rqi>` in broken XML (text without markup or entities only). */
export function scanXmlRqi(text: string): string | undefined {
  const open = text.indexOf('<rqi>');
  if (open < 0) return undefined;
  const close = text.indexOf('</rqi>', open + 5);
  if (close < 0 || close - open - 5 > MAX_RECOVERED_RQI) return undefined;
  const candidate = text.slice(open + 5, close);
  return candidate.includes('<') || candidate.includes('&') ? undefined : candidate;
}

function skipSpaces(text: string, i: number): number {
  for (;;) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13) return i;
    i++;
  }
}
