import { describe, expect, it, vi } from "vitest";
import { RunTreeMissingError } from "../../src/core/errors.js";
import { RunTree } from "../../src/run-tree/run-tree.js";
import {
  ROOT,
  getCurrentRunTree,
  isTraceableFunction,
  traceable,
  tracingContext,
  withRunTree,
} from "../../src/entries/traceable.js";
import { ObservableSink } from "../helpers/observable-sink.js";

const on = (sink: ObservableSink) => ({ client: sink, tracingEnabled: true });
const REMOTE = "20260314T150926535897Z0195a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
const REMOTE_ID = "0195a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
const remoteHeaders = { "langsmith-trace": REMOTE, baggage: "langsmith-metadata=%7B%22tenant%22%3A%22t1%22%7D,langsmith-tags=edge,langsmith-project=remote-proj" };

describe("inputs and outputs, recorded the LangSmith way", () => {
  it.each([
    [[], {}],
    [[{ q: 1 }], { q: 1 }],
    [["text"], { input: "text" }],
    [[[1, 2]], { input: [1, 2] }],
    [[1, "two"], { args: [1, "two"] }],
  ])("inputs of %j are %j", async (args, inputs) => {
    const sink = new ObservableSink();
    const f = traceable((..._a: unknown[]) => "ok", { name: "f", ...on(sink) });
    await f(...args);
    await sink.untilEnded(1);
    expect(sink.run("f").inputs).toEqual(inputs);
  });

  it.each([
    [{ a: 1 }, { a: 1 }],
    ["s", { outputs: "s" }],
    [[1], { outputs: [1] }],
    [undefined, { outputs: undefined }],
  ])("outputs of %j are %j", async (value, outputs) => {
    const sink = new ObservableSink();
    await traceable(() => value, { name: "f", ...on(sink) })();
    await sink.untilEnded(1);
    expect(sink.updated[0]?.outputs).toEqual(outputs);
  });

  it("applies processInputs / processOutputs, and a throwing hook drops the payload, not the run", async () => {
    const sink = new ObservableSink();
    const f = traceable((o: { secret: string; keep: number }) => ({ secret: "s", keep: o.keep }), {
      name: "f",
      ...on(sink),
      processInputs: ({ secret: _s, ...rest }) => rest,
      processOutputs: () => {
        throw new Error("nope");
      },
    });
    await expect(f({ secret: "x", keep: 1 })).resolves.toEqual({ secret: "s", keep: 1 });
    await sink.untilEnded(1);
    expect(sink.run("f").inputs).toEqual({ keep: 1 });
    expect(sink.run("f").outputs).toEqual({ ls_error: "Processing failed; outputs dropped" });
  });
});

