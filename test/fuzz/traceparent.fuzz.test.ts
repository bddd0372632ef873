/**
 * Property-based fuzzing of the W3C Trace Context codec (SPEC §7). `parseTraceparent` is checked
 * against a second, independent statement of the spec's rules (a regex model written from
 * §3.2.2-§3.2.4) on valid headers, near-misses (a character changed, cut, inserted, upper-cased,
 * ids zeroed, versions swapped, fields appended, whitespace around or inside) and noise; it must
 * agree on every input and never throw. `tracestate` and the RunTree ends are fuzzed for their
 * invariants.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseTraceparent, parseTracestate, formatTracestate, uuidOfTraceId } from "../../src/propagation/traceparent.js";
import { runFromTraceContext, traceContextHeaders } from "../../src/run-tree/trace-context.js";

const RUNS = 20_000;

/** The spec's rules, restated independently of the implementation. */
function model(value: string): { version: number; traceId: string; parentId: string; flags: number } | undefined {
  if (value.length > 512) return undefined;
  const trimmed = value.replace(/^[ \t]+/, "").replace(/[ \t]+$/, "");
  const m = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})([\s\S]*)$/.exec(trimmed);
  if (!m) return undefined;
  const [, version, traceId, parentId, flags, rest] = m as unknown as [string, string, string, string, string, string];
  if (version === "ff") return undefined;
  if (version === "00" ? rest !== "" : rest !== "" && !rest.startsWith("-")) return undefined;
  if (/^0+$/.test(traceId) || /^0+$/.test(parentId)) return undefined;
  return { version: Number.parseInt(version, 16), traceId, parentId, flags: Number.parseInt(flags, 16) };
}

const HEX = [..."0123456789abcdef"];
const hex = (length: number) => fc.string({ unit: fc.constantFrom(...HEX), minLength: length, maxLength: length });
const version = fc.oneof(fc.constant("00"), fc.constant("ff"), hex(2));
const valid = fc
  .tuple(version, hex(32), hex(16), hex(2), fc.constantFrom("", "", "-", "-future", "-a-b-c", "x"))
  .map(([v, t, p, f, tail]) => `${v}-${t}-${p}-${f}${tail}`);

/** Characters near-misses are made of: hex of both cases, separators, whitespace, junk. */
const NEAR = [..."0123456789abcdefABCDEFgG-_ \t\n\r,;=\u00a0\u0000é"];
const nearChar = fc.constantFrom(...NEAR);
const mutated = fc
  .tuple(valid, fc.nat(), nearChar, fc.constantFrom("swap", "cut", "insert", "delete", "upper", "zero-trace", "zero-parent", "wrap", "append", "version"))
  .map(([s, at, c, how]) => {
    const i = at % (s.length + 1);
    switch (how) {
      case "swap":
        return s.slice(0, i) + c + s.slice(i + 1);
      case "cut":
        return s.slice(0, i);
      case "insert":
        return s.slice(0, i) + c + s.slice(i);
      case "delete":
        return s.slice(0, i) + s.slice(i + 1);
      case "upper":
        return s.slice(0, i) + s.slice(i).toUpperCase();
      case "zero-trace":
        return `${s.slice(0, 3)}${"0".repeat(32)}${s.slice(35)}`;
      case "zero-parent":
        return `${s.slice(0, 36)}${"0".repeat(16)}${s.slice(52)}`;
      case "wrap":
        return `${c}${s}${c}`;
      case "append":
        return `${s}${c.repeat(at % 500)}`;
      default:
        return `${["00", "01", "ff", "fe", "0F", "0"][at % 6]}${s.slice(2)}`;
    }
  });
const noise = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.string({ unit: nearChar, minLength: 50, maxLength: 60 }),
  fc.string({ unit: "binary", maxLength: 80 }),
  fc.string({ minLength: 500, maxLength: 600 }),
);
const traceparent = fc.oneof({ weight: 3, arbitrary: valid }, { weight: 5, arbitrary: mutated }, { weight: 2, arbitrary: noise });

