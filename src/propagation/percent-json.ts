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

// One parse at a time (nothing here calls out): the text, the position of the next unit, the end
// of the value, and where the unit read last began.
let text = "";
let at = 0;
let end = 0;
let unitStart = 0;
let deepest = 0;

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
  const object = nextToken() === 0x7b ? readObject(1) : undefined;
  const whole = object !== undefined && nextToken() === -1 && unitStart === end;
  text = ""; // not to keep a header alive
  return whole ? object : undefined;
}

/** The next unit, consumed: a character, or the byte its escape stands for; -1 at the end or on a malformed escape. */
function next(): number {
  unitStart = at;
  if (at >= end) return -1;
  const c = text.charCodeAt(at);
  if (c !== PERCENT) {
    at++;
    return c;
  }
  at += 3;
  return byteAt(unitStart);
}

/** The byte of the escape at `i`, or -1 when it is malformed or runs past the end. */
function byteAt(i: number): number {
  return i + 3 <= end ? escapedByte(text, i) : -1;
}

/** The next unit that is not JSON whitespace, consumed. */
function nextToken(): number {
  for (;;) {
    const c = next();
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return c;
  }
}

/** A JSON value; `undefined` when there is none. */
function readValue(depth: number): unknown {
  const c = nextToken();
  if (c === QUOTE) return scanString() ? stringOf() : undefined;
  if (c === 0x7b) return readObject(depth);
  if (c === 0x5b) return readArray(depth);
  if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return readNumber(c);
  if (c === 0x74) return readWord("true", true);
  if (c === 0x66) return readWord("false", false);
  if (c === 0x6e) return readWord("null", null);
  return undefined;
}

/** An object, its `{` read. */
function readObject(depth: number): Record<string, unknown> | undefined {
  if (depth > deepest) return undefined;
  const object: Record<string, unknown> = {};
  let c = nextToken();
  if (c === 0x7d) return object;
  for (;;) {
    if (c !== QUOTE || !scanString()) return undefined;
    const key = keyOf();
    if (key === undefined || nextToken() !== 0x3a) return undefined;
    const value = readValue(depth + 1);
    if (value === undefined) return undefined;
    if (key !== "__proto__" && key !== "constructor") setKey(object, key, value);
    c = nextToken();
    if (c === 0x7d) return object;
    if (c !== 0x2c) return undefined;
    c = nextToken();
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

/** An array, its `[` read. */
function readArray(depth: number): unknown[] | undefined {
  if (depth > deepest) return undefined;
  const array: unknown[] = [];
  const first = at;
  if (nextToken() === 0x5d) return array;
  at = first;
  for (;;) {
    const value = readValue(depth + 1);
    if (value === undefined) return undefined;
    array.push(value);
    const c = nextToken();
    if (c === 0x5d) return array;
    if (c !== 0x2c) return undefined;
  }
}

// The span of the string `scanString` read last, and whether it holds escapes or backslashes.
let spanStart = 0;
let spanEnd = 0;
let spanEscaped = false;
let spanBackslashed = false;

/** Finds the end of a string, its `"` read; false when it has none or holds what JSON refuses raw. */
function scanString(): boolean {
  const s = text;
  let i = at;
  let width = 1;
  let escaped = false;
  let backslashed = false;
  for (;;) {
    if (i >= end) return false;
    let c = s.charCodeAt(i);
    width = 1;
    if (c === PERCENT) {
      c = byteAt(i);
      width = 3;
    }
    if (c === QUOTE) break;
    // A malformed escape, or a control character.
    if (c < 0x20) return false;
    if (width === 3) escaped = true;
    i += width;
    if (c === BACKSLASH) {
      // The escaped unit, whatever it is: `unescapeJson` judges it.
      backslashed = true;
      if (i >= end) return false;
      if (s.charCodeAt(i) === PERCENT) {
        if (byteAt(i) < 0) return false;
        escaped = true;
        i += 3;
      } else i++;
    }
  }
  spanStart = at;
  spanEnd = i;
  spanEscaped = escaped;
  spanBackslashed = backslashed;
  at = i + width;
  return true;
}

/** The string `scanString` found, decoded (its span ends at an ASCII quote, so it never cuts a UTF-8 sequence). */
function stringOf(): string | undefined {
  const span = text.slice(spanStart, spanEnd);
  const decoded = spanEscaped ? decodePercent(span) : span;
  return decoded === undefined || !spanBackslashed ? decoded : unescapeJson(decoded);
}

/**
 * Keys read lately, by length and first character. A caller's keys repeat from request to request,
 * and storing under a new string costs V8 a string-table lookup several times a slice's cost.
 */
const recentKeys: string[] = new Array<string>(64).fill("");

/** The key `scanString` found: a recent one when it is the same text. */
function keyOf(): string | undefined {
  if (spanEscaped || spanBackslashed || spanStart === spanEnd) return stringOf();
  const slot = ((spanEnd - spanStart) * 31 + text.charCodeAt(spanStart)) & 63;
  const key = text.slice(spanStart, spanEnd);
  const recent = recentKeys[slot] as string;
  if (key === recent) return recent;
  recentKeys[slot] = key;
  return key;
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

/** The unit after a run of digits, consumed; `c` is the run's first unit. */
function afterDigits(c: number): number {
  let unit = c;
  while (unit >= 0x30 && unit <= 0x39) unit = next();
  return unit;
}

/** A number in JSON's grammar (no leading zeros, digits on both sides of the point), `first` read. */
function readNumber(first: number): number | undefined {
  const start = unitStart;
  let c = first === 0x2d ? next() : first;
  if (c === 0x30) c = next();
  else if (c >= 0x31 && c <= 0x39) c = afterDigits(c);
  else return undefined;
  if (c === 0x2e) {
    c = next();
    if (!(c >= 0x30 && c <= 0x39)) return undefined;
    c = afterDigits(c);
  }
  if (c === 0x65 || c === 0x45) {
    c = next();
    if (c === 0x2b || c === 0x2d) c = next();
    if (!(c >= 0x30 && c <= 0x39)) return undefined;
    c = afterDigits(c);
  }
  at = unitStart; // the unit after the number is not its own
  const span = text.slice(start, at);
  return Number(span.includes("%") ? decodePercent(span) : span);
}

/** `true`, `false` or `null`, its first letter read. */
function readWord<T>(word: string, value: T): T | undefined {
  for (let i = 1; i < word.length; i++) if (next() !== word.charCodeAt(i)) return undefined;
  return value;
}
