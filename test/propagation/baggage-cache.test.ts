import { describe, expect, it } from "vitest";
import { type BaggageCache, createBaggageCache } from "../../src/propagation/baggage-cache.js";
import { headerGetter } from "../../src/propagation/carrier.js";
import {
  MAX_CACHED_BAGGAGE_ENTRIES,
  MAX_CACHED_BAGGAGE_LENGTH,
  extractLangsmith,
  inboundBaggageCacheStats,
} from "../../src/propagation/langsmith-trace.js";
import { RunTree } from "../../src/run-tree/run-tree.js";

const TRACE = "20260314T150926535897Z0195a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
const meta = (o: unknown) => `langsmith-metadata=${encodeURIComponent(JSON.stringify(o))}`;

/** Offers `text` twice, which stores it (the first offer is only noted). */
function keep<V>(cache: BaggageCache<V>, text: string, value: V): void {
  cache.set(text, value);
  cache.set(text, value);
}

describe("createBaggageCache", () => {
  it("stores a text on its second offer, so one seen once takes no entry", () => {
    const cache = createBaggageCache<number>({ maxEntries: 256, maxTextLength: 1024 });
    expect(cache.set("a=1", 1)).toBe(false);
    expect(cache.get("a=1")).toBeUndefined();
    expect(cache.size).toBe(0);
    expect(cache.set("a=1", 1)).toBe(true);
    expect(cache.get("a=1")).toBe(1);
    // 10,000 texts offered once each (a request id per baggage) store nothing and evict nothing.
    for (let i = 0; i < 10_000; i++) expect(cache.set(`request=${i}`, i)).toBe(false);
    expect(cache.size).toBe(1);
    expect(cache.get("a=1")).toBe(1);
  });

  it("stays within maxEntries under 10,000 distinct texts", () => {
    const cache = createBaggageCache<number>({ maxEntries: 256, maxTextLength: 1024 });
    for (let i = 0; i < 10_000; i++) {
      keep(cache, `k=${i}`, i);
      expect(cache.size).toBeLessThanOrEqual(256);
    }
    expect(cache.size).toBe(256);
    expect(cache.get("k=9999")).toBe(9999);
    expect(cache.get("k=0")).toBeUndefined();
  });

  it("never keeps a text over maxTextLength", () => {
    const cache = createBaggageCache<number>({ maxEntries: 8, maxTextLength: 10 });
    keep(cache, "x".repeat(11), 1);
    expect(cache.size).toBe(0);
    expect(cache.get("x".repeat(11))).toBeUndefined();
  });

  it("keeps an entry that is hit while many others come and go", () => {
    const cache = createBaggageCache<string>({ maxEntries: 16, maxTextLength: 100 });
    keep(cache, "hot", "v");
    for (let i = 0; i < 1000; i++) {
      expect(cache.get("hot")).toBe("v");
      keep(cache, `cold-${i}`, "c");
    }
    expect(cache.get("hot")).toBe("v");
  });

  it("tells apart texts that share a length and the sampled characters", () => {
    // Same length, same first/middle/last characters: only a full comparison separates them.
    const texts = ["aXbYcZd=1", "aQbWcEd=1", "aRbTcUd=1", "aIbOcPd=1", "aAbScDd=1", "aFbGcHd=1"];
    const cache = createBaggageCache<string>({ maxEntries: 64, maxTextLength: 100 });
    for (const t of texts) keep(cache, t, t.toLowerCase());
    expect(cache.size).toBeLessThanOrEqual(64);
    for (const t of texts) {
      const got = cache.get(t);
      // A colliding bucket may have let its oldest go, but never answers for another text.
      expect(got === undefined || got === t.toLowerCase()).toBe(true);
    }
    expect(cache.get(texts[texts.length - 1] as string)).toBe(texts[texts.length - 1]?.toLowerCase());
  });

  it("never answers for a text it let go, even the one looked up last", () => {
    const cache = createBaggageCache<number>({ maxEntries: 2, maxTextLength: 100 });
    keep(cache, "a=1", 1);
    expect(cache.get("a=1")).toBe(1);
    keep(cache, "b=2", 2);
    keep(cache, "c=3", 3);
    expect(cache.size).toBe(2);
    expect(cache.get("a=1")).toBeUndefined();
    expect(cache.get("c=3")).toBe(3);
    // Four texts in one bucket (same length and sampled characters): the oldest goes first.
    const same = createBaggageCache<number>({ maxEntries: 64, maxTextLength: 100 });
    const texts = ["aXbYcZd=1", "aQbWcEd=1", "aRbTcUd=1", "aIbOcPd=1", "aAbScDd=1"];
    texts.forEach((t, i) => {
      keep(same, t, i);
      expect(same.get(t)).toBe(i);
    });
    expect(same.get(texts[0] as string)).toBeUndefined();
    expect(same.size).toBe(4);
  });

  it("replaces the value of a text set twice without growing", () => {
    const cache = createBaggageCache<number>({ maxEntries: 4, maxTextLength: 100 });
    keep(cache, "a=1", 1);
    expect(cache.set("a=1", 2)).toBe(true);
    expect(cache.size).toBe(1);
    expect(cache.get("a=1")).toBe(2);
  });
});

