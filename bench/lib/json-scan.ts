/**
 * Reading one member of a small, flat-enough JSON text without parsing it: what the lean load
 * clients and the floor server do instead of JSON.parse, so that they cost next to nothing.
 * Only for the bench's own primitives: ASCII, no escapes in the values looked for.
 */

/** The value of `"name":"…"` or `"name":123` (the first occurrence), or undefined. */
export function field(text: string, name: string): string | undefined {
  const at = text.indexOf(`"${name}":`);
  if (at < 0) return undefined;
  let i = at + name.length + 3;
  if (text.charCodeAt(i) === 0x22) return text.slice(i + 1, text.indexOf('"', i + 1));
  const start = i;
  while (i < text.length && text.charCodeAt(i) >= 0x30 && text.charCodeAt(i) <= 0x39) i++;
  return text.slice(start, i);
}
