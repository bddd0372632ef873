/**
 * RunTree ⇄ W3C Trace Context (SPEC §7): a `traceparent` placeholder joins the caller's trace
 * through two phantom segments, its tracestate and flags reach every run below it, and the
 * LangSmith ends (`fromHeaders`, `toHeaders`) are untouched by any of it.
 */
import { describe, expect, it } from "vitest";
import { parseDottedOrder } from "../../src/core/dotted-order.js";
import { parseTraceparent, spanIdOfUuid, traceIdOfUuid } from "../../src/propagation/traceparent.js";
import { RunTree } from "../../src/run-tree/run-tree.js";
import { fromHeadersWithTraceContext, runFromTraceContext, traceContextHeaders } from "../../src/run-tree/trace-context.js";
import { ObservableSink } from "../helpers/observable-sink.js";

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const TRACE_UUID = "4bf92f35-77b3-4da6-a3ce-929d0e0e4736";
const PARENT = "00f067aa0ba902b7";
const PLACEHOLDER = "00000000-0000-0000-00f0-67aa0ba902b7";
const traceparent = (flags = "01") => `00-${TRACE}-${PARENT}-${flags}`;

describe("runFromTraceContext", () => {
  it("makes a placeholder in the caller's trace: trace UUID, then the zero-padded parent span", () => {
    const parent = runFromTraceContext({ traceparent: traceparent() });
    expect(parent?.trace_id).toBe(TRACE_UUID);
    expect(parent?.id).toBe(PLACEHOLDER);
    expect(parent?.parent_run_id).toBe(TRACE_UUID);
    const segments = parseDottedOrder(parent?.dotted_order ?? "");
    expect(segments?.map((s) => s.id)).toEqual([TRACE_UUID, PLACEHOLDER]);
    // Stamped by this process's clock, the phantom root first.
    expect(segments![0]!.timeUs).toBeLessThan(segments![1]!.timeUs);
    expect(Math.abs(segments![1]!.timeUs / 1000 - Date.now())).toBeLessThan(60_000);
  });

  it("children join the trace, sort after the phantom segments, and the placeholder is never exported", async () => {
    const sink = new ObservableSink();
    const parent = runFromTraceContext({ traceparent: traceparent() }, { client: sink });
    const child = parent!.createChild({ name: "handler" });
    const grandchild = child.createChild({ name: "step" });
    for (const run of [parent!, child, grandchild]) {
      await run.postRun();
      run.end({});
      await run.patchRun();
    }
    expect(sink.created.map((r) => r.name)).toEqual(["handler", "step"]);
    const handler = sink.run("handler");
    expect(handler.trace_id).toBe(TRACE_UUID);
    expect(handler.parent_run_id).toBe(PLACEHOLDER);
    expect(handler.dotted_order.startsWith(`${parent!.dotted_order}.`)).toBe(true);
    expect(handler.dotted_order > parent!.dotted_order).toBe(true);
    expect(sink.run("step").parent_run_id).toBe(child.id);
  });

  it("an unsampled caller switches tracing off, a sampled one leaves it to the process, unless inheritArgs says otherwise", () => {
    // Sampled leaves the switch to the process (a header never turns tracing on); unsampled turns it off.
    expect(runFromTraceContext({ traceparent: traceparent("01") })?.tracingEnabled).toBeUndefined();
    expect(runFromTraceContext({ traceparent: traceparent("00") })?.tracingEnabled).toBe(false);
    expect(runFromTraceContext({ traceparent: traceparent("00") }, { tracingEnabled: true })?.tracingEnabled).toBe(true);
  });

  it("takes project, metadata and tags from inheritArgs and baggage, and passes foreign baggage on", () => {
    const parent = runFromTraceContext(
      { traceparent: traceparent(), baggage: "langsmith-project=shop,vendor=kept" },
      { metadata: { env: "test" }, tags: ["w3c"], name: "remote" },
    );
    expect(parent?.name).toBe("remote");
    expect(parent?.project_name).toBe("shop");
    const child = parent!.createChild({ name: "c" });
    expect(child.metadata).toEqual({ env: "test" });
    expect(child.tags).toEqual(["w3c"]);
    expect(child.toHeaders().baggage).toContain("vendor=kept");
  });

  it("is undefined for no, bad, or hostile input, and never throws", () => {
    const hostile = new Proxy({}, { get: () => { throw new Error("boom"); }, ownKeys: () => { throw new Error("boom"); } });
    for (const input of [undefined, null, {}, { traceparent: `ff-${TRACE}-${PARENT}-01` }, { traceparent: [traceparent(), traceparent()] }, hostile]) {
      expect(runFromTraceContext(input)).toBeUndefined();
    }
  });
});

