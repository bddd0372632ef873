import { afterEach, describe, expect, it, vi } from "vitest";
import { nextTimestampUs } from "../../src/core/clock.js";
import {
  formatIsoUs,
  formatStamp,
  MAX_DOTTED_ORDER_DEPTH,
  parseDottedOrder,
  parseStamp,
} from "../../src/core/dotted-order.js";
import { RunTree } from "../../src/run-tree/run-tree.js";

const ID = "0195a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";

afterEach(() => vi.restoreAllMocks());

describe("stamps", () => {
  it("formats real microseconds and parses them back", () => {
    const us = Date.UTC(2026, 2, 14, 15, 9, 26) * 1000 + 535_897;
    expect(formatStamp(us)).toBe("20260314T150926535897Z");
    expect(formatIsoUs(us)).toBe("2026-03-14T15:09:26.535897Z");
    expect(parseStamp("20260314T150926535897Z")).toBe(us);
  });

  it.each([
    "20261314T150926535897Z", // month 13
    "20260231T150926535897Z", // 31 February
    "20260314T250926535897Z", // hour 25
    "2026031AT150926535897Z", // letter
    "20260314 150926535897Z", // no T
    "20260314T150926535897X", // no Z
  ])("rejects %s", (stamp) => {
    expect(parseStamp(stamp)).toBeUndefined();
  });
});

describe("parseDottedOrder", () => {
  it("splits a chain root first", () => {
    const s = `20260314T150926535897Z${ID}.20260314T150926535904Z${ID.replace("5b", "5c")}`;
    const segments = parseDottedOrder(s);
    expect(segments?.map((x) => x.id)).toEqual([ID, ID.replace("5b", "5c")]);
  });

  it.each([
    ["empty", ""],
    ["uppercase uuid", `20260314T150926535897Z${ID.toUpperCase()}`],
    ["trailing dot", `20260314T150926535897Z${ID}.`],
    ["comma separator", `20260314T150926535897Z${ID},20260314T150926535897Z${ID}`],
    ["short stamp", `20260314T15092653589Z${ID}`],
  ])("rejects %s", (_name, s) => {
    expect(parseDottedOrder(s)).toBeUndefined();
  });

  it("bounds depth", () => {
    // Distinct ids: a path never holds one twice.
    const chain = (depth: number) =>
      Array.from({ length: depth }, (_, i) => `20260314T150926535897Z${ID.slice(0, -3)}${i.toString(16).padStart(3, "0")}`).join(".");
    expect(parseDottedOrder(chain(MAX_DOTTED_ORDER_DEPTH))).toHaveLength(MAX_DOTTED_ORDER_DEPTH);
    expect(parseDottedOrder(chain(MAX_DOTTED_ORDER_DEPTH + 1))).toBeUndefined();
  });
});

describe("the monotonic clock", () => {
  it("orders 10,000 runs created within one frozen millisecond", () => {
    const frozen = performance.now();
    vi.spyOn(performance, "now").mockReturnValue(frozen);
    vi.spyOn(Date, "now").mockReturnValue(Date.now());
    const runs = Array.from({ length: 10_000 }, (_, i) => new RunTree({ name: `r${i}` }));
    const orders = runs.map((r) => r.dotted_order);
    expect([...orders].sort()).toEqual(orders);
    expect(new Set(runs.map((r) => r.start_time)).size).toBe(10_000);
    // start_time is the dotted-order stamp, exactly.
    for (const r of runs.slice(0, 100)) {
      expect(r.dotted_order.slice(0, 22)).toBe(r.start_time.replace(/[-:.]/g, ""));
    }
  });

  it("never goes back", () => {
    let last = 0;
    for (let i = 0; i < 1000; i++) {
      const t = nextTimestampUs();
      expect(t).toBeGreaterThan(last);
      last = t;
    }
  });

  it("places a child after a remote parent whose clock is 5 s ahead", () => {
    const aheadUs = (Date.now() + 5000) * 1000;
    const header = `${formatStamp(aheadUs)}${ID}`;
    const parent = RunTree.fromHeaders({ "langsmith-trace": header });
    expect(parent).toBeDefined();
    const child = parent!.createChild({ name: "child" });
    const grandchild = child.createChild({ name: "grandchild" });
    const sibling = parent!.createChild({ name: "sibling" });
    expect(child.dotted_order > parent!.dotted_order).toBe(true);
    expect([parent!.dotted_order, child.dotted_order, grandchild.dotted_order].sort()).toEqual([
      parent!.dotted_order,
      child.dotted_order,
      grandchild.dotted_order,
    ]);
    expect(sibling.dotted_order > grandchild.dotted_order).toBe(true);
    expect(Date.parse(child.start_time)).toBeGreaterThanOrEqual(Math.floor(aheadUs / 1000));
  });

  it("refuses a remote parent stamped days in the future instead of dragging the clock there", () => {
    const header = `${formatStamp((Date.now() + 3 * 86_400_000) * 1000)}${ID}`;
    expect(RunTree.fromHeaders({ "langsmith-trace": header })).toBeUndefined();
  });
});
