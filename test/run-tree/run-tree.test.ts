import { describe, expect, it } from "vitest";
import { isUuid } from "../../src/core/ids.js";
import { RunTree, isRunTree } from "../../src/run-tree/run-tree.js";
import { ObservableSink } from "../helpers/observable-sink.js";

const TRACE = "20260314T150926535897Z0195a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";

describe("RunTree", () => {
  it("has LangSmith's defaults and a UUID v7 id", () => {
    const run = new RunTree({ name: "root" });
    expect(isUuid(run.id)).toBe(true);
    expect(run.id[14]).toBe("7");
    expect(run.trace_id).toBe(run.id);
    expect(run.run_type).toBe("chain");
    expect(run.project_name).toBe(process.env.LANGSMITH_PROJECT ?? "default");
    expect(run.parent_run_id).toBeUndefined();
    expect(run.dotted_order).toMatch(/^\d{8}T\d{12}Z[0-9a-f-]{36}$/);
    expect(run.start_time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  });

  it("children inherit trace, project, client, tracing flag and metadata, not tags", () => {
    const sink = new ObservableSink();
    const root = new RunTree({
      name: "root",
      project_name: "p",
      client: sink,
      tracingEnabled: true,
      metadata: { a: 1, b: 1 },
      tags: ["root-only"],
    });
    const child = root.createChild({ name: "child", metadata: { b: 2 }, tags: ["own"] });
    expect(child.trace_id).toBe(root.id);
    expect(child.parent_run_id).toBe(root.id);
    expect(child.project_name).toBe("p");
    expect(child.client).toBe(sink);
    expect(child.tracingEnabled).toBe(true);
    expect(child.metadata).toEqual({ a: 1, b: 2 });
    expect(child.tags).toEqual(["own"]);
    expect(child.dotted_order.startsWith(`${root.dotted_order}.`)).toBe(true);
    expect(root.child_runs).toEqual([child]);
  });

  it("ends once: the first outputs, error and end time win", () => {
    const run = new RunTree({ name: "r" });
    run.end({ a: 1 }, undefined, undefined, { m: 1 });
    run.end({ a: 2 }, "late");
    expect(run.outputs).toEqual({ a: 1 });
    expect(run.error).toBe("late");
    expect(run.metadata).toEqual({ m: 1 });
    expect(run.end_time! > run.start_time).toBe(true);
  });

  it("posts and patches through its client and drops child references once posted", async () => {
    const sink = new ObservableSink();
    const root = new RunTree({ name: "root", client: sink, inputs: { q: 1 } });
    const child = root.createChild({ name: "child" });
    await root.postRun(false);
    expect(sink.created.map((r) => r.name)).toEqual(["root", "child"]);
    expect(sink.created[0]).toMatchObject({ id: root.id, inputs: { q: 1 }, session_name: "default", dotted_order: root.dotted_order });
    expect(sink.created[1]?.parent_run_id).toBe(root.id);
    expect(root.child_runs).toEqual([]);
    root.createChild({ name: "late child" });
    expect(root.child_runs).toEqual([]);
    child.end({ ok: true });
    await child.patchRun();
    expect(sink.updated[0]).toMatchObject({ id: child.id, outputs: { ok: true }, trace_id: root.id });
  });

  it("sends nothing with tracing disabled; without a client, runs go to the shared default client", async () => {
    const shared = RunTree.getSharedClient();
    expect(RunTree.getSharedClient()).toBe(shared);
    const before = shared.stats();
    await expect(new RunTree({ name: "off", tracingEnabled: false }).postRun()).resolves.toBeUndefined();
    expect(shared.stats().queuedRuns).toBe(before.queuedRuns);
    await new RunTree({ name: "default" }).postRun();
    expect(shared.stats().queuedRuns).toBe(before.queuedRuns + 1);
    // vitest.config.ts points LANGSMITH_ENDPOINT at a closed loopback port: nothing leaves the machine.
    expect(shared.apiUrl).toBe("http://127.0.0.1:9");
  });

  it("toJSON holds its children as JSON (as LangSmith's) and no reference to its parent", () => {
    const root = new RunTree({ name: "root" });
    const child = root.createChild({ name: "c" });
    const json = JSON.parse(JSON.stringify(root));
    expect(json.child_runs).toMatchObject([{ id: child.id, name: "c", child_runs: [] }]);
    expect(json.child_runs[0].parent_run).toBeUndefined();
    expect(json.parent_run).toBeUndefined();
    expect(json.session_name).toBe("default");
  });

  it("toHeaders also sets the headers on a Headers object", () => {
    const run = new RunTree({ name: "r", project_name: "p" });
    const h = new Headers();
    const out = run.toHeaders(h);
    expect(h.get("langsmith-trace")).toBe(run.dotted_order);
    expect(h.get("baggage")).toBe(out.baggage);
    expect(out.baggage).toBe("langsmith-project=p");
  });
});

describe("RunTree.fromHeaders", () => {
  const baggage = "langsmith-metadata=%7B%22a%22%3A1%2C%22b%22%3A1%7D,langsmith-tags=remote,langsmith-project=rp,vendor=v1";

  it("is a placeholder that is never exported, whose subtree carries the remote tags", async () => {
    const sink = new ObservableSink();
    const parent = RunTree.fromHeaders({ "langsmith-trace": TRACE, baggage }, { client: sink })!;
    // A header never switches tracing on: the process's setting decides (as in LangSmith JS).
    expect(parent.tracingEnabled).toBeUndefined();
    await parent.postRun();
    parent.end();
    await parent.patchRun();
    expect(sink.created).toEqual([]);
    expect(sink.updated).toEqual([]);
    const child = parent.createChild({ name: "child", tags: ["own"] });
    const grandchild = child.createChild({ name: "gc" });
    expect(child.tags).toEqual(["remote", "own"]);
    expect(grandchild.tags).toEqual(["remote"]);
    expect(grandchild.project_name).toBe("rp");
    expect(grandchild.metadata).toEqual({ a: 1, b: 1 });
    await child.postRun();
    expect(sink.created.map((r) => r.name)).toEqual(["child"]);
    // Foreign members travel on with the trace, unchanged.
    expect(grandchild.toHeaders().baggage.endsWith(",vendor=v1")).toBe(true);
  });

  it("lets explicit inheritArgs win for metadata keys and unions tags", () => {
    const parent = RunTree.fromHeaders({ "langsmith-trace": TRACE, baggage }, { metadata: { b: 2 }, tags: ["local", "remote"] });
    expect(parent?.metadata).toEqual({ a: 1, b: 2 });
    expect(parent?.tags).toEqual(["remote", "local"]);
  });

  it("never throws on a hostile carrier", () => {
    const hostile = new Proxy({}, { get: () => { throw new Error("boom"); }, ownKeys: () => { throw new Error("boom"); } });
    expect(RunTree.fromHeaders(hostile)).toBeUndefined();
    expect(RunTree.fromHeaders({ get: () => { throw new Error("boom"); } })).toBeUndefined();
  });

  it("fromDottedOrder reads a bare dotted order", () => {
    expect(RunTree.fromDottedOrder(TRACE)?.id).toBe("0195a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b");
    expect(RunTree.fromDottedOrder("nope")).toBeUndefined();
  });

  it("isRunTree recognises run trees only", () => {
    expect(isRunTree(new RunTree({ name: "r" }))).toBe(true);
    expect(isRunTree({ name: "r" })).toBe(false);
    expect(isRunTree(null)).toBe(false);
  });
});
