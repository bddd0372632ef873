/**
 * `toHeaders` reuses a run's formatted baggage only while its content is unchanged: every case
 * here changes something after a first `toHeaders` and expects the next one to show it, exactly
 * as a from-scratch format would.
 */
import { describe, expect, it } from "vitest";
import { propagationStats } from "../../src/propagation/langsmith-trace.js";
import { RunTree } from "../../src/run-tree/run-tree.js";
import { baggageFromScratch } from "../helpers/baggage.js";

const TRACE = "20260314T150926535897Z0195a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";


function decodedMetadata(run: RunTree): unknown {
  const member = run.toHeaders().baggage.split(",").find((m) => m.startsWith("langsmith-metadata="));
  return member === undefined ? undefined : JSON.parse(decodeURIComponent(member.slice("langsmith-metadata=".length)));
}

describe("toHeaders baggage reuse", () => {
  it("follows metadata mutated in place after a toHeaders", () => {
    const run = new RunTree({ name: "r", project_name: "p", metadata: { a: 1, b: "x" } });
    expect(decodedMetadata(run)).toEqual({ a: 1, b: "x" });
    run.metadata.a = 2;
    expect(decodedMetadata(run)).toEqual({ a: 2, b: "x" });
    run.metadata.c = null;
    expect(decodedMetadata(run)).toEqual({ a: 2, b: "x", c: null });
    delete run.metadata.b;
    expect(decodedMetadata(run)).toEqual({ a: 2, c: null });
    expect(run.toHeaders().baggage).toBe(baggageFromScratch(run));
  });

  it("follows key order, since it changes the JSON", () => {
    const run = new RunTree({ name: "r", metadata: { a: 1, b: 2 } });
    const first = run.toHeaders().baggage;
    const md = run.metadata;
    delete md.a;
    md.a = 1;
    const second = run.toHeaders().baggage;
    expect(second).not.toBe(first);
    expect(second).toBe(baggageFromScratch(run));
  });

  it("follows nested values changed in place", () => {
    const run = new RunTree({ name: "r", metadata: { user: { name: "ada" }, list: [1] } });
    run.toHeaders();
    (run.metadata.user as { name: string }).name = "grace";
    (run.metadata.list as number[]).push(2);
    expect(decodedMetadata(run)).toEqual({ user: { name: "grace" }, list: [1, 2] });
  });

  it("follows the metadata setter, a replaced extra, tags and project", () => {
    const run = new RunTree({ name: "r", project_name: "p1", tags: ["t1"], metadata: { a: 1 } });
    run.toHeaders();
    run.metadata = { b: 2 };
    expect(run.toHeaders().baggage).toBe(baggageFromScratch(run));
    run.extra = { metadata: { only: "this" } };
    expect(decodedMetadata(run)).toEqual({ only: "this" });
    run.tags.push("t2");
    expect(run.toHeaders().baggage).toContain("langsmith-tags=t1%2Ct2");
    run.tags = [];
    expect(run.toHeaders().baggage).not.toContain("langsmith-tags");
    run.project_name = "p2";
    expect(run.toHeaders().baggage).toContain("langsmith-project=p2");
    expect(run.toHeaders().baggage).toBe(baggageFromScratch(run));
  });

  it("gives a child the same baggage as a fresh format, whether or not it matches its parent's", () => {
    const parent = new RunTree({ name: "p", project_name: "p", metadata: { a: 1 } });
    const parentBaggage = parent.toHeaders().baggage;
    const same = parent.createChild({ name: "same" });
    expect(same.toHeaders().baggage).toBe(parentBaggage);
    const other = parent.createChild({ name: "other", metadata: { a: 2 } });
    expect(other.toHeaders().baggage).toBe(baggageFromScratch(other));
    const tagged = parent.createChild({ name: "tagged", tags: ["t"] });
    expect(tagged.toHeaders().baggage).toBe(baggageFromScratch(tagged));
    expect(tagged.toHeaders().baggage).toContain("langsmith-tags=t");
  });

  it("keeps foreign members and the headers object in step", () => {
    const parent = RunTree.fromHeaders({ "langsmith-trace": TRACE, baggage: "langsmith-project=rp,vendor=v1" })!;
    const child = parent.createChild({ name: "c", metadata: { k: "v" } });
    const h = new Headers();
    const out = child.toHeaders(h);
    expect(out.baggage).toBe(baggageFromScratch(child, ["vendor=v1"]));
    child.metadata.k = "w";
    const again = child.toHeaders(h);
    expect(again.baggage).toBe(baggageFromScratch(child, ["vendor=v1"]));
    expect(h.get("baggage")).toBe(again.baggage);
    expect(again["langsmith-trace"]).toBe(child.dotted_order);
  });

  it("counts a dropped metadata member on every call, as without reuse", () => {
    const run = new RunTree({ name: "r", project_name: "p", metadata: { blob: "x".repeat(9000) } });
    const before = propagationStats().baggageMembersDropped;
    expect(run.toHeaders().baggage).toBe("langsmith-project=p");
    expect(run.toHeaders().baggage).toBe("langsmith-project=p");
    expect(propagationStats().baggageMembersDropped).toBe(before + 2);
  });

  it("serialises metadata objects that are not plain the way JSON.stringify does", () => {
    class Meta {
      a = 1;
      toJSON() {
        return { custom: true };
      }
    }
    const run = new RunTree({ name: "r" });
    run.toHeaders();
    run.extra = { metadata: new Meta() };
    expect(decodedMetadata(run)).toEqual({ custom: true });
  });

  it("keeps an own __proto__ metadata key a plain key, never a prototype", () => {
    const metadata = JSON.parse('{"__proto__": {"polluted": 1}, "a": 1}') as Record<string, unknown>;
    const root = new RunTree({ name: "r", metadata });
    const child = root.createChild({ name: "c", metadata: { b: 2 } });
    for (const run of [root, child]) {
      expect(Object.getPrototypeOf(run.metadata)).toBe(Object.prototype);
      expect((run.metadata as { polluted?: unknown }).polluted).toBeUndefined();
      expect(Object.hasOwn(run.metadata, "__proto__")).toBe(true);
    }
    expect(Object.keys(child.metadata)).toEqual(["__proto__", "a", "b"]);
  });
});
