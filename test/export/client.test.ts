import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Client } from "../../src/export/client.js";
import { RunTree } from "../../src/run-tree/run-tree.js";
import { traceable } from "../../src/entries/traceable.js";
import { type CaptureServer, startCaptureServer } from "../helpers/capture-server.js";

let server: CaptureServer;
beforeEach(async () => {
  server = await startCaptureServer();
});
afterEach(async () => {
  await server.close();
});

describe("Client → loopback ingest", () => {
  it("sends multipart parts with LangSmith's names, create and update merged", async () => {
    const client = new Client({ apiUrl: server.url, apiKey: "k-123", workspaceId: "ws-1" });
    const run = new RunTree({ name: "root", client, inputs: { q: "hi" }, project_name: "p", metadata: { m: 1 } });
    await run.postRun();
    run.end({ a: "yo" });
    await run.patchRun();
    await client.flush();
    const names = server.parts.map((p) => p.name);
    expect(names).toEqual([`post.${run.id}`, `post.${run.id}.inputs`, `post.${run.id}.outputs`, `post.${run.id}.extra`]);
    // Every part declares itself JSON with its length in bytes, as LangSmith's ingest expects.
    expect(server.requests[0]?.bodyText.match(/\r\nContent-Type: application\/json; length=\d+\r\n/g)).toHaveLength(4);
    expect(server.runs.get(run.id)).toMatchObject({
      name: "root",
      session_name: "p",
      inputs: { q: "hi" },
      outputs: { a: "yo" },
      trace_id: run.id,
      dotted_order: run.dotted_order,
      start_time: run.start_time,
      end_time: run.end_time,
    });
    expect(server.runs.get(run.id)?.extra).toEqual({ metadata: { m: 1 } });
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]?.headers["x-api-key"]).toBe("k-123");
    expect(server.requests[0]?.headers["x-tenant-id"]).toBe("ws-1");
    await client.shutdown();
  });

  it("connects ahead of traffic: /info is asked once, at construction, not by the first batch", async () => {
    const client = new Client({ apiUrl: server.url, apiKey: "k-1" });
    await server.until(() => server.infoRequests === 1, "the construction-time /info probe");
    expect(server.requests).toHaveLength(0);
    const run = new RunTree({ name: "after", client });
    await run.postRun();
    await client.flush();
    expect(server.infoRequests).toBe(1);
    expect(server.requests).toHaveLength(1);
    await client.shutdown();
  });

  it("a full batch leaves at the end of the task; the rest waits for the delay, not in a partial batch", async () => {
    const client = new Client({ apiUrl: server.url, maxBatchRuns: 10, flushDelayMs: 60_000 });
    for (let i = 0; i < 15; i++) void new RunTree({ name: `r${i}`, client }).postRun();
    expect(client.stats()).toMatchObject({ queuedRuns: 15, inFlightBatches: 0 });
    await Promise.resolve();
    expect(client.stats()).toMatchObject({ queuedRuns: 5, inFlightBatches: 1, inFlightRuns: 10 });
    await client.flush();
    expect(server.requests).toHaveLength(2);
    expect(server.runs.size).toBe(15);
    await client.shutdown();
  });

  it("a nested traceable trace arrives with its ids and dotted orders", async () => {
    const client = new Client({ apiUrl: server.url });
    const leaf = traceable(async (x: number) => x + 1, { name: "leaf" });
    const mid = traceable(async (x: number) => leaf(x), { name: "mid" });
    const root = traceable(async (x: number) => mid(x), { name: "root", client, tracingEnabled: true });
    await root(1);
    await client.flush();
    await server.untilEnded(3);
    const byName = Object.fromEntries([...server.runs.values()].map((r) => [r.name, r]));
    const [r, m, l] = [byName.root, byName.mid, byName.leaf] as Record<string, string>[];
    expect(m?.parent_run_id).toBe(r?.id);
    expect(l?.parent_run_id).toBe(m?.id);
    expect(new Set([r?.trace_id, m?.trace_id, l?.trace_id])).toEqual(new Set([r?.id]));
    expect(String(l?.dotted_order).startsWith(`${m?.dotted_order}.`)).toBe(true);
    expect(String(m?.dotted_order).startsWith(`${r?.dotted_order}.`)).toBe(true);
    await client.shutdown();
  });

  it("falls back to /runs/batch when multipart answers 404, and stays there", async () => {
    server.multipart = false;
    const client = new Client({ apiUrl: server.url });
    for (const name of ["a", "b"]) {
      const run = new RunTree({ name, client, inputs: { n: name } });
      await run.postRun();
      run.end({ ok: true });
      await run.patchRun();
      await client.flush();
    }
    expect(server.requests.map((r) => r.path)).toEqual(["/runs/multipart", "/runs/batch", "/runs/batch"]);
    expect([...server.runs.values()].map((r) => [r.name, r.inputs, r.outputs])).toEqual([
      ["a", { n: "a" }, { ok: true }],
      ["b", { n: "b" }, { ok: true }],
    ]);
    await client.shutdown();
  });

  it("gzips large bodies when the server allows it, and they decode", async () => {
    server.info = { instance_flags: { gzip_body_enabled: true } };
    const client = new Client({ apiUrl: server.url, gzipMinBytes: 1024 });
    const run = new RunTree({ name: "big", client, inputs: { text: "x".repeat(100_000) } });
    await run.postRun();
    await client.flush();
    expect(server.requests[0]?.headers["content-encoding"]).toBe("gzip");
    expect(server.requests[0]?.bodyBytes).toBeLessThan(10_000);
    expect((server.runs.get(run.id)?.inputs as { text: string }).text).toHaveLength(100_000);
    await client.shutdown();
  });

  it("serializes what JSON.stringify refuses without throwing", async () => {
    const client = new Client({ apiUrl: server.url, maxStringLength: 30 });
    const cyclic: Record<string, unknown> = { n: 1 };
    cyclic.self = cyclic;
    const inputs = {
      cyclic,
      big: 10n,
      map: new Map([["k", 1]]),
      set: new Set([1, 2]),
      date: new Date(0),
      error: Object.assign(new TypeError("bad"), { stack: "TypeError: bad" }),
      long: "y".repeat(50),
    };
    await new RunTree({ name: "odd", client, inputs }).postRun();
    await client.flush();
    const got = [...server.runs.values()][0]?.inputs as Record<string, unknown>;
    expect(got.cyclic).toEqual({ n: 1, self: "[Circular]" });
    expect(got.big).toBe("10");
    expect(got.map).toEqual({ k: 1 });
    expect(got.set).toEqual([1, 2]);
    expect(got.date).toBe("1970-01-01T00:00:00.000Z");
    expect(got.error).toMatchObject({ name: "TypeError", message: "bad" });
    expect(got.long).toBe(`${"y".repeat(30)}…[truncated 20 chars]`);
    expect(client.stats().truncatedValues).toBe(1);
    await client.shutdown();
  });

  it("hides inputs and outputs when asked", async () => {
    const client = new Client({ apiUrl: server.url, hideInputs: true, hideOutputs: (o) => ({ keys: Object.keys(o) }) });
    const run = new RunTree({ name: "h", client, inputs: { secret: 1 } });
    await run.postRun();
    run.end({ a: 1, b: 2 });
    await run.patchRun();
    await client.flush();
    expect(server.runs.get(run.id)).toMatchObject({ inputs: {}, outputs: { keys: ["a", "b"] } });
    await client.shutdown();
  });

  it("samples whole traces at the root", async () => {
    const client = new Client({ apiUrl: server.url, tracingSamplingRate: 0 });
    const root = new RunTree({ name: "r", client });
    await root.postRun();
    await root.createChild({ name: "c" }).postRun();
    await client.flush();
    expect(server.runs.size).toBe(0);
    expect(client.stats().sampledOutRuns).toBe(2);
    await client.shutdown();
  });
});

describe("drop accounting", () => {
  it("a run refused at the door is counted once, not once for its create and again for its update", async () => {
    const dropped: string[] = [];
    // The flush delay never comes: everything waits in a queue with room for about one run.
    const client = new Client({ apiUrl: server.url, maxQueueBytes: 4_000, flushDelayMs: 60_000, warnings: false, onDrop: (_reason, runs) => dropped.push(...runs.map((r) => r.id)) });
    const runs = [0, 1, 2, 3].map((i) => new RunTree({ name: `run-${i}`, client, inputs: { text: "x".repeat(1_000) } }));
    for (const run of runs) await run.postRun();
    for (const run of runs) {
      run.end({ ok: true });
      await run.patchRun();
    }
    expect(new Set(dropped).size).toBe(dropped.length);
    expect(client.stats().dropped.queue_full).toBe(dropped.length);
    expect(dropped.length).toBeGreaterThan(0);
    // Every run is held (queued, or in flight: a small bound makes small batches) or dropped, once.
    expect(client.stats().queuedRuns + client.stats().inFlightRuns + dropped.length).toBe(runs.length);
    await client.shutdown();
  });
});
