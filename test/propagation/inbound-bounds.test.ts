/**
 * Issue 12, points 8 and 9: reading inbound baggage costs O(bound) whatever the header holds —
 * no comma in the bound, hostile percent-encoding, or a carrier repeating the header 20,000 times.
 * The assertions are on what is read (lengths, entries looked at) and on ratios measured within
 * one test, never on absolute times.
 */
import { describe, expect, it } from "vitest";
import { RunTree } from "../../src/run-tree/run-tree.js";
import { propagationStats } from "../../src/propagation/langsmith-trace.js";
import { BAGGAGE_MAX_INBOUND_LENGTH, parseBaggage } from "../../src/propagation/baggage.js";
import { headerGetter, headerValue, listValue } from "../../src/propagation/carrier.js";

const trace = new RunTree({ name: "root" }).toHeaders()["langsmith-trace"];

/** Median time of `runs` calls of each function, interleaved so load on the machine hits both alike. */
function medianRatio(slow: () => unknown, fast: () => unknown, runs = 41): number {
  const times: [number[], number[]] = [[], []];
  for (let i = 0; i < runs; i++) {
    for (const [k, f] of [slow, fast].entries()) {
      const started = performance.now();
      for (let j = 0; j < 5; j++) f();
      (times[k] as number[]).push(performance.now() - started);
    }
  }
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[xs.length >> 1] as number;
  return median(times[0]) / Math.max(median(times[1]), 1e-3);
}

describe("the inbound baggage bound", () => {
  it("[12.8] a header with no comma inside the 64 KiB bound yields no member, however long", () => {
    for (const length of [BAGGAGE_MAX_INBOUND_LENGTH + 1, 1_000_000]) {
      expect(parseBaggage(`vendor=${"a".repeat(length)}`)).toEqual([]);
      expect(parseBaggage(`,vendor=${"a".repeat(length)}`)).toEqual([]);
    }
    // A member ending exactly at the bound is whole, and kept.
    const exact = `k=${"v".repeat(BAGGAGE_MAX_INBOUND_LENGTH - 2)},rest=${"x".repeat(100)}`;
    expect(parseBaggage(exact).map((m) => m.key)).toEqual(["k"]);
  });

  it("[12.8] what is read of a long header depends only on its first 64 KiB", () => {
    const prefixes = [
      `vendor=${"a".repeat(BAGGAGE_MAX_INBOUND_LENGTH)}`,
      `langsmith-tags=${"t%2C".repeat(BAGGAGE_MAX_INBOUND_LENGTH / 4)}`,
      `${"k=v,".repeat(BAGGAGE_MAX_INBOUND_LENGTH / 4)}`,
    ];
    for (const prefix of prefixes) {
      const read = parseBaggage(`${prefix.slice(0, BAGGAGE_MAX_INBOUND_LENGTH + 1)}`);
      for (const suffix of ["", ",a=1", "b".repeat(100_000), ",x=1".repeat(10_000)]) {
        expect(parseBaggage(prefix.slice(0, BAGGAGE_MAX_INBOUND_LENGTH + 1) + suffix)).toEqual(read);
      }
      const members = parseBaggage(prefix + "z".repeat(100_000));
      expect(members.reduce((sum, m) => sum + m.text.length + 1, 0)).toBeLessThanOrEqual(BAGGAGE_MAX_INBOUND_LENGTH + 1);
    }
    // Through fromHeaders: 80 KB of one tags member, with no comma to cut at, sets no tag.
    const run = RunTree.fromHeaders({ "langsmith-trace": trace, baggage: `langsmith-tags=${"a%2C".repeat(20_000)}` });
    expect(run?.tags).toEqual([]);
  });

  it("[12.8] a hostile 16 KB baggage costs about what a valid one of the same shape does", () => {
    const shapes: [string, string][] = [
      // One long member, one bad escape at its end: the lenient decoder used to run char by char.
      [`langsmith-project=${"a".repeat(16_000)}%FF`, `langsmith-project=${"a".repeat(16_000)}%41`],
      // Many members, each with invalid UTF-8: a thrown URIError each.
      ["langsmith-tags=%FF,".repeat(840), "langsmith-tags=%41,".repeat(840)],
      ["langsmith-project=%E2%9C,".repeat(640), "langsmith-project=%E2%9C%93,".repeat(580)],
      // Malformed escapes are refused at once.
      ["langsmith-tags=%zz,".repeat(840), "langsmith-tags=%41,".repeat(840)],
      [`langsmith-metadata=${"%FF".repeat(5_300)}`, `langsmith-metadata=${"%C3%A9".repeat(2_650)}`],
    ];
    for (const [hostile, valid] of shapes) {
      const ratio = medianRatio(
        () => RunTree.fromHeaders({ "langsmith-trace": trace, baggage: hostile }),
        () => RunTree.fromHeaders({ "langsmith-trace": trace, baggage: valid }),
      );
      expect(ratio, hostile.slice(0, 40)).toBeLessThan(4);
    }
  });
});