describe("decoded inbound baggage", () => {
  const read = (baggage: string) => extractLangsmith(headerGetter({ "langsmith-trace": TRACE, baggage }));

  it("hands every reader its own metadata and arrays", () => {
    const baggage = `${meta({ user: "ada", n: 1 })},langsmith-tags=a%2Cb,langsmith-project=p,vendor=1`;
    const first = read(baggage)!;
    first.metadata.user = "mallory";
    first.tags.push("injected");
    first.foreignBaggage.push("evil=1");
    const second = read(baggage)!;
    expect(second.metadata).toEqual({ user: "ada", n: 1 });
    expect(second.tags).toEqual(["a", "b"]);
    expect(second.foreignBaggage).toEqual(["vendor=1"]);

    const runA = RunTree.fromHeaders({ "langsmith-trace": TRACE, baggage })!;
    runA.metadata.user = "eve";
    runA.tags.push("x");
    const runB = RunTree.fromHeaders({ "langsmith-trace": TRACE, baggage })!;
    expect(runB.metadata).toEqual({ user: "ada", n: 1 });
    expect(runB.tags).toEqual(["a", "b"]);
  });

  it("does not share nested metadata between two fromHeaders results", () => {
    const baggage = `${meta({ user: { name: "ada", roles: ["admin"] } })},langsmith-project=p`;
    const a = RunTree.fromHeaders({ "langsmith-trace": TRACE, baggage })!;
    const b = RunTree.fromHeaders({ "langsmith-trace": TRACE, baggage })!;
    const nested = a.metadata.user as { name: string; roles: string[] };
    nested.name = "mallory";
    nested.roles.push("root");
    expect(b.metadata).toEqual({ user: { name: "ada", roles: ["admin"] } });
    expect(RunTree.fromHeaders({ "langsmith-trace": TRACE, baggage })?.metadata).toEqual({
      user: { name: "ada", roles: ["admin"] },
    });
  });

  it("reuses a decode for the same baggage text, whatever the trace", () => {
    const baggage = `${meta({ caller: "svc-a" })},langsmith-project=reuse`;
    // The second decode of a text is the one kept.
    read(baggage);
    read(baggage);
    const before = inboundBaggageCacheStats();
    const other = "20260314T150926535899Z0195a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c";
    const parent = extractLangsmith(headerGetter({ "langsmith-trace": other, baggage }));
    expect(parent?.metadata).toEqual({ caller: "svc-a" });
    expect(parent?.projectName).toBe("reuse");
    expect(inboundBaggageCacheStats().hits).toBe(before.hits + 1);
  });

  it("stays bounded under 10,000 distinct baggage strings", () => {
    for (let i = 0; i < 10_000; i++) {
      expect(read(`${meta({ request: i })},langsmith-project=p`)?.metadata).toEqual({ request: i });
    }
    expect(inboundBaggageCacheStats().entries).toBeLessThanOrEqual(MAX_CACHED_BAGGAGE_ENTRIES);
  });

  it("never caches a baggage over 1 KiB", () => {
    const baggage = `${meta({ blob: "x".repeat(MAX_CACHED_BAGGAGE_LENGTH) })},langsmith-project=p`;
    expect(baggage.length).toBeGreaterThan(1024);
    const before = inboundBaggageCacheStats();
    expect(read(baggage)?.metadata.blob).toHaveLength(MAX_CACHED_BAGGAGE_LENGTH);
    expect(read(baggage)?.metadata.blob).toHaveLength(MAX_CACHED_BAGGAGE_LENGTH);
    const after = inboundBaggageCacheStats();
    expect(after.hits).toBe(before.hits);
    expect(after.misses).toBe(before.misses + 2);
  });

  it("never caches nested metadata", () => {
    const baggage = `${meta({ deep: { a: 1 } })}`;
    const before = inboundBaggageCacheStats();
    read(baggage);
    read(baggage);
    expect(inboundBaggageCacheStats().hits).toBe(before.hits);
  });

  it("gives a hit the same answer as the first decode, bad members included", () => {
    const baggage = `langsmith-metadata=%zz,${meta({ ok: true })},langsmith-tags=t,langsmith-project=%E2%9C,x=1`;
    const first = read(baggage);
    const second = read(baggage);
    expect(second).toEqual(first);
    expect(first?.metadata).toEqual({ ok: true });
    expect(first?.projectName).toBe("\uFFFD");
  });
});
