/**
 * The W3C Trace Context codec (SPEC §7): `traceparent` parsed strictly per the spec's rules
 * (§3.2), `tracestate` all or nothing (§3.3), the headers read from any carrier, and the id
 * mapping between W3C ids and run UUIDs. Vectors are the spec's own examples and its test
 * suite's cases (w3c/trace-context `test/test.py`), written out by hand.
 */
import { describe, expect, it } from "vitest";
import { headerGetter } from "../../src/propagation/carrier.js";
import {
  formatTraceparent,
  formatTracestate,
  parseTraceparent,
  parseTracestate,
  readTraceContext,
  spanIdOfUuid,
  traceIdOfUuid,
  uuidOfSpanId,
  uuidOfTraceId,
} from "../../src/propagation/traceparent.js";

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT = "00f067aa0ba902b7";
const VALID = `00-${TRACE}-${PARENT}-01`;

describe("parseTraceparent: accepted", () => {
  it("reads version 00: ids, flags", () => {
    expect(parseTraceparent(VALID)).toEqual({ version: 0, traceId: TRACE, parentId: PARENT, flags: 1 });
    expect(parseTraceparent(`00-${TRACE}-${PARENT}-00`)?.flags).toBe(0);
    // Unknown flag bits are kept: they are the caller's to set.
    expect(parseTraceparent(`00-${TRACE}-${PARENT}-09`)?.flags).toBe(9);
    expect(parseTraceparent(`00-${TRACE}-${PARENT}-ff`)?.flags).toBe(255);
  });

  it("reads a future version's first four fields, exactly or followed by '-'", () => {
    expect(parseTraceparent(`cc-${TRACE}-${PARENT}-01`)).toEqual({ version: 0xcc, traceId: TRACE, parentId: PARENT, flags: 1 });
    expect(parseTraceparent(`cc-${TRACE}-${PARENT}-01-what-the-future-will-be-like`)?.traceId).toBe(TRACE);
    expect(parseTraceparent(`01-${TRACE}-${PARENT}-00-`)?.flags).toBe(0);
    expect(parseTraceparent(`fe-${TRACE}-${PARENT}-01`)?.version).toBe(0xfe);
  });

  it("ignores spaces and tabs around the value (OWS), nothing else", () => {
    expect(parseTraceparent(` \t${VALID}\t `)?.traceId).toBe(TRACE);
    expect(parseTraceparent(`${VALID}\n`)).toBeUndefined();
    expect(parseTraceparent(`\u00a0${VALID}`)).toBeUndefined();
  });
});

describe("parseTraceparent: refused", () => {
  const cases: [string, string][] = [
    ["version ff", `ff-${TRACE}-${PARENT}-01`],
    ["version 00 with a trailing field", `00-${TRACE}-${PARENT}-01-extra`],
    ["version 00 with a trailing dash", `00-${TRACE}-${PARENT}-01-`],
    ["a future version continued without '-'", `cc-${TRACE}-${PARENT}-01what-the-future`],
    ["upper-case version", `0A-${TRACE}-${PARENT}-01`],
    ["upper-case trace-id", `00-${TRACE.toUpperCase()}-${PARENT}-01`],
    ["upper-case parent-id", `00-${TRACE}-00F067AA0BA902B7-01`],
    ["upper-case flags", `00-${TRACE}-${PARENT}-0A`],
    ["all-zero trace-id", `00-${"0".repeat(32)}-${PARENT}-01`],
    ["all-zero parent-id", `00-${TRACE}-${"0".repeat(16)}-01`],
    ["one-digit flags", `00-${TRACE}-${PARENT}-1`],
    ["three-digit flags", `00-${TRACE}-${PARENT}-001`],
    ["non-hex flags", `00-${TRACE}-${PARENT}-0g`],
    ["one-digit version", `0-${TRACE}-${PARENT}-01`],
    ["non-hex version", `0x-${TRACE}-${PARENT}-01`],
    ["31-digit trace-id", `00-${TRACE.slice(1)}-${PARENT}-01`],
    ["33-digit trace-id", `00-${TRACE}a-${PARENT}-01`],
    ["15-digit parent-id", `00-${TRACE}-${PARENT.slice(1)}-01`],
    ["17-digit parent-id", `00-${TRACE}-${PARENT}a-01`],
    ["non-hex in trace-id", `00-${TRACE.slice(0, 31)}g-${PARENT}-01`],
    ["underscores for dashes", `00_${TRACE}_${PARENT}_01`],
    ["a space inside", `00-${TRACE} -${PARENT}-01`],
    ["a space before the flags", `00-${TRACE}-${PARENT}- 1`],
    ["the empty string", ""],
    ["only spaces", "   "],
    ["two headers joined by a proxy", `${VALID}, ${VALID}`],
    ["a future version longer than the bound", `cc-${TRACE}-${PARENT}-01-${"x".repeat(512)}`],
  ];
  it.each(cases)("%s", (_what, value) => {
    expect(parseTraceparent(value)).toBeUndefined();
  });

  it("refuses what is not a string", () => {
    for (const value of [undefined, null, 42, {}, [VALID], Symbol("x")]) expect(parseTraceparent(value)).toBeUndefined();
  });

  it("bounds the input: 512 characters accepted, 513 not", () => {
    const at512 = `cc-${TRACE}-${PARENT}-01-${"x".repeat(512 - 56)}`;
    expect(at512.length).toBe(512);
    expect(parseTraceparent(at512)?.traceId).toBe(TRACE);
    expect(parseTraceparent(`${at512}x`)).toBeUndefined();
  });
});