describe("inbound metadata depth", () => {
  const nested = (depth: number): string => `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
  const member = (json: string): string => `langsmith-metadata=${encodeURIComponent(json)}`;

  it("[12.8] metadata nested 9,000 deep is ignored alone, so no outbound header pays a deep walk", () => {
    const before = propagationStats().baggageMembersDropped;
    // Arrays nest in the fewest bytes: 9,000 levels fit the 64 KiB bound.
    const deep = `{"a":${"[".repeat(9_000)}${"]".repeat(9_000)}}`;
    const run = RunTree.fromHeaders({ "langsmith-trace": trace, baggage: `langsmith-tags=kept,${member(deep)}` });
    expect(run?.metadata).toEqual({});
    expect(run?.tags).toEqual(["kept"]);
    const child = run?.createChild({ name: "child" });
    expect(child?.toHeaders().baggage?.split(",")).toEqual(["langsmith-tags=kept", expect.stringMatching(/^langsmith-project=/)]);
    // Nothing was left to drop on the way out: the member never got in.
    expect(propagationStats().baggageMembersDropped).toBe(before);
  });

  it("[12.8] metadata as deep as 64 levels is kept, and goes out again", () => {
    const run = RunTree.fromHeaders({ "langsmith-trace": trace, baggage: member(nested(64)) });
    expect(JSON.stringify(run?.metadata)).toBe(nested(64));
    expect(run?.createChild({ name: "child" }).toHeaders().baggage?.split(",")[0]).toBe(member(nested(64)));
  });
});

/** Counts how many entries of `list` are read (a Proxy keeps `Array.isArray` true). */
function counted<T>(list: T[]): { list: T[]; reads: () => number } {
  let reads = 0;
  const proxy = new Proxy(list, {
    get(target, key, receiver) {
      if (typeof key === "string" && /^\d+$/.test(key)) reads++;
      return Reflect.get(target, key, receiver);
    },
  });
  return { list: proxy, reads: () => reads };
}

describe("reading repeated headers", () => {
  const REPEATS = 20_000;
  const member = "vendor=abcdefgh";
  const everything = Array.from({ length: REPEATS }, () => member).join(",");
  /** Each carrier shape, holding `langsmith-trace` once and `baggage` REPEATS times. */
  const carriers = (): [string, unknown, () => number][] => {
    const values = counted(Array.from({ length: REPEATS }, () => member));
    const pairs = counted<unknown>([["langsmith-trace", trace], ...Array.from({ length: REPEATS }, () => ["baggage", member])]);
    const flat = counted<unknown>(["langsmith-trace", trace, ...Array.from({ length: REPEATS }, () => ["baggage", member]).flat()]);
    const mapValues = counted(Array.from({ length: REPEATS }, () => member));
    const casedValues = counted(Array.from({ length: REPEATS }, () => member));
    const casings = Object.fromEntries([
      ["langsmith-trace", trace],
      ...Array.from({ length: 128 }, (_, i) => [[..."baggage"].map((c, j) => ((i >> j) & 1 ? c.toUpperCase() : c)).join(""), casedValues.list]),
    ]);
    const fetchHeaders = new Headers({ "langsmith-trace": trace });
    for (let i = 0; i < REPEATS; i++) fetchHeaders.append("baggage", member);
    return [
      ["IncomingHttpHeaders with an array (headersDistinct)", { "langsmith-trace": trace, baggage: values.list }, values.reads],
      ["a plain object, every casing of the name", casings, casedValues.reads],
      ["an array of pairs", pairs.list, pairs.reads],
      ["a raw header list", flat.list, flat.reads],
      ["a Map with an array value", new Map<string, unknown>([["langsmith-trace", trace], ["Baggage", mapValues.list]]), mapValues.reads],
      ["Fetch Headers", fetchHeaders, () => 0],
    ];
  };

  it("[12.9] every carrier shape reads at most the bound of a header repeated 20,000 times", () => {
    for (const [shape, carrier, reads] of carriers()) {
      const joined = headerValue(carrier, "baggage", true) as string;
      const expected = shape === "Fetch Headers" ? everything.replaceAll(",", ", ") : everything;
      expect(joined.length, shape).toBe(BAGGAGE_MAX_INBOUND_LENGTH + 1);
      expect(expected.startsWith(joined), shape).toBe(true);
      expect(listValue(headerGetter(carrier), "baggage"), shape).toBe(joined);
      // Entries looked at by the two reads above: about as many as fill the bound, not all of them
      // (Fetch Headers joins its repeats itself, as it stores them).
      expect(reads(), shape).toBeLessThan(2 * 2 * (BAGGAGE_MAX_INBOUND_LENGTH / (member.length + 1) + 100));
      const run = RunTree.fromHeaders(carrier);
      expect(run?.trace_id, shape).toBe(trace.slice(22, 58));
    }
  });
});