describe("return kinds", () => {
  it("sync functions return a promise of their value and keep `this`", async () => {
    const sink = new ObservableSink();
    const obj = {
      factor: 3,
      times: traceable(function (this: { factor: number }, x: number) {
        return x * this.factor;
      }, { name: "times", ...on(sink) }),
    };
    const result = obj.times(2);
    expect(result).toBeInstanceOf(Promise);
    await expect(result).resolves.toBe(6);
  });

  it("records a thrown error and rethrows it unchanged (sync and async)", async () => {
    const sink = new ObservableSink();
    const boom = new TypeError("boom");
    const syncF = traceable(() => {
      throw boom;
    }, { name: "sync", ...on(sink) });
    const asyncF = traceable(async () => {
      throw boom;
    }, { name: "async", ...on(sink) });
    await expect(syncF()).rejects.toBe(boom);
    await expect(asyncF()).rejects.toBe(boom);
    await sink.untilEnded(2);
    expect(sink.run("sync").error).toBe("TypeError: boom");
    expect(sink.run("async").error).toBe("TypeError: boom");
    expect(sink.run("async").end_time).toBeDefined();
  });

  it("async generators: chunks recorded, context held across each next(), aggregator applied", async () => {
    const sink = new ObservableSink();
    const seen: string[] = [];
    const gen = traceable(async function* (n: number) {
      for (let i = 0; i < n; i++) {
        await new Promise((r) => setImmediate(r));
        seen.push(getCurrentRunTree().name);
        yield i;
      }
    }, { name: "gen", ...on(sink), aggregator: (chunks) => ({ sum: (chunks as number[]).reduce((a, b) => a + b, 0) }) });
    const out: number[] = [];
    for await (const x of gen(3)) out.push(x);
    await sink.untilEnded(1);
    expect(out).toEqual([0, 1, 2]);
    expect(seen).toEqual(["gen", "gen", "gen"]);
    expect(sink.run("gen").outputs).toEqual({ sum: 3 });
  });

  it("an early break is recorded as cancelled, with the chunks so far", async () => {
    const sink = new ObservableSink();
    let cleaned = false;
    const gen = traceable(async function* () {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        cleaned = true;
      }
    }, { name: "gen", ...on(sink) });
    for await (const x of gen()) if (x === 2) break;
    await sink.untilEnded(1);
    expect(cleaned).toBe(true);
    expect(sink.run("gen").error).toBe("Cancelled");
    expect(sink.run("gen").outputs).toEqual({ outputs: [0, 1, 2] });
  });

  it("sync generators are traced lazily, children nest under them", async () => {
    const sink = new ObservableSink();
    const child = traceable((x: number) => x, { name: "child" });
    let started = false;
    const gen = traceable(function* () {
      started = true;
      yield 1;
      void child(2);
      yield 2;
    }, { name: "sgen", ...on(sink) });
    const it = await gen();
    expect(started).toBe(false);
    expect([...it]).toEqual([1, 2]);
    await sink.untilEnded(2);
    expect(sink.run("sgen").outputs).toEqual({ outputs: [1, 2] });
    expect(sink.run("child").parent_run_id).toBe(sink.run("sgen").id);
  });

  it("async iterables that are not generators keep their identity", async () => {
    const sink = new ObservableSink();
    const iterable = {
      extra: "kept",
      async *[Symbol.asyncIterator]() {
        yield "a";
        yield "b";
      },
    };
    const f = traceable(async () => iterable, { name: "iter", ...on(sink) });
    const result = await f();
    expect(result.extra).toBe("kept");
    const out: string[] = [];
    for await (const x of result) out.push(x);
    await sink.untilEnded(1);
    expect(out).toEqual(["a", "b"]);
    expect(sink.run("iter").outputs).toEqual({ outputs: ["a", "b"] });
  });

  it("ReadableStream results: chunks recorded; cancel recorded as cancelled", async () => {
    const sink = new ObservableSink();
    const make = (name: string) =>
      traceable(
        () =>
          new ReadableStream<string>({
            start(c) {
              c.enqueue("x");
              c.enqueue("y");
              c.close();
            },
          }),
        { name, ...on(sink) },
      );
    const full = await make("full")();
    const chunks: string[] = [];
    for await (const c of full as unknown as AsyncIterable<string>) chunks.push(c);
    expect(chunks).toEqual(["x", "y"]);
    const partial = await make("partial")();
    const reader = partial.getReader();
    await reader.read();
    await reader.cancel("done");
    await sink.untilEnded(2);
    expect(sink.run("full").outputs).toEqual({ outputs: ["x", "y"] });
    expect(sink.run("partial").error).toBe("Cancelled");
    expect(sink.run("partial").outputs).toEqual({ outputs: ["x"] });
  });

  it("LLM streams add a new_token event per chunk", async () => {
    const sink = new ObservableSink();
    const gen = traceable(async function* () {
      yield "hel";
      yield "lo";
    }, { name: "llm", run_type: "llm", ...on(sink) });
    for await (const _ of gen());
    await sink.untilEnded(1);
    expect(sink.updated[0]?.events.map((e) => (e.kwargs as { token: string }).token)).toEqual(["hel", "lo"]);
  });
});