describe("formatTraceparent", () => {
  it("writes version 00 with two-digit flags, and parses back", () => {
    expect(formatTraceparent(TRACE, PARENT, 1)).toBe(VALID);
    expect(formatTraceparent(TRACE, PARENT, 0)).toBe(`00-${TRACE}-${PARENT}-00`);
    expect(parseTraceparent(formatTraceparent(TRACE, PARENT, 0x0b))?.flags).toBe(0x0b);
  });
});

describe("parseTracestate", () => {
  it("reads members in order, with optional spaces and empty members", () => {
    expect(parseTracestate("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE")).toEqual([
      { key: "rojo", value: "00f067aa0ba902b7" },
      { key: "congo", value: "t61rcWkgMzE" },
    ]);
    expect(parseTracestate(" rojo=1 ,\tcongo=2\t")).toEqual([
      { key: "rojo", value: "1" },
      { key: "congo", value: "2" },
    ]);
    expect(parseTracestate(",rojo=1,, ,congo=2,")?.map((m) => m.key)).toEqual(["rojo", "congo"]);
    expect(parseTracestate("")).toEqual([]);
  });

  it("accepts the key and value grammar at its edges", () => {
    expect(parseTracestate("fw529a3039@dt=abc")?.[0]?.key).toBe("fw529a3039@dt");
    expect(parseTracestate("a_-*/9=x")).toHaveLength(1);
    expect(parseTracestate("k=a b")?.[0]?.value).toBe("a b");
    expect(parseTracestate(`${"a".repeat(256)}=1`)).toHaveLength(1);
    expect(parseTracestate(`k=${"v".repeat(256)}`)).toHaveLength(1);
    expect(parseTracestate(`${"t".repeat(241)}@${"s".repeat(14)}=1`)).toHaveLength(1);
  });

  const invalid: [string, string][] = [
    ["an upper-case key", "Rojo=1"],
    ["a key starting with a digit (not multi-tenant)", "1abc=1"],
    ["a key of 257 characters", `${"a".repeat(257)}=1`],
    ["a tenant id of 242 characters", `${"t".repeat(242)}@s=1`],
    ["a system id of 15 characters", `t@${"s".repeat(15)}=1`],
    ["a system id starting with a digit", "t@1s=1"],
    ["a value of 257 characters", `k=${"v".repeat(257)}`],
    ["an empty value", "k="],
    ["a value with '='", "k=a=b"],
    ["a value outside printable ASCII", "k=caf\u00e9"],
    ["a member without '='", "rojo"],
    ["an empty key", "=1"],
    ["a repeated key", "a=1,b=2,a=3"],
    ["33 members", Array.from({ length: 33 }, (_, i) => `k${i}=v`).join(",")],
  ];
  it.each(invalid)("refuses the whole header for %s", (_what, header) => {
    expect(parseTracestate(`ok=1,${header}`)).toBeUndefined();
  });

  it("accepts 32 members, and refuses input past its bound unread", () => {
    expect(parseTracestate(Array.from({ length: 32 }, (_, i) => `k${i}=v`).join(","))).toHaveLength(32);
    expect(parseTracestate(`k=v,${" ".repeat(17_000)}`)).toBeUndefined();
    expect(parseTracestate(42)).toBeUndefined();
  });
});

