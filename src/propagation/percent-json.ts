/**
 * Percent-encoded JSON (the `langsmith-metadata` member), parsed in one pass over the encoded
 * text: an escape is read as the byte it stands for wherever JSON has structure, and a string is
 * decoded from its own span. The result is `JSON.parse(decodePercent(text))` with `__proto__`
 * and `constructor` keys dropped at every depth (SPEC §3), or `undefined` where that would fail,
 * nest deeper than `maxDepth`, or not be an object.
 *
 * Why not decode and then JSON.parse: the member is new on every request whose metadata is, and
 * there JSON.parse internalizes each string value of up to 10 characters (an old-space string per
 * request id or user id), which with the intermediate string and the dangerous-key scan made it
 * ~3x this. Linear in the text; recursion stops at `maxDepth`; never throws.
 */
import { decodePercent, escapedByte, hexDigit } from "./percent.js";

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const PERCENT = 0x25;

/** The text being read, the position in it and where the value ends (one parse at a time: nothing here calls out). */
let text = "";
let at = 0;
let end = 0;
/** The length of the unit `unitAt` read last: 3 for an escape, else 1. */
let width = 1;
let deepest = 0;

/** The character at `at`, or the byte its escape stands for; -1 at the end or on a malformed escape. */
function unitAt(): number {
  if (at >= end) return -1;
  const c = text.charCodeAt(at);
  if (c !== PERCENT) {
    width = 1;
    return c;
  }
  width = 3;
  return byteAt(at);
}

/** The byte of the escape at `i`, or -1 when it is malformed or runs past the end. */
function byteAt(i: number): number {
  return i + 3 <= end ? escapedByte(text, i) : -1;
}

/** The first unit from `at` that is not JSON whitespace, not consumed (`width` is its length). */
function skipSpace(): number {
  for (;;) {
    const c = unitAt();
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return c;
    at += width;
  }
}

/** The object `encoded[from, to)` spells; `undefined` if it spells anything else or nothing. */
export function parsePercentJsonObject(
  encoded: string,
  from: number,
  to: number,
  maxDepth: number,
): Record<string, unknown> | undefined {
  text = encoded;
  at = from;
  end = to;
  deepest = maxDepth;
  const object = skipSpace() === 0x7b ? readObject(1) : undefined;
  const whole = object !== undefined && skipSpace() === -1 && at === end;
  text = ""; // not to keep a header alive
  return whole ? object : undefined;
}

/** A JSON value starting at `at` (whitespace skipped); `undefined` when it is not one. */
function readValue(depth: number): unknown {
  const c = skipSpace();
  if (c === QUOTE) return readString();
  if (c === 0x7b) return readObject(depth);
  if (c === 0x5b) return readArray(depth);
  if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return readNumber();
  if (c === 0x74) return readWord("true", true);
  if (c === 0x66) return readWord("false", false);
  if (c === 0x6e) return readWord("null", null);
  return undefined;
}

function readObject(depth: number): Record<string, unknown> | undefined {
  if (depth > deepest) return undefined;
  at += width;
  const object: Record<string, unknown> = {};
  if (skipSpace() === 0x7d) {
    at += width;
    return object;
  }
  for (;;) {
    if (skipSpace() !== QUOTE) return undefined;
    const key = readString();
    if (key === undefined || skipSpace() !== 0x3a) return undefined;
    at += width;
    const value = readValue(depth + 1);
    if (value === undefined) return undefined;
    if (key !== "__proto__" && key !== "constructor") setKey(object, key, value);
    const c = skipSpace();
    at += width;
    if (c === 0x7d) return object;
    if (c !== 0x2c) return undefined;
  }
}

/**
 * An own data property, as JSON.parse makes. A plain store is one unless Object.prototype holds the
 * key read-only (frozen intrinsics), where it throws; `__proto__`, its one setter, never comes here.
 */
function setKey(object: Record<string, unknown>, key: string, value: unknown): void {
  try {
    object[key] = value;
  } catch {
    Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true });
  }
}

