/**
 * `parsePercentJsonObject` reads the `langsmith-metadata` member in one pass over its encoding;
 * it must answer as decoding first and then parsing safely would, for any input.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseJsonSafe } from "../../src/core/safe-json.js";
import { parsePercentJsonObject as parseRange } from "../../src/propagation/percent-json.js";
import { decodePercent } from "../../src/propagation/percent.js";

const MAX_DEPTH = 64;

/** Parses `value` both alone and as a range inside a longer text, which must not change the answer. */
function parsePercentJsonObject(value: string, maxDepth: number): Record<string, unknown> | undefined {
  const alone = parseRange(value, 0, value.length, maxDepth);
  for (const [before, after] of [["k=", ",x=%7B%7D"], ["%7B", "%22"], ["", "%2"]] as const) {
    const inside = `${before}${value}${after}`;
    expect(parseRange(inside, before.length, before.length + value.length, maxDepth), inside).toEqual(alone);
  }
  return alone;
}

/** Decode, then JSON.parse without `__proto__` / `constructor` keys, within the depth; objects only. */
function reference(value: string): unknown {
  const text = decodePercent(value);
  if (text === undefined) return undefined;
  const parsed = parseJsonSafe(text, Number.POSITIVE_INFINITY, MAX_DEPTH);
  return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? parsed : undefined;
}

function expectSame(value: string): void {
  const got = parsePercentJsonObject(value, MAX_DEPTH);
  const want = reference(value);
  expect(got, value).toEqual(want);
  // Same keys in the same order, and -0 kept apart from 0.
  expect(JSON.stringify(got), value).toBe(JSON.stringify(want));
  if (got !== undefined) expect(Object.getPrototypeOf(got)).toBe(Object.prototype);
}

/** Python's quote(): "/" kept, everything else but unreserved characters escaped. */
const pythonQuote = (s: string) => encodeURIComponent(s).replace(/%2F/g, "/").replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
/** Every character escaped, in either case: the decoder must not care how a byte is spelled. */
const escapeAll = (s: string) =>
  [...new TextEncoder().encode(s)].map((b, i) => `%${b.toString(16).padStart(2, "0")[i % 2 ? "toUpperCase" : "toLowerCase"]()}`).join("");

describe("parsePercentJsonObject", () => {
  it("reads what both SDKs send", () => {
    const metadata = { user: "ada", route: "/v1/chat", n: -1.5e3, ok: true, none: null, list: [1, "x"], nested: { "k é": "✓ 😀" } };
    for (const encode of [encodeURIComponent, pythonQuote, escapeAll]) {
      for (const json of [JSON.stringify(metadata), JSON.stringify(metadata, null, 2)]) {
        expect(parsePercentJsonObject(encode(json), MAX_DEPTH)).toEqual(metadata);
      }
    }
  });

  it("keeps only objects, and refuses bad JSON or bad escapes as a whole", () => {
    for (const json of ["[1,2]", "null", '"text"', "3", "{bad", '{"a":1}x', '{"a":01}', '{"a":"\\x"}', '{"a":"line\nbreak"}', "{'a':1}"]) {
      expect(parsePercentJsonObject(encodeURIComponent(json), MAX_DEPTH), json).toBeUndefined();
    }
    expect(parsePercentJsonObject("%7B%22a%22%3A1%7D%zz", MAX_DEPTH)).toBeUndefined();
    expect(parsePercentJsonObject("%7B%22a%22%3A1%7D%2", MAX_DEPTH)).toBeUndefined();
    expect(parsePercentJsonObject("%7B%22a%22%3A%22%FF%22%7D", MAX_DEPTH)).toEqual({ a: "\uFFFD" });
  });

  it("drops __proto__ and constructor at every depth, as data, never as a prototype", () => {
    const json = '{"__proto__":{"polluted":1},"a":{"constructor":{"prototype":{"polluted":1}},"__proto__":[]},"\\u005f_proto__":1,"ok":1}';
    const parsed = parsePercentJsonObject(encodeURIComponent(json), MAX_DEPTH);
    expect(parsed).toEqual({ a: {}, ok: 1 });
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(parsed?.a)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("makes own data properties even for keys Object.prototype has", () => {
    const parsed = parsePercentJsonObject(encodeURIComponent('{"toString":1,"hasOwnProperty":"x","valueOf":null}'), MAX_DEPTH);
    expect(Object.getOwnPropertyDescriptor(parsed, "toString")).toEqual({ value: 1, writable: true, enumerable: true, configurable: true });
    expect(parsed).toEqual({ toString: 1, hasOwnProperty: "x", valueOf: null });
  });

  it("refuses nesting past the depth before reading further", () => {
    const nested = (depth: number) => `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
    expect(JSON.stringify(parsePercentJsonObject(encodeURIComponent(nested(MAX_DEPTH)), MAX_DEPTH))).toBe(nested(MAX_DEPTH));
    expect(parsePercentJsonObject(encodeURIComponent(nested(MAX_DEPTH + 1)), MAX_DEPTH)).toBeUndefined();
    expect(parsePercentJsonObject(`%7B%22a%22%3A${"%5B".repeat(100_000)}`, MAX_DEPTH)).toBeUndefined();
  });

  it("answers as decode-then-parse for any JSON, however it is escaped", () => {
    const json = fc.oneof(fc.json({ maxDepth: 4 }), fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v, null, 1)));
    const spelled = fc.tuple(json, fc.constantFrom(encodeURIComponent, pythonQuote, escapeAll, (s: string) => s)).map(([s, encode]) => encode(s));
    fc.assert(fc.property(spelled, expectSame), { numRuns: 20_000 });
  });

  it("answers as decode-then-parse for near misses: cut, changed or padded encodings", () => {
    const piece = fc.oneof(
      fc.constantFrom("%7B", "%7D", "%5B", "%5D", "%22", "%3A", "%2C", "%20", "%0A", "%09", "%5C", "%5Cu00e9", "%5Cud83d", "%5C%22", "%2F"),
      fc.constantFrom("%C3%A9", "%E2%9C%93", "%F0%9F%98%80", "%FF", "%E2%9C", "%ED%A0%80", "%C0%80", "%zz", "%", "%2"),
      fc.constantFrom("{", "}", '"', ":", ",", "\\", "\u0001", "\ud800", "é", "-", "0", "1", ".", "e", "E", "+", "true", "false", "null", "__proto__", "constructor"),
      fc.string({ maxLength: 3 }),
    );
    const near = fc.tuple(fc.json({ maxDepth: 2 }).map(encodeURIComponent), fc.nat(), fc.array(piece, { maxLength: 4 }), fc.constantFrom("cut", "insert", "replace"))
      .map(([s, at, pieces, how]) => {
        const i = at % (s.length + 1);
        const p = pieces.join("");
        return how === "cut" ? s.slice(0, i) : how === "insert" ? s.slice(0, i) + p + s.slice(i) : s.slice(0, i) + p + s.slice(i + 3);
      });
    const objectish = fc.array(piece, { maxLength: 24 }).map((pieces) => `%7B${pieces.join("")}`);
    fc.assert(fc.property(fc.oneof(near, objectish), expectSame), { numRuns: 50_000 });
  });
});