describe("formatTracestate", () => {
  it("joins without spaces, and round-trips", () => {
    const members = parseTracestate("rojo=1, congo=2") ?? [];
    expect(formatTracestate(members)).toBe("rojo=1,congo=2");
    expect(parseTracestate(formatTracestate(members))).toEqual(members);
  });

  it("cuts past 512 characters: members over 128 characters first, then from the end", () => {
    const short = Array.from({ length: 20 }, (_, i) => ({ key: `k${String(i).padStart(2, "0")}`, value: "v".repeat(16) }));
    const long = { key: "long", value: "x".repeat(200) };
    const header = formatTracestate([short[0]!, long, ...short.slice(1)]);
    expect(header.length).toBeLessThanOrEqual(512);
    expect(header).not.toContain("long=");
    // 20 members of 20 characters plus commas fit after the long one goes.
    expect(header.split(",")).toHaveLength(20);
    const many = Array.from({ length: 32 }, (_, i) => ({ key: `k${String(i).padStart(2, "0")}`, value: "v".repeat(20) }));
    const cut = formatTracestate(many).split(",");
    expect(cut.join(",").length).toBeLessThanOrEqual(512);
    expect(cut[0]).toBe(`k00=${"v".repeat(20)}`);
    expect(cut.length).toBe(Math.floor(513 / 25));
  });
});

describe("readTraceContext", () => {
  it("reads traceparent and tracestate from any carrier, any case", () => {
    for (const carrier of [
      { TraceParent: VALID, TraceState: "a=1" },
      new Headers({ traceparent: VALID, tracestate: "a=1" }),
      new Map([["traceparent", VALID], ["tracestate", "a=1"]]),
      [["traceparent", VALID], ["tracestate", "a=1"]] as const,
    ]) {
      const context = readTraceContext(headerGetter(carrier));
      expect(context?.traceparent.traceId).toBe(TRACE);
      expect(context?.tracestate).toBe("a=1");
    }
  });

  it("joins repeated tracestate headers; a repeated traceparent names no parent", () => {
    expect(readTraceContext(headerGetter({ traceparent: VALID, tracestate: ["a=1", "b=2"] }))?.tracestate).toBe("a=1,b=2");
    expect(readTraceContext(headerGetter({ traceparent: [VALID, VALID] }))).toBeUndefined();
  });

  it("drops an invalid tracestate and keeps the traceparent", () => {
    const context = readTraceContext(headerGetter({ traceparent: VALID, tracestate: "A=1" }));
    expect(context?.traceparent.parentId).toBe(PARENT);
    expect(context?.tracestate).toBeUndefined();
    expect(readTraceContext(headerGetter({ traceparent: VALID, tracestate: " , " }))?.tracestate).toBeUndefined();
  });

  it("is undefined without a valid traceparent, whatever tracestate says", () => {
    expect(readTraceContext(headerGetter({ tracestate: "a=1" }))).toBeUndefined();
    expect(readTraceContext(headerGetter({ traceparent: `ff-${TRACE}-${PARENT}-01`, tracestate: "a=1" }))).toBeUndefined();
  });
});

describe("id mapping", () => {
  const RUN = "0195a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";

  it("trace-id ⇄ trace UUID: the same 128 bits, dashes removed or inserted", () => {
    expect(uuidOfTraceId(TRACE)).toBe("4bf92f35-77b3-4da6-a3ce-929d0e0e4736");
    expect(traceIdOfUuid(uuidOfTraceId(TRACE))).toBe(TRACE);
    expect(traceIdOfUuid(RUN)).toBe("0195a1b2c3d47e5f8a9b0c1d2e3f4a5b");
  });

  it("span-id = the last 16 hex digits of the run UUID", () => {
    expect(spanIdOfUuid(RUN)).toBe("8a9b0c1d2e3f4a5b");
  });

  it("an inbound parent span becomes the zero-padded placeholder UUID, which maps back", () => {
    expect(uuidOfSpanId(PARENT)).toBe("00000000-0000-0000-00f0-67aa0ba902b7");
    expect(spanIdOfUuid(uuidOfSpanId(PARENT))).toBe(PARENT);
  });

  it("refuses ids that are not canonical UUIDs or map to all-zero W3C ids", () => {
    for (const bad of ["", "not-a-uuid", RUN.toUpperCase(), `${RUN}0`, RUN.replaceAll("-", "")]) {
      expect(traceIdOfUuid(bad)).toBeUndefined();
      expect(spanIdOfUuid(bad)).toBeUndefined();
    }
    expect(traceIdOfUuid("00000000-0000-0000-0000-000000000000")).toBeUndefined();
    expect(spanIdOfUuid("0195a1b2-c3d4-7e5f-0000-000000000000")).toBeUndefined();
  });
});