describe("context", () => {
  it("getCurrentRunTree throws a clear error outside a run, or returns undefined when permitted", () => {
    expect(() => getCurrentRunTree()).toThrow(RunTreeMissingError);
    expect(getCurrentRunTree(true)).toBeUndefined();
  });

  it("getCurrentRunTree inside a run is that run; nested calls are its children", async () => {
    const sink = new ObservableSink();
    const inner = traceable(() => getCurrentRunTree().id, { name: "inner" });
    const outer = traceable(async () => {
      const me = getCurrentRunTree();
      const innerId = await inner();
      return { me: me.id, innerId };
    }, { name: "outer", ...on(sink) });
    const { me, innerId } = await outer();
    await sink.untilEnded(2);
    expect(sink.run("outer").id).toBe(me);
    expect(sink.run("inner")).toMatchObject({ id: innerId, parent_run_id: me, trace_id: me });
  });

  it("with tracing off nothing is sent and getCurrentRunTree(true) is undefined, never a stand-in", async () => {
    const sink = new ObservableSink();
    const f = traceable(() => getCurrentRunTree(true), { name: "off", client: sink, tracingEnabled: false });
    await expect(f()).resolves.toBeUndefined();
    expect(sink.created).toEqual([]);
  });

  it("tracingEnabled: false inside a traced run switches its whole subtree off", async () => {
    const sink = new ObservableSink();
    const leaf = traceable(() => 1, { name: "leaf" });
    const quiet = traceable(() => leaf(), { name: "quiet", tracingEnabled: false });
    const root = traceable(() => quiet(), { name: "root", ...on(sink) });
    await root();
    await sink.untilEnded(1);
    expect(sink.created.map((r) => r.name)).toEqual(["root"]);
  });

  it("a RunTree first argument is the parent and the function receives the child", async () => {
    const sink = new ObservableSink();
    const parent = new RunTree({ name: "manual", client: sink, tracingEnabled: true });
    const f = traceable((run: RunTree, x: number) => `${run.name}:${x}`, { name: "f" });
    await expect(f(parent, 1)).resolves.toBe("f:1");
    await sink.untilEnded(1);
    expect(sink.run("f")).toMatchObject({ parent_run_id: parent.id, inputs: { input: 1 } });
  });

  it("with tracing off, a RunTree first argument still reaches the function first", async () => {
    const parent = new RunTree({ name: "manual", tracingEnabled: false });
    const f = traceable((run: RunTree, x: number) => `${run.name}:${x}`, { name: "f", tracingEnabled: false });
    await expect(f(parent, 2)).resolves.toBe("manual:2");
  });

  it("ROOT starts a new trace even inside a run", async () => {
    const sink = new ObservableSink();
    const detached = traceable((_r: RunTree) => getCurrentRunTree().trace_id, { name: "detached", ...on(sink) });
    const outer = traceable(async () => detached(ROOT), { name: "outer", ...on(sink) });
    const traceId = await outer();
    await sink.untilEnded(2);
    expect(traceId).toBe(sink.run("detached").id);
    expect(sink.run("detached").parent_run_id).toBeUndefined();
  });

  it("withRunTree makes a run the parent of traceable calls inside", async () => {
    const sink = new ObservableSink();
    // A header never switches tracing on (tracing is off in tests): the application opts in.
    const parent = RunTree.fromHeaders(remoteHeaders, { client: sink, tracingEnabled: true })!;
    const f = traceable(() => getCurrentRunTree().parent_run_id, { name: "f" });
    await expect(withRunTree(parent, () => f())).resolves.toBe(REMOTE_ID);
    await sink.untilEnded(1);
    expect(sink.run("f")).toMatchObject({ trace_id: REMOTE_ID, session_name: "remote-proj", tags: ["edge"] });
    expect(sink.run("f").extra.metadata).toEqual({ tenant: "t1" });
  });

  it("tracingContext({ parent: headers }) continues the remote trace, tags on the whole subtree", async () => {
    const sink = new ObservableSink();
    const leaf = traceable(() => "leaf", { name: "leaf" });
    const handler = traceable(async () => leaf(), { name: "handler" });
    await tracingContext({ parent: new Headers(remoteHeaders), enabled: true, client: sink, tags: ["scope"], metadata: { m: 1 } }, () =>
      handler(),
    );
    await sink.untilEnded(2);
    expect(sink.run("handler")).toMatchObject({ parent_run_id: REMOTE_ID, trace_id: REMOTE_ID });
    expect(sink.run("leaf").parent_run_id).toBe(sink.run("handler").id);
    expect(sink.run("leaf").tags).toEqual(expect.arrayContaining(["edge", "scope"]));
    expect(sink.run("leaf").extra.metadata).toMatchObject({ tenant: "t1", m: 1 });
    expect(sink.run("leaf").dotted_order.startsWith(`${REMOTE}.`)).toBe(true);
  });

  it("tracingContext({ parent: dotted order | false }) and { enabled: false }", async () => {
    const sink = new ObservableSink();
    const f = traceable(() => getCurrentRunTree(true)?.parent_run_id, { name: "f" });
    await expect(tracingContext({ parent: REMOTE, enabled: true, client: sink }, () => f())).resolves.toBe(REMOTE_ID);
    const outer = traceable(() => tracingContext({ parent: false, enabled: true, client: sink }, () => f()), { name: "outer", ...on(sink) });
    await expect(outer()).resolves.toBeUndefined();
    await expect(tracingContext({ parent: REMOTE, enabled: false, client: sink }, () => f())).resolves.toBeUndefined();
    await sink.untilEnded(3);
    expect(sink.created.filter((r) => r.name === "f")).toHaveLength(2);
  });

  it("traceable(fn, { parent: headers }) continues the remote trace (Python's langsmith_extra parent)", async () => {
    const sink = new ObservableSink();
    const f = traceable(() => "ok", { name: "f", client: sink, tracingEnabled: true, parent: remoteHeaders });
    await f();
    await sink.untilEnded(1);
    expect(sink.run("f")).toMatchObject({ parent_run_id: REMOTE_ID, trace_id: REMOTE_ID, session_name: "remote-proj" });
  });

  it("bad parent headers start a new root instead of failing the call", async () => {
    const sink = new ObservableSink();
    const f = traceable(() => "ok", { name: "f", ...on(sink), parent: { "langsmith-trace": "garbage" } });
    await expect(f()).resolves.toBe("ok");
    await sink.untilEnded(1);
    expect(sink.run("f").parent_run_id).toBeUndefined();
  });
});

