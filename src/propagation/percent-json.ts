/**
 * Percent-encoded JSON (the `langsmith-metadata` member), parsed in one pass over the encoded
 * text: an escape is read as the byte it stands for, in JSON's structure and in its strings alike
 * (UTF-8 sequences by `decodePercent`). The result is `JSON.parse(decodePercent(text))` with `__proto__`
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
  if (c === QUOTE) return readString();
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
    if (c !== QUOTE) return undefined;
    const key = readKey();
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

/** The characters of the bytes 0x00-0x7f. */
const ASCII: readonly string[] = Array.from({ length: 0x80 }, (_, byte) => String.fromCharCode(byte));

/** JSON's one-character backslash escapes, by the character after the backslash. */
const UNESCAPED: Readonly<Record<number, string>> = {
  0x22: '"',
  0x5c: "\\",
  0x2f: "/",
  0x62: "\b",
  0x66: "\f",
  0x6e: "\n",
  0x72: "\r",
  0x74: "\t",
};

/** Whether the string `readString` read last was its text as it stands (no escape, no backslash). */
let verbatim = false;

/**
 * A string, its `"` read, decoded in the same pass: an escaped ASCII byte or a backslash escape as
 * it comes, a run of escaped bytes past ASCII by `decodePercent` (an ASCII unit ends a UTF-8
 * sequence, so decoding the runs apart is decoding the whole). `undefined` when the string has no
 * end or holds what JSON refuses: a control character, a backslash escape JSON does not have.
 */
function readString(): string | undefined {
  const s = text;
  let decoded = "";
  let done = at; // s[done, i) is text not yet in `decoded`: characters as they stand, or escaped bytes past ASCII
  let high = false; // whether it is the latter
  let i = at;
  for (;;) {
    if (i >= end) return undefined;
    let c = s.charCodeAt(i);
    let width = 1;
    if (c === PERCENT) {
      c = byteAt(i);
      width = 3;
      if (c >= 0x80) {
        if (!high) {
          decoded += s.slice(done, i);
          done = i;
          high = true;
        }
        i += 3;
        continue;
      }
    } else if (c !== QUOTE && c !== BACKSLASH && c >= 0x20 && !high) {
      i++;
      continue;
    }
    // Anything else ends what is pending.
    if (i > done) decoded += high ? (decodePercent(s.slice(done, i)) as string) : s.slice(done, i);
    high = false;
    if (c === QUOTE) {
      verbatim = decoded === "" && done === at;
      const value = verbatim ? s.slice(at, i) : decoded;
      at = i + width;
      return value;
    }
    // A malformed escape, or a control character.
    if (c < 0x20) return undefined;
    if (c === BACKSLASH) {
      at = i + width;
      const unescaped = readBackslashEscape();
      if (unescaped === undefined) return undefined;
      decoded += unescaped;
      i = at;
      done = i;
    } else if (width === 3) {
      decoded += ASCII[c] as string;
      i += 3;
      done = i;
    } else {
      // A character as it stands, after escaped bytes past ASCII: it starts the pending text.
      done = i;
      i++;
    }
  }
}

/** What a backslash escape stands for, its backslash read. */
function readBackslashEscape(): string | undefined {
  const c = next();
  if (c !== 0x75) return UNESCAPED[c];
  let code = 0;
  for (let k = 0; k < 4; k++) {
    const digit = hexDigit(next());
    if (digit < 0) return undefined;
    code = (code << 4) | digit;
  }
  return String.fromCharCode(code);
}

/**
 * Keys read lately, by length and first character. A caller's keys repeat from request to request,
 * and storing under a new string costs V8 a string-table lookup several times a slice's cost.
 */
const recentKeys: string[] = new Array<string>(64).fill("");

/** A key: a recent one when it is the same text. */
function readKey(): string | undefined {
  const key = readString();
  if (key === undefined || !verbatim) return key;
  const slot = ((key.length * 31 + key.charCodeAt(0)) | 0) & 63;
  const recent = recentKeys[slot] as string;
  if (key === recent) return recent;
  recentKeys[slot] = key;
  return key;
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
