/**
 * A dotted order is a path from a root: no nil UUID, no UUID twice, no segment earlier than its
 * parent (SPEC §2). Both parsers and `RunTree.fromHeaders` refuse anything else, never throwing.
 */
import { describe, expect, it } from "vitest";
import { MAX_DOTTED_ORDER_DEPTH, formatStamp, parseDottedOrder, parseDottedOrderEnds } from "../../src/core/dotted-order.js";
import { RunTree } from "../../src/run-tree/run-tree.js";

const NIL = "00000000-0000-0000-0000-000000000000";
/** Distinct v7-shaped ids: the last three hex digits count. */
const idOf = (i: number): string => `0195a1b2-c3d4-7e5f-8a9b-0c1d2e3f4${i.toString(16).padStart(3, "0")}`;
const T0 = Date.UTC(2026, 2, 14, 15, 9, 26) * 1000 + 535_897;

/** A dotted order of `ids`, each segment `stepUs` after the one before. */
function chain(ids: readonly string[], stepUs = 7): string {
  return ids.map((id, i) => formatStamp(T0 + i * stepUs) + id).join(".");
}

/** `chain`, with segment `at` stamped `us` instead. */
function withStamp(ids: readonly string[], at: number, us: number): string {
  return ids.map((id, i) => formatStamp(i === at ? us : T0 + i * 7) + id).join(".");
}

const deep = Array.from({ length: 40 }, (_, i) => idOf(i));

function expectRefused(trace: string): void {
  expect(parseDottedOrder(trace)).toBeUndefined();
  expect(parseDottedOrderEnds(trace)).toBeUndefined();
  expect(() => RunTree.fromHeaders({ "langsmith-trace": trace })).not.toThrow();
  expect(RunTree.fromHeaders({ "langsmith-trace": trace })).toBeUndefined();
}

function expectAccepted(trace: string): void {
  expect(parseDottedOrder(trace)).toBeDefined();
  expect(parseDottedOrderEnds(trace)).toBeDefined();
  expect(RunTree.fromHeaders({ "langsmith-trace": trace })?.dotted_order).toBe(trace);
}

describe("a dotted order is a path", () => {
  it.each([
    ["the same UUID in adjacent segments", chain([idOf(1), idOf(1)])],
    ["the root's UUID again as the last segment", chain([idOf(1), idOf(2), idOf(3), idOf(1)])],
    ["a UUID twice in a chain deeper than the pairwise check", chain([...deep, idOf(17)])],
  ])("[12.7] refuses %s", (_name, trace) => {
    expectRefused(trace);
  });

  it.each([
    ["a nil root", chain([NIL, idOf(1)])],
    ["a nil last segment", chain([idOf(1), NIL])],
    ["a lone nil segment", chain([NIL])],
  ])("[12.7] refuses the nil UUID as %s", (_name, trace) => {
    expectRefused(trace);
  });

  it.each([
    ["a second earlier", withStamp([idOf(1), idOf(2)], 1, T0 - 1_000_000)],
    ["a millisecond earlier", withStamp([idOf(1), idOf(2)], 1, T0 - 1000)],
    ["a middle segment a day earlier", withStamp([idOf(1), idOf(2), idOf(3)], 1, T0 - 86_400_000_000)],
    ["a root years after its last segment", withStamp([idOf(1), idOf(2)], 0, T0 + 3 * 365 * 86_400_000_000)],
  ])("[12.7] refuses a segment stamped earlier than its parent: %s", (_name, trace) => {
    expectRefused(trace);
  });

  it("accepts a child stamped less than a millisecond before its parent, as LangSmith JS stamps (ms + execution order)", () => {
    // Ours at .535897, langsmith's child of it in the same millisecond: .535002.
    expectAccepted(withStamp([idOf(1), idOf(2)], 1, T0 - 895));
    expectAccepted(withStamp([idOf(1), idOf(2)], 1, T0 - 999));
    expectAccepted(chain([idOf(1), idOf(2)], 0));
  });

  it("continues a real langsmith child of our run, whatever millisecond it was made in", async () => {
    const { RunTree: LsRunTree } = await import("langsmith");
    for (let i = 0; i < 50; i++) {
      const ours = new RunTree({ name: "ours", tracingEnabled: false });
      const theirs = LsRunTree.fromHeaders(ours.toHeaders())!.createChild({ name: "theirs" });
      expect(RunTree.fromHeaders(theirs.toHeaders())?.id).toBe(theirs.id);
    }
  });

  it("accepts a full-depth path of distinct ids, and refuses one repeat in it", () => {
    const ids = Array.from({ length: MAX_DOTTED_ORDER_DEPTH }, (_, i) => idOf(i));
    expectAccepted(chain(ids, 1));
    // The root again last, a neighbour repeated, one in the middle: each is found.
    for (const [at, copyOf] of [[511, 0], [200, 199], [300, 17]] as const) {
      expectRefused(chain(ids.map((id, i) => (i === at ? idOf(copyOf) : id)), 1));
    }
  });
});
