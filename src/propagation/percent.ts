/**
 * Percent-encoding for header values. Decoding: malformed escapes (`%zz`, a lone `%`) make the
 * value unusable (`undefined`); well-formed escapes of invalid UTF-8 decode to U+FFFD, as the W3C
 * baggage spec asks (one per maximal ill-formed part, as TextDecoder writes them). Both
 * directions never throw.
 *
 * Decoding never lets `decodeURIComponent` throw: a thrown URIError costs microseconds, once per
 * member of a hostile header. A regular expression finds how much of the value is well-formed
 * (all of it, normally), and that much goes to `decodeURIComponent`; the rest is checked escape
 * by escape, each ill-formed part becoming U+FFFD.
 */

/**
 * The longest start of a value made of characters other than `%` and escapes of well-formed
 * UTF-8 (Unicode's table 3-7: no overlong forms, no surrogates, nothing past U+10FFFF), which is
 * what `decodeURIComponent` accepts. Nothing follows the loop, so it never backtracks.
 */
const C = "%[89ab][0-9a-f]"; // a continuation byte
const WELL_FORMED_PREFIX = new RegExp(
  `(?:[^%]+|${[
    "%[0-7][0-9a-f]", // one byte
    `%c[2-9a-f]${C}`, // two bytes (C0, C1 would be overlong)
    `%d[0-9a-f]${C}`,
    `%e0%[ab][0-9a-f]${C}`, // three bytes, not overlong
    `%e[1-9a-cef]${C}${C}`,
    `%ed%[89][0-9a-f]${C}`, // not a surrogate
    `%f0%[9ab][0-9a-f]${C}${C}`, // four bytes, not overlong
    `%f[1-3]${C}${C}${C}`,
    `%f4%8[0-9a-f]${C}${C}`, // not past U+10FFFF
  ].join("|")})*`,
  "iy",
);

const REPLACEMENT = "\ufffd";

/** The value of a hex digit's char code, or -1. */
export function hexDigit(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  const lower = code | 0x20;
  return lower >= 97 && lower <= 102 ? lower - 87 : -1;
}

/** The byte of the escape `%XY` at `i`, or -1 when it is not one. */
export function escapedByte(value: string, i: number): number {
  if (i + 2 >= value.length) return -1;
  const high = hexDigit(value.charCodeAt(i + 1));
  const low = hexDigit(value.charCodeAt(i + 2));
  return high < 0 || low < 0 ? -1 : (high << 4) | low;
}

/** A UTF-8 sequence's continuation bytes after its lead, and the range of the first (table 3-7). */
type Sequence = readonly [continuations: number, low: number, high: number];
const TWO_BYTES: Sequence = [1, 0x80, 0xbf];
const THREE_BYTES: Sequence = [2, 0x80, 0xbf];
const FOUR_BYTES: Sequence = [3, 0x80, 0xbf];
const AFTER_E0: Sequence = [2, 0xa0, 0xbf]; // no overlong form
const AFTER_ED: Sequence = [2, 0x80, 0x9f]; // no surrogate
const AFTER_F0: Sequence = [3, 0x90, 0xbf]; // no overlong form
const AFTER_F4: Sequence = [3, 0x80, 0x8f]; // nothing past U+10FFFF

/** The sequence `byte` starts, or `undefined` when none starts with it (a continuation, C0, C1, F5–FF). */
function sequenceStartedBy(byte: number): Sequence | undefined {
  if (byte >= 0xc2 && byte <= 0xdf) return TWO_BYTES;
  if (byte >= 0xe0 && byte <= 0xef) return byte === 0xe0 ? AFTER_E0 : byte === 0xed ? AFTER_ED : THREE_BYTES;
  if (byte >= 0xf0 && byte <= 0xf4) return byte === 0xf0 ? AFTER_F0 : byte === 0xf4 ? AFTER_F4 : FOUR_BYTES;
  return undefined;
}

/** `value[from, to)`, which holds only whole UTF-8 sequences; `escaped` when any are escapes. */
function decodePiece(value: string, from: number, to: number, escaped: boolean): string {
  if (from === to) return "";
  const piece = value.slice(from, to);
  return escaped ? decodeURIComponent(piece) : piece;
}

/**
 * Decodes `value`, well-formed before the escape at `from`, checking the escaped bytes from there
 * on as UTF-8. Each ill-formed part becomes U+FFFD; the whole parts between them go to
 * `decodeURIComponent`.
 */
function decodeEscapes(value: string, from: number): string | undefined {
  let decoded = "";
  let done = 0; // value[0, done) is in `decoded` already
  let wholeEnd = from; // the end of the last whole escaped character (or of the well-formed start)
  let pending = 0; // continuation bytes the current sequence still needs
  let low = 0x80; // the range its next continuation byte must be in
  let high = 0xbf;
  let sequenceStart = 0;
  let nextAt = 0; // where its next escape must be: a literal character in between ends it
  for (let i = from; i !== -1; i = value.indexOf("%", i + 3)) {
    const byte = escapedByte(value, i);
    if (byte < 0) return undefined;
    if (pending > 0) {
      if (i === nextAt && byte >= low && byte <= high) {
        pending--;
        nextAt = i + 3;
        if (pending === 0) wholeEnd = nextAt;
        low = 0x80;
        high = 0xbf;
        continue;
      }
      // Ill-formed: what the sequence had so far is one U+FFFD, and this byte starts afresh.
      decoded += decodePiece(value, done, sequenceStart, wholeEnd > done) + REPLACEMENT;
      done = nextAt;
      pending = 0;
      low = 0x80;
      high = 0xbf;
    }
    if (byte < 0x80) {
      wholeEnd = i + 3;
      continue;
    }
    const lead = sequenceStartedBy(byte);
    if (lead === undefined) {
      decoded += decodePiece(value, done, i, wholeEnd > done) + REPLACEMENT;
      done = i + 3;
      continue;
    }
    [pending, low, high] = lead;
    sequenceStart = i;
    nextAt = i + 3;
  }
  if (pending > 0) {
    decoded += decodePiece(value, done, sequenceStart, wholeEnd > done) + REPLACEMENT;
    done = nextAt;
  }
  return decoded + decodePiece(value, done, value.length, wholeEnd > done);
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
  WELL_FORMED_PREFIX.lastIndex = first;
  WELL_FORMED_PREFIX.test(value);
  const wellFormedEnd = WELL_FORMED_PREFIX.lastIndex;
  try {
    return wellFormedEnd === value.length ? decodeURIComponent(value) : decodeEscapes(value, wellFormedEnd);
  } catch {
    // Not reached while decodeEscapes follows the engine's rules; if one disagrees, the value is unusable.
    return undefined;
  }
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
    return encodeURIComponent(value.replace(LONE_SURROGATE, REPLACEMENT));
  }
}
