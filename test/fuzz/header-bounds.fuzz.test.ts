/**
 * Property-based checks of issue 12's header points: what is read is bounded whatever the carrier
 * holds (8, 9), percent-decoding follows the byte model for any input (8), and a run made from any
 * inbound text writes headers every HTTP stack accepts, without throwing (10).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BAGGAGE_MAX_INBOUND_LENGTH, parseBaggage } from "../../src/propagation/baggage.js";
import { headerValue } from "../../src/propagation/carrier.js";
import { decodePercent } from "../../src/propagation/percent.js";
import { RunTree } from "../../src/run-tree/run-tree.js";

const trace = new RunTree({ name: "root" }).toHeaders()["langsmith-trace"];
/** `s` with lone surrogates as U+FFFD (String.prototype.toWellFormed, not in the ES2023 lib). */
const wellFormed = (s: string | undefined): string | undefined =>
  s?.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd");
/** What Node's and undici's header checks accept. */
const SENDABLE_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** W3C baggage's model of a value: escapes are UTF-8 bytes, other characters their own UTF-8. */
function decodeByBytes(value: string): string | undefined {
  if (!value.includes("%")) return value;
  const bytes: number[] = [];
  const encoder = new TextEncoder();
  for (let i = 0; i < value.length; i++) {
    if (value[i] === "%") {
      const hex = value.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return undefined;
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
      continue;
    }
    const point = value.codePointAt(i) as number;
    if (point > 0xffff) i++;
    bytes.push(...encoder.encode(String.fromCodePoint(point)));
  }
  return new TextDecoder("utf-8", { ignoreBOM: true }).decode(new Uint8Array(bytes));
}

const escape = fc
  .tuple(fc.integer({ min: 0, max: 255 }), fc.boolean())
  .map(([b, upper]) => `%${upper ? b.toString(16).padStart(2, "0").toUpperCase() : b.toString(16).padStart(2, "0")}`);
const utf8Escapes = fc.string({ unit: "binary", minLength: 1, maxLength: 2 }).map((s) => encodeURIComponent(wellFormed(s) as string));
const valuePiece = fc.oneof(
  { weight: 4, arbitrary: escape },
  { weight: 2, arbitrary: utf8Escapes },
  { weight: 1, arbitrary: fc.constantFrom("%", "%z", "%ED%A0%80", "%C0%80", "%F4%90%80%80", "%EF%BB%BF", "%E0%9F%BF", "\ud800", "\udc00") },
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 3 }) },
);
const encodedValue = fc.array(valuePiece, { maxLength: 16 }).map((pieces) => pieces.join(""));

/** Any text a non-HTTP carrier may hold: control characters, wide and lone-surrogate ones too. */
const anyText = fc.oneof(fc.string({ unit: "binary", maxLength: 12 }), fc.string({ unit: "grapheme", maxLength: 6 }), encodedValue);
const memberKey = fc.constantFrom("langsmith-metadata", "langsmith-tags", "langsmith-project", "vendor", "v2");
const member = fc.tuple(memberKey, anyText, fc.constantFrom("", ";p=1", ";\u0000")).map(([k, v, p]) => `${k}=${v}${p}`);
const baggage = fc.oneof(fc.array(member, { maxLength: 6 }).map((ms) => ms.join(",")), fc.string({ unit: "binary" }));

/** The same entries in each carrier shape SPEC §3 names, and a raw `[name, value, …]` list. */
function inShape(entries: [string, string | string[]][], shape: string): unknown {
  switch (shape) {
    case "object":
      return Object.fromEntries(entries);
    case "map":
      return new Map(entries);
    case "pairs":
      return entries;
    default:
      return entries.flatMap(([k, v]) => (Array.isArray(v) ? v.flatMap((x) => [k, x]) : [k, v]));
  }
}
const shape = fc.constantFrom("object", "map", "pairs", "raw");

describe("header bounds and outbound safety (fuzz)", () => {
  it("[12.8] percent-decoding equals the byte model for any input, and never throws", () => {
    fc.assert(
      fc.property(encodedValue, (value) => {
        // Lone surrogates written literally are kept as given (decodeURIComponent's rule), not U+FFFD.
        expect(wellFormed(decodePercent(value))).toBe(wellFormed(decodeByBytes(value)));
      }),
      { numRuns: 50_000 },
    );
  });

  it("[12.8] what parseBaggage returns depends only on the first 64 KiB + 1 characters", () => {
    const longPrefix = fc
      .tuple(fc.array(member, { minLength: 1, maxLength: 4 }), fc.constantFrom(",", "a", " ", "=", "%", "x,"))
      .map(([ms, pad]) => {
        const start = ms.join(",");
        return (start + pad.repeat(BAGGAGE_MAX_INBOUND_LENGTH + 1)).slice(0, BAGGAGE_MAX_INBOUND_LENGTH + 1);
      });
    fc.assert(
      fc.property(longPrefix, baggage, baggage, (prefix, a, b) => {
        expect(parseBaggage(prefix + a)).toEqual(parseBaggage(prefix + b));
      }),
      { numRuns: 200 },
    );
  });

  it("[12.9] any carrier shape, however many repeats, yields a bounded prefix of the joined header", () => {
    fc.assert(
      fc.property(shape, fc.integer({ min: 0, max: 30_000 }), member, fc.boolean(), (s, repeats, m, asArray) => {
        const values = Array.from({ length: repeats }, () => m);
        // An object or a Map holds a name once: its repeats are an array value.
        const entries: [string, string | string[]][] =
          asArray || s === "object" || s === "map" ? [["baggage", values]] : values.map((v): [string, string] => ["baggage", v]);
        const carrier = inShape([["langsmith-trace", trace], ...entries], s);
        const joined = headerValue(carrier, "baggage", true);
        if (repeats === 0) return;
        const everything = values.join(",");
        expect(joined?.length).toBe(Math.min(everything.length, BAGGAGE_MAX_INBOUND_LENGTH + 1));
        expect(everything.startsWith(joined as string)).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it("[12.10] a run made from any inbound text writes headers every HTTP stack accepts, never throwing", () => {
    let parsed = 0;
    fc.assert(
      fc.property(baggage, shape, (b, s) => {
        const parent = RunTree.fromHeaders(inShape([["langsmith-trace", trace], ["baggage", b]], s));
        expect(parent).toBeDefined();
        parsed++;
        const child = (parent as RunTree).createChild({ name: "c" });
        const headers = new Headers();
        const written = child.toHeaders(headers);
        expect(written.baggage).toMatch(SENDABLE_VALUE);
        expect(headers.get("baggage")).toBe(written.baggage);
      }),
      { numRuns: 20_000 },
    );
    expect(parsed).toBe(20_000);
  });
});
