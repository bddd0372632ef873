/**
 * langsmith's public tracing API, run side by side: each scenario runs against tracewire and
 * against the real `langsmith` 0.12 package, each exporting to its own loopback capture server,
 * and what the two backends received (or the caller saw) must agree.
 */
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import * as ls from "langsmith";
import { afterEach, describe, expect, it, vi } from "vitest";
import * as tracewire from "../../src/index.js";
import { Client } from "../../src/export/client.js";
import { RunTree } from "../../src/run-tree/run-tree.js";
import { ROOT, traceable } from "../../src/traceable/traceable.js";
import type { CapturedRun } from "../helpers/capture-server.js";
import { type Impl, both, byName } from "./dual.js";

/** What a backend shows of a run: its payloads, without either SDK's own runtime block. */
function shown(run: CapturedRun): Record<string, unknown> {
  const extra = (run.extra ?? {}) as { metadata?: Record<string, unknown> };
  return { inputs: run.inputs ?? {}, outputs: run.outputs, error: run.error, metadata: extra.metadata ?? {} };
}

function on(impl: Impl, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { client: impl.client, tracingEnabled: true, ...extra };
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("generators", () => {
  it("hand their return value to the caller, sync and async", async () => {
    const [ours, theirs] = await both(async (impl) => {
      const sync = impl.traceable(function* () {
        yield 1;
        return "done";
      }, on(impl, { name: "sync" }));
      const iterator = (await sync()) as Generator<number, string>;
      const syncSteps = [iterator.next(), iterator.next()];
      const async = impl.traceable(async function* () {
        yield 1;
        return "done";
      }, on(impl, { name: "async" }));
      const asyncIterator = async() as AsyncGenerator<number, string>;
      const asyncSteps = [await asyncIterator.next(), await asyncIterator.next()];
      return { syncSteps, asyncSteps };
    });
    expect(ours.value).toEqual(theirs.value);
    expect(ours.value.syncSteps[1]).toEqual({ value: "done", done: true });
    expect(ours.value.asyncSteps[1]).toEqual({ value: "done", done: true });
    // langsmith records a sync generator's return value as its last chunk.
    expect(shown(byName(ours.runs, "sync")).outputs).toEqual(shown(byName(theirs.runs, "sync")).outputs);
  });

  it("are aggregated when they throw or the caller breaks out", async () => {
    const [ours, theirs] = await both(async (impl) => {
      const aggregator = (chunks: unknown[]) => ({ count: chunks.length });
      const throws = impl.traceable(async function* () {
        yield 1;
        throw new Error("boom");
      }, on(impl, { name: "throws", aggregator }));
      await expect((async () => {
        for await (const _ of throws());
      })()).rejects.toThrow("boom");
      const broken = impl.traceable(async function* () {
        yield 1;
        yield 2;
      }, on(impl, { name: "broken", aggregator }));
      for await (const _ of broken()) break;
    });
    for (const name of ["throws", "broken"]) {
      expect(shown(byName(ours.runs, name))).toEqual(shown(byName(theirs.runs, name)));
      expect(byName(ours.runs, name).outputs).toEqual({ count: 1 });
    }
  });
});

describe("traceable", () => {
  it("with tracing off, never passes ROOT itself to the function", async () => {
    const [ours, theirs] = await both(async (impl) => {
      const seen = impl.traceable((first: unknown, x: number) => [typeof first, x], { name: "off" });
      return seen(impl.ROOT, 5);
    });
    expect(ours.value).toEqual(theirs.value);
    expect(ours.value).toEqual(["object", 5]);
    const first: unknown = await traceable((run: unknown) => run, { tracingEnabled: false })(ROOT);
    // The object is a run tree that exports nothing, so the function can use it as one.
    expect(tracewire.isRunTree(first)).toBe(true);
    expect((first as RunTree).tracingEnabled).toBe(false);
  });

  it("records the run under the { id } it was given", async () => {
    const id = "0190b3a0-0000-7000-8000-000000000001";
    const [ours, theirs] = await both(async (impl) => impl.traceable(() => 1, on(impl, { name: "given", id }))());
    expect(byName(ours.runs, "given").id).toBe(id);
    expect(byName(theirs.runs, "given").id).toBe(id);
  });

  it("records late arguments (promise, async and sync generators, ReadableStream), a RegExp and a lone null as langsmith does", async () => {
    const [ours, theirs] = await both(async (impl) => {
      const sum = async (source: AsyncIterable<number> | Iterable<number>) => {
        let total = 0;
        for await (const x of source) total += x;
        return total;
      };
      await impl.traceable(async (p: Promise<number>) => (await p) + 1, on(impl, { name: "promise" }))(Promise.resolve(41));
      await impl.traceable(async (p: Promise<{ a: number }>) => (await p).a, on(impl, { name: "objectPromise" }))(Promise.resolve({ a: 1 }));
      await impl.traceable(sum, on(impl, { name: "asyncGen" }))((async function* () {
        yield 1;
        yield 2;
      })());
      await impl.traceable((g: Iterable<number>) => [...g].length, on(impl, { name: "syncGen" }))((function* () {
        yield 3;
        yield 4;
      })());
      await impl.traceable(sum, on(impl, { name: "stream" }))(
        new ReadableStream<number>({
          start(c) {
            c.enqueue(5);
            c.enqueue(6);
            c.close();
          },
        }) as unknown as AsyncIterable<number>,
      );
      await impl.traceable((_r: RegExp) => 1, on(impl, { name: "regexp" }))(/ab+c/gi);
      await impl.traceable((_n: null) => 1, on(impl, { name: "null" }))(null);
      await impl.traceable((_n: null, _x: number) => 1, on(impl, { name: "nullFirst" }))(null, 2);
      await impl.traceable((_n: undefined, _x: number) => 1, on(impl, { name: "undefinedFirst" }))(undefined, 2);
    });
    for (const name of ["promise", "objectPromise", "asyncGen", "syncGen", "stream", "regexp", "null", "nullFirst", "undefinedFirst"]) {
      expect(byName(ours.runs, name).inputs, name).toEqual(byName(theirs.runs, name).inputs);
    }
    expect(byName(ours.runs, "stream").inputs).toEqual({ input: [5, 6] });
    expect(byName(ours.runs, "null").inputs).toEqual({ inputs: null });
  });

  it("copies usage_metadata from an LLM run's outputs to extra.metadata", async () => {
    const usage = { input_tokens: 1, output_tokens: 2, total_tokens: 3 };
    const [ours, theirs] = await both(async (impl) =>
      impl.traceable(() => ({ text: "hi", usage_metadata: usage }), on(impl, { name: "llm", run_type: "llm" }))(),
    );
    expect(shown(byName(ours.runs, "llm"))).toEqual(shown(byName(theirs.runs, "llm")));
    expect(shown(byName(ours.runs, "llm")).metadata).toEqual({ usage_metadata: usage });
  });
});

describe("RunTree", () => {
  it("JSON.stringify includes child_runs; client defaults to the shared client", async () => {
    const [ours, theirs] = await both(async (impl) => {
      const root = new impl.RunTree({ name: "root", tracingEnabled: false });
      root.createChild({ name: "child" }).createChild({ name: "grandchild" });
      const json = JSON.parse(JSON.stringify(root)) as { child_runs: { name: string; child_runs: { name: string }[] }[] };
      const shared = impl.label === "tracewire" ? RunTree.getSharedClient() : ls.RunTree.getSharedClient();
      return {
        children: json.child_runs.map((c) => [c.name, c.child_runs.map((g) => g.name)]),
        sharedClient: root.client === shared,
      };
    });
    expect(ours.value).toEqual(theirs.value);
    expect(ours.value).toEqual({ children: [["child", ["grandchild"]]], sharedClient: true });
  });

  /** Posts a run, waits until it arrived, then patches it with changed inputs. */
  async function patchAfterPost(impl: Impl, options?: { excludeInputs?: boolean }): Promise<void> {
    const run = new impl.RunTree({ name: "patched", client: impl.client, tracingEnabled: true, inputs: { v: 1 } });
    await run.postRun();
    await impl.client.awaitPendingTraceBatches();
    run.inputs = { v: 2 };
    run.end({ ok: true });
    await run.patchRun(options);
  }

  function patchPart(runs: { parts: { name: string; json: unknown }[] }, suffix = ""): unknown {
    return runs.parts.find((p) => p.name.startsWith("patch.") && p.name.split(".").length === (suffix ? 3 : 2) && p.name.endsWith(suffix))?.json;
  }

  it("patchRun({ excludeInputs: false }) sends the inputs, and the patch carries run_type and start_time", async () => {
    const [ours, theirs] = await both((impl) => patchAfterPost(impl, { excludeInputs: false }));
    for (const side of [ours, theirs]) {
      expect(byName(side.runs, "patched").inputs, side.server.url).toEqual({ v: 2 });
      expect(patchPart(side.server, ".inputs")).toEqual({ v: 2 });
      expect(patchPart(side.server)).toMatchObject({ run_type: "chain", start_time: expect.any(String) });
    }
  });

  it("LANGSMITH_EXCLUDE_INPUTS_ON_PATCH=false makes patchRun() send the inputs; by default it does not", async () => {
    const [keep, keepLs] = await both((impl) => patchAfterPost(impl));
    expect(patchPart(keep.server, ".inputs")).toBeUndefined();
    expect(patchPart(keepLs.server, ".inputs")).toBeUndefined();
    vi.stubEnv("LANGSMITH_EXCLUDE_INPUTS_ON_PATCH", "false");
    const [ours, theirs] = await both((impl) => patchAfterPost(impl));
    expect(patchPart(ours.server, ".inputs")).toEqual({ v: 2 });
    expect(patchPart(theirs.server, ".inputs")).toEqual({ v: 2 });
  });
});

describe("Client", () => {
  function aRun(name: string): Record<string, unknown> {
    const run = new RunTree({ name, tracingEnabled: false, inputs: { secret: "s", q: 1 }, metadata: { user: "ada" } });
    run.end({ a: 1 });
    const { session_name: _, ...body } = run.toJSON();
    return { ...body, child_runs: undefined };
  }

  it("createRun({ project_name }) sends it as the session_name", async () => {
    const [ours, theirs] = await both(async (impl) => {
      await impl.client.createRun({ ...aRun("projected"), project_name: "my-project" });
    });
    expect(byName(ours.runs, "projected").session_name).toBe("my-project");
    expect(byName(theirs.runs, "projected").session_name).toBe("my-project");
  });

  it("hideMetadata and an async hideInputs redact what is sent", async () => {
    const [ours, theirs] = await both(async (impl) => {
      const client = impl.makeClient({
        hideMetadata: (m: Record<string, unknown>) => ({ ...m, user: "[hidden]" }),
        hideInputs: async (inputs: Record<string, unknown>) => ({ ...inputs, secret: "[hidden]" }),
      });
      await client.createRun({ ...aRun("hidden"), session_name: "p" });
      await client.awaitPendingTraceBatches();
    });
    const mine = byName(ours.runs, "hidden");
    expect(mine.inputs).toEqual({ secret: "[hidden]", q: 1 });
    expect((mine.extra as { metadata: unknown }).metadata).toEqual({ user: "[hidden]" });
    expect(shown(mine)).toEqual(shown(byName(theirs.runs, "hidden")));
  });

  it("exports LS_MESSAGE_VIEW_EXCLUDE", () => {
    expect(tracewire.LS_MESSAGE_VIEW_EXCLUDE).toBe(ls.LS_MESSAGE_VIEW_EXCLUDE);
  });

  it("awaitPendingTraceBatches() with the backend unreachable settles by the retry deadline, the runs counted", async () => {
    // langsmith 0.12 blocks here for its retries too (~87 s measured, then drops the batch
    // uncounted); tracewire is bounded by retryDeadlineMs (60 s by default), scaled down here.
    const closed = createServer();
    closed.listen(0, "127.0.0.1");
    await once(closed, "listening");
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const client = new Client({ apiUrl: `http://127.0.0.1:${port}`, retryDeadlineMs: 300, retryBaseDelayMs: 10, warnings: false });
    await traceable(async () => 1, { client, tracingEnabled: true })();
    await client.awaitPendingTraceBatches();
    expect(client.stats().dropped.retries_exhausted).toBe(1);
  });
});
