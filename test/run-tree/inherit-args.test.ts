/**
 * `fromHeaders` builds its placeholder's config field by field (no spread of inheritArgs, for
 * speed), so every field a caller may pass must still reach the run, as the spread carried it.
 */
import { describe, expect, it } from "vitest";
import { LC_CONTEXT_VARIABLES } from "../../src/run-tree/langchain.js";
import { RunTree, type RunTreeInheritArgs } from "../../src/run-tree/run-tree.js";
import { ObservableSink } from "../helpers/observable-sink.js";

const TRACE = "20260314T150926535897Z0195a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
const BAGGAGE = "langsmith-metadata=%7B%22a%22%3A1%7D,langsmith-tags=remote";

describe("RunTree.fromHeaders inheritArgs", () => {
  it("applies every config field a caller passes", () => {
    const sink = new ObservableSink();
    const onEnd = (): void => {};
    const replicas = [{ projectName: "replica" }];
    const args: RunTreeInheritArgs = {
      name: "server",
      run_type: "llm",
      project_name: "local-project",
      inputs: { q: 1 },
      outputs: { a: 1 },
      error: "bad",
      extra: { x: 1, metadata: { fromExtra: true } },
      metadata: { b: 2 },
      tags: ["local"],
      events: [{ name: "e" }],
      serialized: { s: 1 },
      reference_example_id: "example",
      client: sink,
      tracingEnabled: true,
      on_end: onEnd,
      execution_order: 3,
      child_execution_order: 4,
      replicas,
      end_time: Date.UTC(2026, 2, 14, 15, 10),
    };
    const run = RunTree.fromHeaders({ "langsmith-trace": TRACE, baggage: BAGGAGE }, args)!;
    expect(run).toMatchObject({
      id: "0195a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
      name: "server",
      run_type: "llm",
      // No project in the baggage: the caller's applies.
      project_name: "local-project",
      inputs: { q: 1 },
      outputs: { a: 1 },
      error: "bad",
      events: [{ name: "e" }],
      serialized: { s: 1 },
      reference_example_id: "example",
      tracingEnabled: true,
      on_end: onEnd,
      execution_order: 3,
      child_execution_order: 4,
      end_time: "2026-03-14T15:10:00.000000Z",
    });
    expect(run.replicas).toBe(replicas);
    expect(run.client).toBe(sink);
    expect(run.extra).toEqual({ x: 1, metadata: { a: 1, b: 2, fromExtra: true } });
    expect(run.tags).toEqual(["remote", "local"]);
  });

  it("keeps LangChain's context variables and a parent_run passed at run time", () => {
    const outer = new RunTree({ name: "outer", tracingEnabled: false });
    const variables = { k: "v" };
    const args = { [LC_CONTEXT_VARIABLES]: variables, parent_run: outer } as unknown as RunTreeInheritArgs;
    const run = RunTree.fromHeaders({ "langsmith-trace": TRACE }, args)!;
    expect((run as unknown as Record<symbol, unknown>)[LC_CONTEXT_VARIABLES]).toBe(variables);
    expect(run.parent_run).toBe(outer);
  });

  it("does not let inheritArgs move the remote parent's ids", () => {
    const args = { id: "x", trace_id: "y", dotted_order: "z" } as unknown as RunTreeInheritArgs;
    const run = RunTree.fromHeaders({ "langsmith-trace": TRACE }, args)!;
    expect([run.id, run.trace_id, run.dotted_order]).toEqual(["0195a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", "0195a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", TRACE]);
  });
});