describe("traceparent fuzz", () => {
  it(`agrees with the spec model and never throws (${RUNS} inputs)`, () => {
    let accepted = 0;
    let refused = 0;
    fc.assert(
      fc.property(traceparent, (value) => {
        const parsed = parseTraceparent(value);
        expect(parsed).toEqual(model(value));
        if (parsed) accepted++;
        else refused++;
      }),
      { numRuns: RUNS },
    );
    // Both sides of every rule must be reached, or agreement says little.
    expect(accepted).toBeGreaterThan(RUNS / 10);
    expect(refused).toBeGreaterThan(RUNS / 10);
  });

  it("never throws on values that are not strings", () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        expect(parseTraceparent(value)).toBeUndefined();
      }),
      { numRuns: 2_000 },
    );
  });
});

const KEY = /^(?:[a-z][a-z0-9_\-*/]{0,255}|[a-z0-9][a-z0-9_\-*/]{0,240}@[a-z][a-z0-9_\-*/]{0,13})$/;
const VALUE = /^[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]$/;

describe("tracestate fuzz", () => {
  const keyChar = fc.constantFrom(..."abcxyz019_-*/@A ");
  const valueChar = fc.constantFrom(..."abcXYZ019 !~,=é");
  const member = fc
    .tuple(fc.string({ unit: keyChar, minLength: 0, maxLength: 6 }), fc.string({ unit: valueChar, maxLength: 6 }), fc.constantFrom("", " ", "\t"))
    .map(([k, v, ws]) => `${ws}${k}=${v}${ws}`);
  const header = fc.oneof(fc.array(member, { maxLength: 40 }).map((ms) => ms.join(",")), fc.string({ maxLength: 200 }));

  it("never throws; what it accepts obeys the grammar and round-trips", () => {
    let accepted = 0;
    fc.assert(
      fc.property(header, (value) => {
        const members = parseTracestate(value);
        if (!members) return;
        accepted++;
        expect(members.length).toBeLessThanOrEqual(32);
        expect(new Set(members.map((m) => m.key)).size).toBe(members.length);
        for (const m of members) {
          expect(m.key).toMatch(KEY);
          expect(m.value).toMatch(VALUE);
        }
        const text = formatTracestate(members);
        expect(text.length).toBeLessThanOrEqual(512);
        if (text.length < 512) expect(parseTracestate(text)).toEqual(members);
      }),
      { numRuns: 10_000 },
    );
    expect(accepted).toBeGreaterThan(500);
  });
});

describe("runFromTraceContext fuzz", () => {
  it("never throws; a placeholder it makes joins the caller's trace and propagates it", () => {
    let joined = 0;
    fc.assert(
      fc.property(traceparent, fc.oneof(header(), fc.constant(undefined)), fc.constantFrom("object", "headers", "array"), (tp, ts, shape) => {
        const entries: [string, string | string[]][] = [["traceparent", tp]];
        if (ts !== undefined) entries.push(["tracestate", ts]);
        const carrier = shape === "object" ? Object.fromEntries(entries) : shape === "array" ? entries : headersOf(entries);
        const parent = runFromTraceContext(carrier);
        const expected = parseTraceparent(typeof carrier === "object" && carrier instanceof Headers ? carrier.get("traceparent") : tp);
        if (!parent) return;
        joined++;
        expect(expected).toBeDefined();
        expect(parent.trace_id).toBe(uuidOfTraceId(expected!.traceId));
        const child = parent.createChild({ name: "c" });
        expect(child.dotted_order > parent.dotted_order).toBe(true);
        const out = traceContextHeaders(child);
        expect(parseTraceparent(out?.traceparent)?.traceId).toBe(expected!.traceId);
        expect(out?.traceparent.slice(-2)).toBe(expected!.flags.toString(16).padStart(2, "0"));
      }),
      { numRuns: 10_000 },
    );
    expect(joined).toBeGreaterThan(1_000);
  });
});

function header(): fc.Arbitrary<string> {
  return fc.oneof(fc.constantFrom("a=1", "a=1,b=2", "A=1", "", " , "), fc.string({ maxLength: 40 }));
}

function headersOf(entries: [string, string | string[]][]): Headers {
  const headers = new Headers();
  for (const [name, value] of entries) {
    try {
      headers.append(name, value as string);
    } catch {
      // Headers refuses values the network could not carry: so would a server.
    }
  }
  return headers;
}