function readArray(depth: number): unknown[] | undefined {
  if (depth > deepest) return undefined;
  at += width;
  const array: unknown[] = [];
  if (skipSpace() === 0x5d) {
    at += width;
    return array;
  }
  for (;;) {
    const value = readValue(depth + 1);
    if (value === undefined) return undefined;
    array.push(value);
    const c = skipSpace();
    at += width;
    if (c === 0x5d) return array;
    if (c !== 0x2c) return undefined;
  }
}

/**
 * A string from its opening quote. Its span is found unit by unit, then decoded as a whole by
 * `decodePercent` (a span ends at an ASCII quote, so it never cuts a UTF-8 sequence).
 */
function readString(): string | undefined {
  const s = text;
  const start = at + width;
  let i = start;
  let escaped = false;
  let backslashed = false;
  for (;;) {
    if (i >= end) return undefined;
    let c = s.charCodeAt(i);
    let w = 1;
    if (c === PERCENT) {
      c = byteAt(i);
      w = 3;
    }
    if (c === QUOTE) {
      const span = s.slice(start, i);
      at = i + w;
      const decoded = escaped ? decodePercent(span) : span;
      return decoded === undefined || !backslashed ? decoded : unescapeJson(decoded);
    }
    // A malformed escape, or a control character, which JSON refuses raw.
    if (c < 0x20) return undefined;
    if (w === 3) escaped = true;
    i += w;
    if (c === BACKSLASH) {
      // The escaped unit, whatever it is: `unescapeJson` judges it.
      backslashed = true;
      if (i >= end) return undefined;
      if (s.charCodeAt(i) === PERCENT) {
        if (byteAt(i) < 0) return undefined;
        escaped = true;
        i += 3;
      } else i++;
    }
  }
}

/** JSON's backslash escapes in `s`; `undefined` on one JSON does not have. */
function unescapeJson(s: string): string | undefined {
  let out = "";
  let done = 0;
  for (let i = s.indexOf("\\"); i !== -1; i = s.indexOf("\\", done)) {
    out += s.slice(done, i);
    const c = s.charCodeAt(i + 1);
    done = i + 2;
    switch (c) {
      case QUOTE:
      case BACKSLASH:
      case 0x2f: // "/"
        out += String.fromCharCode(c);
        break;
      case 0x62: // b
        out += "\b";
        break;
      case 0x66: // f
        out += "\f";
        break;
      case 0x6e: // n
        out += "\n";
        break;
      case 0x72: // r
        out += "\r";
        break;
      case 0x74: // t
        out += "\t";
        break;
      case 0x75: {
        // u, then exactly four hex digits
        let code = 0;
        for (let j = i + 2; j < i + 6; j++) {
          const digit = hexDigit(s.charCodeAt(j));
          if (digit < 0) return undefined;
          code = (code << 4) | digit;
        }
        out += String.fromCharCode(code);
        done = i + 6;
        break;
      }
      default:
        return undefined;
    }
  }
  return out + s.slice(done);
}

/** Digits from `at`, consumed; how many. */
function readDigits(): number {
  let count = 0;
  for (let c = unitAt(); c >= 0x30 && c <= 0x39; c = unitAt()) {
    at += width;
    count++;
  }
  return count;
}

/** A number in JSON's grammar (no leading zeros, digits on both sides of the point). */
function readNumber(): number | undefined {
  const start = at;
  if (unitAt() === 0x2d) at += width;
  const first = unitAt();
  if (first === 0x30) at += width;
  else if (readDigits() === 0) return undefined;
  if (unitAt() === 0x2e) {
    at += width;
    if (readDigits() === 0) return undefined;
  }
  const e = unitAt();
  if (e === 0x65 || e === 0x45) {
    at += width;
    const sign = unitAt();
    if (sign === 0x2b || sign === 0x2d) at += width;
    if (readDigits() === 0) return undefined;
  }
  const span = text.slice(start, at);
  return Number(span.includes("%") ? decodePercent(span) : span);
}

function readWord<T>(word: string, value: T): T | undefined {
  for (let i = 0; i < word.length; i++) {
    if (unitAt() !== word.charCodeAt(i)) return undefined;
    at += width;
  }
  return value;
}
