/**
 * A fresh run's first `toHeaders` may reuse the baggage the process formatted last (another
 * run's): only when its own content is the same. Each case formats one run, then a fresh run
 * that differs in one thing, and expects what a from-scratch format gives.
 */
import { describe, expect, it } from "vitest";
import { RunTree } from "../../src/run-tree/run-tree.js";
import { baggageFromScratch } from "../helpers/baggage.js";

const TRACE = "20260314T150926535897Z0195a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";


const root = (): RunTree => new RunTree({ name: "root", project_name: "p", tracingEnabled: false });

describe("toHeaders across runs", () => {
  it("reuses nothing that differs in metadata, tags or project", () => {
    const first = root().createChild({ name: "a", metadata: { user: "ada" }, tags: ["t"] });
    const firstBaggage = first.toHeaders().baggage;
    const variants = [
      root().createChild({ name: "b", metadata: { user: "bob" }, tags: ["t"] }),
      root().createChild({ name: "b", metadata: { user: "ada", extra: 1 }, tags: ["t"] }),
      root().createChild({ name: "b", metadata: { user: "ada" }, tags: ["u"] }),
      root().createChild({ name: "b", metadata: { user: "ada" }, tags: ["t"], project_name: "q" }),
      root().createChild({ name: "b", metadata: { user: "ada" } }),
    ];
    for (const run of variants) {
      first.toHeaders();
      expect(run.toHeaders().baggage).toBe(baggageFromScratch(run));
      expect(run.toHeaders().baggage).not.toBe(firstBaggage);
    }
  });

  it("gives the same bytes when the content is the same", () => {
    const a = root().createChild({ name: "a", metadata: { user: "ada" }, tags: ["t"] });
    const b = root().createChild({ name: "b", metadata: { user: "ada" }, tags: ["t"] });
    expect(b.toHeaders().baggage).toBe(a.toHeaders().baggage);
    expect(b.toHeaders()["langsmith-trace"]).toBe(b.dotted_order);
  });

  it("keeps each remote caller's foreign members", () => {
    const one = RunTree.fromHeaders({ "langsmith-trace": TRACE, baggage: "langsmith-tags=t,vendor=one" })!.createChild({ name: "c" });
    const two = RunTree.fromHeaders({ "langsmith-trace": TRACE, baggage: "langsmith-tags=t,vendor=two" })!.createChild({ name: "c" });
    expect(one.toHeaders().baggage.endsWith(",vendor=one")).toBe(true);
    expect(two.toHeaders().baggage.endsWith(",vendor=two")).toBe(true);
  });

  it("does not reuse baggage whose metadata holds objects", () => {
    const nested = { deep: 1 };
    const a = root().createChild({ name: "a", metadata: { nested } });
    a.toHeaders();
    nested.deep = 2;
    const b = root().createChild({ name: "b", metadata: { nested } });
    expect(b.toHeaders().baggage).toBe(baggageFromScratch(b));
    expect(decodeURIComponent(b.toHeaders().baggage)).toContain('"deep":2');
  });
});