describe("traceContextHeaders", () => {
  it("for a trace started here: our trace id, the run's span, sampled, no tracestate", () => {
    const root = new RunTree({ name: "root" });
    const child = root.createChild({ name: "child" });
    const headers = traceContextHeaders(child);
    expect(headers).toEqual({ traceparent: `00-${traceIdOfUuid(root.id)}-${spanIdOfUuid(child.id)}-01` });
    expect(parseTraceparent(headers?.traceparent)).toBeDefined();
    expect(traceContextHeaders(new RunTree({ name: "off", tracingEnabled: false }))?.traceparent.endsWith("-00")).toBe(true);
  });

  it("below a traceparent placeholder: the caller's flags and tracestate, unchanged, at any depth", () => {
    const parent = runFromTraceContext({ traceparent: traceparent("03"), tracestate: "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE" });
    let run = parent!;
    for (let i = 0; i < 5; i++) run = run.createChild({ name: `level-${i}` });
    expect(traceContextHeaders(run)).toEqual({
      traceparent: `00-${TRACE}-${spanIdOfUuid(run.id)}-03`,
      tracestate: "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE",
    });
    // The placeholder itself re-emits the caller's parent-id: a pass-through hop.
    expect(traceContextHeaders(parent!)?.traceparent).toBe(traceparent("03"));
  });

  it("sets the headers on a Headers object when given one", () => {
    const parent = runFromTraceContext({ traceparent: traceparent(), tracestate: "a=1" });
    const headers = new Headers();
    traceContextHeaders(parent!.createChild({ name: "c" }), headers);
    expect(headers.get("traceparent")).toMatch(new RegExp(`^00-${TRACE}-[0-9a-f]{16}-01$`));
    expect(headers.get("tracestate")).toBe("a=1");
  });

  it("is undefined for a run whose ids are not UUIDs", () => {
    expect(traceContextHeaders(new RunTree({ name: "x", id: "not-a-uuid" }))).toBeUndefined();
  });
});

describe("fromHeadersWithTraceContext", () => {
  const remote = new RunTree({ name: "caller" });

  it("prefers langsmith-trace, and keeps tracestate when traceparent names the same trace", () => {
    const same = `00-${traceIdOfUuid(remote.trace_id)}-${spanIdOfUuid(remote.id)}-01`;
    const parent = fromHeadersWithTraceContext({ ...remote.toHeaders(), traceparent: same, tracestate: "a=1" });
    expect(parent?.id).toBe(remote.id);
    expect(parent?.dotted_order).toBe(remote.dotted_order);
    expect(traceContextHeaders(parent!.createChild({ name: "c" }))?.tracestate).toBe("a=1");
    // Another trace's tracestate is not ours to forward.
    const other = fromHeadersWithTraceContext({ ...remote.toHeaders(), traceparent: traceparent(), tracestate: "a=1" });
    expect(other?.id).toBe(remote.id);
    expect(traceContextHeaders(other!)?.tracestate).toBeUndefined();
  });

  it("falls back to traceparent, else undefined", () => {
    expect(fromHeadersWithTraceContext({ traceparent: traceparent() })?.id).toBe(PLACEHOLDER);
    expect(fromHeadersWithTraceContext({})).toBeUndefined();
  });
});

describe("the LangSmith ends stay LangSmith-exact", () => {
  it("fromHeaders ignores traceparent; toHeaders writes none", () => {
    expect(RunTree.fromHeaders({ traceparent: traceparent() })).toBeUndefined();
    const parent = runFromTraceContext({ traceparent: traceparent(), tracestate: "a=1" });
    expect(Object.keys(parent!.createChild({ name: "c" }).toHeaders()).sort()).toEqual(["baggage", "langsmith-trace"]);
  });
});
