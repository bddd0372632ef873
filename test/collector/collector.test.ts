import { appendFile, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client as LangsmithClient } from "langsmith";
import { traceable as lsTraceable } from "langsmith/traceable";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Collector, startCollector } from "../../src/collector/server.js";
import { formatTraceTree } from "../../src/collector/tree-text.js";
import { Client } from "../../src/export/client.js";
import { RunTree } from "../../src/run-tree/run-tree.js";

let dir: string;
let collector: Collector | undefined;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "tracewire-collector-"));
});
afterEach(async () => {
  await collector?.close();
  collector = undefined;
  await rm(dir, { recursive: true, force: true });
});

async function sendTrace(url: string, name: string): Promise<RunTree> {
  const client = new Client({ apiUrl: url });
  const root = new RunTree({ name, client, inputs: { q: name }, project_name: "p" });
  await root.postRun();
  const child = root.createChild({ name: `${name}-child` });
  await child.postRun();
  child.end({ ok: 1 });
  await child.patchRun();
  root.end({ done: true });
  await root.patchRun();
  await client.shutdown();
  return root;
}

const JSON_TYPE = { "content-type": "application/json" };

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

describe("tracewire dev collector", () => {
  it("ingests multipart from tracewire's Client and serves the trace tree", async () => {
    collector = await startCollector({ port: 0, dataDir: dir });
    const root = await sendTrace(collector.url, "alpha");
    const { traces } = await getJson<{ traces: { trace_id: string; run_count: number; name: string }[] }>(`${collector.url}/api/traces`);
    expect(traces).toMatchObject([{ trace_id: root.id, run_count: 2, name: "alpha" }]);
    const { runs } = await getJson<{ runs: Record<string, unknown>[] }>(`${collector.url}/api/traces/${root.id}`);
    expect(runs.map((r) => [r.name, r.parent_run_id])).toEqual([
      ["alpha", null],
      ["alpha-child", root.id],
    ]);
    expect(runs[0]).toMatchObject({ end_time: root.end_time });
    const full = await getJson<Record<string, unknown>>(`${collector.url}/api/traces/${root.id}/runs/${root.id}`);
    expect(full).toMatchObject({ inputs: { q: "alpha" }, outputs: { done: true }, end_time: root.end_time });
    expect(formatTraceTree((await collector.store.trace(root.id)) ?? [])).toMatch(/^alpha \(chain, .+\) {2}\[p\]\n└─ alpha-child \(chain, .+\)$/);
  });

  it("accepts /runs/batch, POST /runs and PATCH /runs/:id", async () => {
    collector = await startCollector({ port: 0, dataDir: dir });
    const a = new RunTree({ name: "single" });
    const post = await fetch(`${collector.url}/runs`, { method: "POST", headers: JSON_TYPE, body: JSON.stringify(a.toJSON()) });
    expect(post.status).toBe(202);
    a.end({ x: 1 });
    const patch = await fetch(`${collector.url}/runs/${a.id}`, { method: "PATCH", headers: JSON_TYPE, body: JSON.stringify({ end_time: a.end_time, outputs: { x: 1 } }) });
    expect(patch.status).toBe(202);
    const b = new RunTree({ name: "batched" });
    const batch = await fetch(`${collector.url}/runs/batch`, { method: "POST", headers: JSON_TYPE, body: JSON.stringify({ post: [b.toJSON()], patch: [] }) });
    expect(batch.status).toBe(202);
    const run = await getJson<Record<string, unknown>>(`${collector.url}/api/traces/${a.id}/runs/${a.id}`);
    expect(run).toMatchObject({ name: "single", outputs: { x: 1 } });
    expect((await getJson<{ traces: unknown[] }>(`${collector.url}/api/traces`)).traces.length).toBe(2);
    expect((await fetch(`${collector.url}/runs`, { method: "POST", headers: JSON_TYPE, body: "{not json" })).status).toBe(400);
  });

  it("serves every run ingested before a restart, and recovers a torn last write", async () => {
    collector = await startCollector({ port: 0, dataDir: dir });
    const roots = [await sendTrace(collector.url, "one"), await sendTrace(collector.url, "two")];
    await collector.close();
    // A crash in the middle of a write leaves half a line at the end of the log.
    await appendFile(join(dir, "runs.jsonl"), '{"op":"post","run":{"id":"01a2');
    collector = await startCollector({ port: 0, dataDir: dir });
    expect(collector.store.size).toBe(4);
    for (const root of roots) {
      const { runs } = await getJson<{ runs: unknown[] }>(`${collector.url}/api/traces/${root.id}`);
      expect(runs).toHaveLength(2);
    }
    const three = await sendTrace(collector.url, "three");
    await collector.close();
    collector = await startCollector({ port: 0, dataDir: dir });
    expect(collector.store.size).toBe(6);
    expect((await getJson<{ runs: unknown[] }>(`${collector.url}/api/traces/${three.id}`)).runs).toHaveLength(2);
    expect((await readFile(join(dir, "runs.jsonl"), "utf8")).endsWith("\n")).toBe(true);
  });

  it("accepts what the real langsmith package sends", async () => {
    collector = await startCollector({ port: 0, dataDir: dir });
    const client = new LangsmithClient({ apiUrl: collector.url, apiKey: "dev" });
    const inner = lsTraceable(async (x: number) => x * 2, { name: "ls-inner", client, tracingEnabled: true });
    const outer = lsTraceable(async (x: number) => inner(x), { name: "ls-outer", client, tracingEnabled: true, project_name: "ls-proj" });
    await expect(outer(21)).resolves.toBe(42);
    await client.awaitPendingTraceBatches();
    const {
      traces: [trace],
    } = await getJson<{ traces: { trace_id: string; name: string; run_count: number }[] }>(`${collector.url}/api/traces`);
    expect(trace).toMatchObject({ name: "ls-outer", run_count: 2 });
    const runs = (await collector.store.trace(trace?.trace_id ?? "")) ?? [];
    expect(runs.map((r) => r.name)).toEqual(["ls-outer", "ls-inner"]);
    expect(runs[1]?.parent_run_id).toBe(runs[0]?.id);
    expect(runs[1]?.outputs).toEqual({ outputs: 42 });
    expect(runs.every((r) => typeof r.end_time === "string")).toBe(true);
  });

  it("refuses bodies over the bound and gzip bombs", async () => {
    collector = await startCollector({ port: 0, dataDir: dir, maxBodyBytes: 1024 });
    const big = await fetch(`${collector.url}/runs/batch`, { method: "POST", headers: JSON_TYPE, body: "x".repeat(4096) });
    expect(big.status).toBe(413);
    const { gzipSync } = await import("node:zlib");
    const bomb = await fetch(`${collector.url}/runs/batch`, {
      method: "POST",
      headers: { ...JSON_TYPE, "content-encoding": "gzip" },
      body: gzipSync(Buffer.alloc(1_000_000)),
    });
    expect(bomb.status).toBe(413);
  });

  it("asks clients on loopback not to compress, and still takes a gzip body", async () => {
    collector = await startCollector({ port: 0, dataDir: dir });
    const info = await getJson<{ instance_flags: Record<string, boolean> }>(`${collector.url}/info`);
    expect(info.instance_flags.gzip_body_enabled).toBe(false);
    const { gzipSync } = await import("node:zlib");
    const id = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
    const run = { id, trace_id: id, dotted_order: `20260101T000000000000Z${id}`, name: "zipped", run_type: "chain", start_time: "2026-01-01T00:00:00.000Z" };
    const res = await fetch(`${collector.url}/runs/batch`, {
      method: "POST",
      headers: { ...JSON_TYPE, "content-encoding": "gzip" },
      body: gzipSync(JSON.stringify({ post: [run] })),
    });
    expect(res.status).toBe(202);
    expect((await collector.store.trace(id))?.map((r) => r.name)).toEqual(["zipped"]);
  });
});
