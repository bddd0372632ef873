/**
 * What LangChain JS reads from the RunTrees `langsmith` gives it, checked against the real
 * langsmith package where both can run: execution counters, `convertToDottedOrderFormat`, copies
 * (`new RunTree(run)`), `isRunnableConfigLike` / `fromRunnableConfig`, and the shared
 * AsyncLocalStorage. test/compat/langchain.test.ts runs LangChain itself.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import * as langsmithRunTrees from "langsmith/run_trees";
import { describe, expect, it } from "vitest";
import { parseDottedOrder } from "../../src/core/dotted-order.js";
import { contextStorage, getCurrentRunTree } from "../../src/context/store.js";
import { RunTree } from "../../src/run-tree/run-tree.js";
import { convertToDottedOrderFormat, isRunnableConfigLike } from "../../src/run-tree/langchain.js";
import { traceable } from "../../src/traceable/traceable.js";
import { ObservableSink } from "../helpers/observable-sink.js";

const noClient = { createRun: () => undefined, updateRun: () => undefined };

/** A tree's counters: root, two children, a grandchild under the first, then a third child. */
function counters<T extends { createChild(c: { name: string }): T; execution_order: number; child_execution_order: number }>(
  root: T,
): number[][] {
  const a = root.createChild({ name: "a" });
  const b = root.createChild({ name: "b" });
  const a1 = a.createChild({ name: "a1" });
  const c = root.createChild({ name: "c" });
  return [root, a, b, a1, c].map((r) => [r.execution_order, r.child_execution_order]);
}

describe("execution_order / child_execution_order", () => {
  it("are numbers, counted as langsmith counts them", () => {
    const ours = counters(new RunTree({ name: "root", client: noClient }));
    const theirs = counters(new langsmithRunTrees.RunTree({ name: "root", client: noClient as never }));
    expect(ours).toEqual(theirs);
    expect(ours.flat().every(Number.isInteger)).toBe(true);
  });

  it("survive the spread LangChain's tracer copies runs with", () => {
    const run = new RunTree({ name: "root", client: noClient }).createChild({ name: "child" });
    const copy = new RunTree({ ...run, tracingEnabled: true });
    expect([copy.execution_order, copy.child_execution_order]).toEqual([2, 2]);
    // What LangChain computes for a child of it: a well-formed segment, never NaN.
    const { dottedOrder } = convertToDottedOrderFormat(Date.now(), "01a237df-7a2b-7344-82d4-fcfdadbbab78", copy.child_execution_order + 1);
    expect(parseDottedOrder(`${copy.dotted_order}.${dottedOrder}`)).toHaveLength(3);
  });
});

describe("convertToDottedOrderFormat", () => {
  const id = "01a237df-7a2b-7344-82d4-fcfdadbbab78";

  it("prints what langsmith prints for the orders LangChain makes", () => {
    for (const order of [1, 2, 37, 999]) {
      expect(convertToDottedOrderFormat(1_764_000_000_123, id, order)).toEqual(
        langsmithRunTrees.convertToDottedOrderFormat(1_764_000_000_123, id, order),
      );
    }
  });

  it("is a well-formed segment whatever the order: NaN, undefined, negative, over 999, huge", () => {
    for (const order of [Number.NaN, undefined, -5, 1000, 123_456, 1e21, Number.POSITIVE_INFINITY]) {
      const { dottedOrder, microsecondPrecisionDatestring } = convertToDottedOrderFormat(1_764_000_000_123, id, order);
      expect(parseDottedOrder(dottedOrder), `${order}: ${dottedOrder}`).toEqual([{ timeUs: expect.any(Number) as number, id }]);
      expect(microsecondPrecisionDatestring).toMatch(/^2025-11-24T\d\d:\d\d:\d\d\.123\d{3}Z$/);
      expect(RunTree.fromHeaders({ "langsmith-trace": dottedOrder })?.id).toBe(id);
    }
    // Past 999 it stays last in its millisecond (langsmith keeps "100" of 1000, which sorts first).
    expect(convertToDottedOrderFormat(0, id, 1000).microsecondPrecisionDatestring).toBe("1970-01-01T00:00:00.000999Z");
  });
});

