/**
 * Percent-encoding for header values. Decoding: malformed escapes (`%zz`, a lone `%`) make the
 * value unusable (`undefined`); well-formed escapes of invalid UTF-8 decode to U+FFFD, as the W3C
 * baggage spec asks. Both directions never throw.
 *
 * Decoding costs about the same per character whatever the input: one scan checks the escapes
 * and their UTF-8 first, so `decodeURIComponent` runs only where it cannot throw (a thrown
 * URIError costs microseconds, once per member of a hostile header), and invalid UTF-8 goes
 * through one pass into a byte buffer.
 */
const utf8 = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

/** What a scan of a value's escapes found. */
type Escapes = "malformed" | "utf8" | "invalid-utf8";

/** The value of a hex digit's char code, or -1. */
function hexDigit(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  const lower = code | 0x20;
  return lower >= 97 && lower <= 102 ? lower - 87 : -1;
}

/** The byte of the escape `%XY` at `i`, or -1 when it is not one. */
function escapedByte(value: string, i: number): number {
  if (i + 2 >= value.length) return -1;
  const high = hexDigit(value.charCodeAt(i + 1));
  const low = hexDigit(value.charCodeAt(i + 2));
  return high < 0 || low < 0 ? -1 : (high << 4) | low;
}

/**
 * Whether every escape is well-formed and the escaped bytes are well-formed UTF-8 (Unicode
 * table 3-7: no overlong forms, no surrogates, nothing past U+10FFFF) — what
 * `decodeURIComponent` accepts.
 */
function checkEscapes(value: string, from: number): Escapes {
  let valid = true;
  let pending = 0; // continuation bytes still expected
  let low = 0x80; // the range of the next continuation byte
  let high = 0xbf;
  for (let i = from; i < value.length; i++) {
    if (value.charCodeAt(i) !== 37) {
      if (pending > 0) valid = false;
      pending = 0;
      continue;
    }
    const byte = escapedByte(value, i);
    if (byte < 0) return "malformed";
    i += 2;
    if (pending > 0) {
      if (byte < low || byte > high) valid = false;
      pending = byte < low || byte > high ? 0 : pending - 1;
      low = 0x80;
      high = 0xbf;
      continue;
    }
    if (byte < 0x80) continue;
    if (byte >= 0xc2 && byte <= 0xdf) pending = 1;
    else if (byte >= 0xe0 && byte <= 0xef) {
      pending = 2;
      if (byte === 0xe0) low = 0xa0;
      if (byte === 0xed) high = 0x9f;
    } else if (byte >= 0xf0 && byte <= 0xf4) {
      pending = 3;
      if (byte === 0xf0) low = 0x90;
      if (byte === 0xf4) high = 0x8f;
    } else valid = false;
  }
  return valid && pending === 0 ? "utf8" : "invalid-utf8";
}

/** Decodes `value`'s escapes (checked well-formed) as UTF-8 bytes, literal characters as their UTF-8. */
function decodeLeniently(value: string): string {
  // A UTF-16 unit takes at most 3 bytes of UTF-8 (a pair 4 for 2 units); an escape 1 for 3.
  const bytes = new Uint8Array(value.length * 3);
  let n = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 37) {
      bytes[n++] = escapedByte(value, i);
      i += 2;
    } else if (c < 0x80) {
      bytes[n++] = c;
    } else if (c < 0x800) {
      bytes[n++] = 0xc0 | (c >> 6);
      bytes[n++] = 0x80 | (c & 0x3f);
    } else {
      let point = c;
      const next = value.charCodeAt(i + 1);
      if (c >= 0xd800 && c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        point = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
        i++;
      } else if (c >= 0xd800 && c <= 0xdfff) {
        point = 0xfffd; // a lone surrogate, as TextEncoder writes it
      }
      if (point >= 0x10000) {
        bytes[n++] = 0xf0 | (point >> 18);
        bytes[n++] = 0x80 | ((point >> 12) & 0x3f);
      } else {
        bytes[n++] = 0xe0 | (point >> 12);
      }
      bytes[n++] = 0x80 | ((point >> 6) & 0x3f);
      bytes[n++] = 0x80 | (point & 0x3f);
    }
  }
  return utf8.decode(bytes.subarray(0, n));
}

/**
 * A percent-encoded header value, decoded; `undefined` when an escape is malformed.
 * @example
 * decodePercent("%E2%9C%93%20a/b"); // "✓ a/b"
 * decodePercent("a%FFb"); // "a\uFFFDb"
 */
export function decodePercent(value: string): string | undefined {
  const first = value.indexOf("%");
  if (first === -1) return value;
  const escapes = checkEscapes(value, first);
  if (escapes === "malformed") return undefined;
  if (escapes === "utf8") {
    try {
      return decodeURIComponent(value);
    } catch {
      // Not reached when the check above matches the engine's rules; lenient decoding is right anyway.
    }
  }
  return decodeLeniently(value);
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * `encodeURIComponent` that never throws: a lone surrogate (which it refuses) is written as
 * U+FFFD, as TextEncoder writes it.
 * @example
 * encodePercent("a b"); // "a%20b"
 * encodePercent("\ud800"); // "%EF%BF%BD"
 */
export function encodePercent(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return encodeURIComponent(value.replace(LONE_SURROGATE, "\ufffd"));
  }
}