describe("the wrapper", () => {
  it("is recognised by isTraceableFunction and keeps fn's properties", () => {
    const fn = Object.assign((x: number) => x, { version: 2 });
    const f = traceable(fn, { name: "f" });
    expect(isTraceableFunction(f)).toBe(true);
    expect(isTraceableFunction(fn)).toBe(false);
    expect(f.version).toBe(2);
  });

  it("on_start and on_end see the run; getInvocationParams feeds metadata", async () => {
    const sink = new ObservableSink();
    const onStart = vi.fn();
    const onEnd = vi.fn();
    const f = traceable((o: { model: string }) => o.model, {
      name: "f",
      ...on(sink),
      on_start: onStart,
      on_end: onEnd,
      getInvocationParams: (o) => ({ ls_model_name: o.model }),
    });
    await f({ model: "m1" });
    await sink.untilEnded(1);
    expect(onStart.mock.calls[0]?.[0]).toBeInstanceOf(RunTree);
    expect(onEnd.mock.calls[0]?.[0].outputs).toEqual({ outputs: "m1" });
    expect(sink.run("f").extra.metadata).toMatchObject({ ls_model_name: "m1" });
  });

  it("a sink that throws never breaks the traced call", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const f = traceable(() => 7, {
      name: "f",
      tracingEnabled: true,
      client: {
        createRun: () => Promise.reject(new Error("down")),
        updateRun: () => Promise.reject(new Error("down")),
      },
    });
    await expect(f()).resolves.toBe(7);
    warn.mockRestore();
  });
});
