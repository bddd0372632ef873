import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseBaggage } from "../../src/propagation/baggage.js";
import { headerGetter } from "../../src/propagation/carrier.js";
import { extractLangsmith, formatLangsmithHeaders, propagationStats } from "../../src/propagation/langsmith-trace.js";

const A = "0195a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
const B = "0195a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c";
const C = "0195a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5d";
const TRACE = `20260314T150926535897Z${A}.20260314T150926535904Z${B}.20260314T150926535909Z${C}`;
const meta = (o: unknown) => `langsmith-metadata=${encodeURIComponent(JSON.stringify(o))}`;

function extract(carrier: unknown) {
  return extractLangsmith(headerGetter(carrier));
}

describe("extractLangsmith", () => {
  it("relays exactly the well-formed members parseBaggage reads that are not LangSmith's, in order", () => {
    const key = fc.constantFrom("vendor", "langsmith-tags", "langsmith-other", "langsmith-metadata", "bad key", "k\u00e9", "", "x;y");
    const member = fc
      .tuple(fc.constantFrom("", " ", "\t"), key, fc.constantFrom("=", " = ", ""), fc.string({ maxLength: 6 }), fc.constantFrom("", ";p", ";p=1"))
      .map(([ws, k, eq, v, props]) => `${ws}${k}${eq}${v.replace(/,/g, "")}${props}${ws}`);
    fc.assert(
      fc.property(fc.array(member, { maxLength: 6 }), (members) => {
        const baggage = members.join(",");
        const relayed = parseBaggage(baggage).filter((m) => !m.key.startsWith("langsmith-")).map((m) => m.text);
        expect(extract({ "langsmith-trace": TRACE, baggage })?.foreignBaggage).toEqual(relayed);
      }),
      { numRuns: 5_000 },
    );
  });

  it("reads ids, dotted order and baggage", () => {
    const parent = extract({
      "langsmith-trace": TRACE,
      baggage: `${meta({ k: "v" })},langsmith-tags=a%2Cb,langsmith-project=p%20q,vendor=x;prop=1`,
    });
    expect(parent).toMatchObject({
      id: C,
      traceId: A,
      parentRunId: B,
      dottedOrder: TRACE,
      metadata: { k: "v" },
      tags: ["a", "b"],
      projectName: "p q",
      foreignBaggage: ["vendor=x;prop=1"],
    });
  });

  it.each([
    ["a Fetch Headers", () => new Headers({ "Langsmith-Trace": TRACE, BAGGAGE: meta({ k: 1 }) })],
    ["a wrong-case object", () => ({ "LangSmith-Trace": TRACE, Baggage: meta({ k: 1 }) })],
    ["a Map", () => new Map([["LANGSMITH-TRACE", TRACE], ["baggage", meta({ k: 1 })]])],
    ["pairs", () => [["langsmith-trace", TRACE], ["baggage", meta({ k: 1 })]]],
    ["arrays of values", () => ({ "langsmith-trace": [TRACE, "garbage"], baggage: ["x=1", meta({ k: 1 })] })],
  ])("reads %s", (_name, make) => {
    const parent = extract(make());
    expect(parent?.id).toBe(C);
    expect(parent?.metadata).toEqual({ k: 1 });
  });

  it.each([
    ["absent", {}],
    ["empty", { "langsmith-trace": "" }],
    ["garbage", { "langsmith-trace": "hello.world" }],
    ["a number", { "langsmith-trace": 42 }],
    ["a bad uuid", { "langsmith-trace": `20260314T150926535897Z${A.slice(0, 35)}x` }],
    ["an object", { "langsmith-trace": { toString: () => TRACE } }],
    ["null carrier", null],
    ["a string carrier", TRACE],
  ])("returns undefined for %s", (_name, carrier) => {
    expect(extract(carrier)).toBeUndefined();
  });

  it("accepts surrounding whitespace on the trace header", () => {
    expect(extract({ "langsmith-trace": `  ${TRACE}\t` })?.dottedOrder).toBe(TRACE);
  });

  it.each([
    ["bad percent-encoding", "langsmith-metadata=%7B%zz"],
    ["bad JSON", `langsmith-metadata=${encodeURIComponent("{not json")}`],
    ["an array", meta([1, 2])],
    ["a string", meta("str")],
    ["null", meta(null)],
  ])("ignores metadata with %s but keeps the other members", (_name, bad) => {
    const parent = extract({ "langsmith-trace": TRACE, baggage: `${bad},langsmith-tags=t,langsmith-project=p` });
    expect(parent?.metadata).toEqual({});
    expect(parent?.tags).toEqual(["t"]);
    expect(parent?.projectName).toBe("p");
  });

  it("keeps __proto__ and constructor keys inert", () => {
    const json = '{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}},"ok":1}';
    const parent = extract({ "langsmith-trace": TRACE, baggage: `langsmith-metadata=${encodeURIComponent(json)}` });
    expect(parent?.metadata).toEqual({ ok: 1 });
    expect(Object.getPrototypeOf(parent?.metadata)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("never relays langsmith-replicas or addresses", () => {
    const parent = extract({
      "langsmith-trace": TRACE,
      baggage: "langsmith-replicas=%5B%5D,langsmith-address=x,other=1",
    });
    expect(parent?.foreignBaggage).toEqual(["other=1"]);
  });

  it("rejects a 12,000-segment trace quickly", () => {
    const trace = Array(12_000).fill(`20260314T150926535897Z${A}`).join(".");
    const started = performance.now();
    expect(extract({ "langsmith-trace": trace })).toBeUndefined();
    expect(performance.now() - started).toBeLessThan(250);
  });

  it("survives 30,000-key metadata within bounded time", () => {
    const big: Record<string, number> = {};
    for (let i = 0; i < 30_000; i++) big[`k${i}`] = i;
    const started = performance.now();
    const parent = extract({ "langsmith-trace": TRACE, baggage: `${meta(big)},langsmith-project=p` });
    expect(performance.now() - started).toBeLessThan(500);
    expect(parent?.id).toBe(C);
    expect(parent?.metadata).toEqual({}); // over the inbound bound: ignored, not parsed
  });
});

describe("formatLangsmithHeaders", () => {
  it("writes members in LangSmith's order with foreign members after", () => {
    const h = formatLangsmithHeaders({
      dottedOrder: TRACE,
      metadata: { a: "/x y" },
      tags: ["t1", "t2"],
      projectName: "p/q",
      foreignBaggage: ["vendor=1;p"],
    });
    expect(h).toEqual({
      "langsmith-trace": TRACE,
      baggage: `${meta({ a: "/x y" })},langsmith-tags=t1%2Ct2,langsmith-project=p%2Fq,vendor=1;p`,
    });
  });

  it("drops metadata first, whole, when baggage would pass 8192 bytes, and counts it", () => {
    const before = propagationStats().baggageMembersDropped;
    const h = formatLangsmithHeaders({
      dottedOrder: TRACE,
      metadata: { blob: "x".repeat(9000) },
      tags: ["t"],
      projectName: "p",
      foreignBaggage: undefined,
    });
    expect(h.baggage).toBe("langsmith-tags=t,langsmith-project=p");
    expect(propagationStats().baggageMembersDropped).toBe(before + 1);
  });

  it("drops unserialisable metadata instead of throwing", () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const h = formatLangsmithHeaders({
      dottedOrder: TRACE,
      metadata: cyclic,
      tags: undefined,
      projectName: "p",
      foreignBaggage: undefined,
    });
    expect(h.baggage).toBe("langsmith-project=p");
  });
});