describe("new RunTree(run) is a copy", () => {
  it("keeps the id, dotted order, tags and LangChain's context variables", () => {
    const vars = Symbol.for("lc:context_variables");
    const run = new RunTree({ name: "r", client: noClient }).createChild({ name: "c", tags: ["t"] });
    (run as unknown as Record<symbol, unknown>)[vars] = { foo: "bar" };
    const copy = new RunTree(run);
    expect([copy.id, copy.dotted_order, copy.trace_id, copy.parent_run_id, copy.tags]).toEqual([
      run.id,
      run.dotted_order,
      run.trace_id,
      run.parent_run_id,
      ["t"],
    ]);
    expect((copy as unknown as Record<symbol, unknown>)[vars]).toEqual({ foo: "bar" });
    expect((copy.createChild({ name: "g" }) as unknown as Record<symbol, unknown>)[vars]).toEqual({ foo: "bar" });
  });

  it("of a parent from headers is still a placeholder: never exported", async () => {
    const sink = new ObservableSink();
    const remote = RunTree.fromHeaders({ "langsmith-trace": new RunTree({ name: "x", client: noClient }).dotted_order }, { client: sink });
    await new RunTree(remote as RunTree).postRun();
    expect(sink.created).toEqual([]);
  });
});

describe("LangChain's RunnableConfig", () => {
  const tracer = (runs: Record<string, unknown>, client: unknown) => ({
    name: "langchain_tracer",
    projectName: "lc-project",
    client,
    getRun: (id: string) => runs[id],
  });

  it("isRunnableConfigLike answers as langsmith's does", () => {
    const samples: unknown[] = [
      undefined,
      null,
      {},
      { callbacks: [] },
      { callbacks: [{ name: "other" }] },
      { callbacks: [{ name: "langchain_tracer" }] },
      { callbacks: { handlers: [{ name: "langchain_tracer" }] } },
      { callbacks: { handlers: "no" } },
      "string",
    ];
    for (const sample of samples) expect(isRunnableConfigLike(sample)).toBe(langsmithRunTrees.isRunnableConfigLike(sample));
  });

  it("fromRunnableConfig: a child of the runnable's run, in the tracer's project, with its client", () => {
    const sink = new ObservableSink();
    const lcRun = new RunTree({ name: "RunnableLambda", client: noClient, metadata: { a: 1 } });
    const config = { callbacks: { handlers: [tracer({ [lcRun.id]: lcRun }, sink)], getParentRunId: () => lcRun.id }, metadata: { b: 2 } };
    const child = RunTree.fromRunnableConfig(config, { name: "wrapped" });
    expect(child.parent_run_id).toBe(lcRun.id);
    expect(child.trace_id).toBe(lcRun.trace_id);
    expect(child.dotted_order.startsWith(`${lcRun.dotted_order}.`)).toBe(true);
    expect(child.project_name).toBe("lc-project");
    expect(child.client).toBe(sink);
    expect(child.metadata).toMatchObject({ a: 1, b: 2 });
  });

  it("traceable given a RunnableConfig first calls fn with the rest, its run under the runnable's", async () => {
    const sink = new ObservableSink();
    const lcRun = new RunTree({ name: "RunnableSequence", client: sink });
    const config = { callbacks: { handlers: [tracer({ [lcRun.id]: lcRun }, sink)], getParentRunId: () => lcRun.id } };
    const seen: unknown[][] = [];
    const fn = traceable(async (...args: unknown[]) => {
      seen.push(args);
      return getCurrentRunTree().parent_run_id;
    }, { name: "wrapped", tracingEnabled: undefined });
    expect(await (fn as (...args: unknown[]) => Promise<unknown>)(config, { q: 1 })).toBe(lcRun.id);
    expect(seen).toEqual([[{ q: 1 }]]);
  });
});

describe("one AsyncLocalStorage with langsmith and LangChain", () => {
  it("is the one under langsmith's global key, where @langchain/core looks for it", () => {
    const shared = (globalThis as Record<symbol, unknown>)[Symbol.for("ls:tracing_async_local_storage")];
    expect(shared).toBeInstanceOf(AsyncLocalStorage);
    expect(shared).toBe(contextStorage);
  });

  it("a run LangChain stores there is the current run; a bare frame of its context variables is none", () => {
    const run = new RunTree({ name: "lc", client: noClient });
    expect(contextStorage.run(run, () => getCurrentRunTree(true))).toBe(run);
    const bare = { [Symbol.for("lc:context_variables")]: { x: 1 } };
    expect(contextStorage.run(bare, () => getCurrentRunTree(true))).toBeUndefined();
  });
});

describe("langsmith/singletons/traceable's AsyncLocalStorageProviderSingleton", () => {
  it("hands out the shared storage and keeps it when asked to initialize another", async () => {
    const { AsyncLocalStorageProviderSingleton } = await import("../../src/entries/singletons/traceable.js");
    AsyncLocalStorageProviderSingleton.initializeGlobalInstance(new AsyncLocalStorage());
    expect(AsyncLocalStorageProviderSingleton.getInstance()).toBe(contextStorage);
  });
});
