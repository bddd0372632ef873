import { randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { InvalidRunError, RunStore } from "../../src/collector/run-store.js";
import { Client } from "../../src/export/client.js";
import { RunTree } from "../../src/run-tree/run-tree.js";
import { type Collector, startCollector } from "../../src/collector/server.js";

let dir: string;
let collector: Collector | undefined;
let store: RunStore | undefined;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "tracewire-validation-"));
});
afterEach(async () => {
  await collector?.close();
  await store?.close();
  collector = store = undefined;
  await rm(dir, { recursive: true, force: true });
});

function run(name: unknown): Record<string, unknown> {
  const id = randomUUID();
  return { id, trace_id: id, name, start_time: new Date().toISOString() };
}

describe("run store validation", () => {
  it("takes upper-case UUIDs, as LangSmith does, and keeps them in lower case: the update and the child find their run", async () => {
    collector = await startCollector({ port: 0, dataDir: dir });
    const client = new Client({ apiUrl: collector.url });
    const rootId = randomUUID().toUpperCase();
    const root = new RunTree({ name: "upper", id: rootId, client, project_name: "p" });
    await root.postRun();
    const child = root.createChild({ name: "upper-child", id: randomUUID().toUpperCase() });
    expect(child.dotted_order).toMatch(/[A-F]/);
    await child.postRun();
    await client.flush(); // the creates and the updates in separate requests
    child.end({ ok: 1 });
    await child.patchRun();
    root.end({ done: true });
    await root.patchRun();
    await client.shutdown();
    expect(client.stats().dropped).toMatchObject({ rejected: 0, invalid_id: 0 });

    const lower = rootId.toLowerCase();
    const res = await fetch(`${collector.url}/api/traces/${lower}`);
    expect(res.status).toBe(200);
    const { runs } = (await res.json()) as { runs: { id: string; parent_run_id?: string }[] };
    expect(runs.map((r) => r.id)).toEqual([lower, child.id.toLowerCase()]);
    expect(runs[1]?.parent_run_id).toBe(lower);
    const stored = (await (await fetch(`${collector.url}/api/traces/${lower}/runs/${child.id.toLowerCase()}`)).json()) as Record<string, unknown>;
    expect(stored).toMatchObject({ trace_id: lower, outputs: { ok: 1 } });
    // Only the ids' hex digits changed: the stamps keep their T and Z.
    expect(stored.dotted_order).toBe(child.dotted_order.replace(/[A-F]/g, (c) => c.toLowerCase()));
    expect(stored.end_time).toBeTypeOf("string");
  });

  it('[12.15] a malformed run ("name": {"toString": 1}) is refused at ingest and never poisons the trace list', async () => {
    collector = await startCollector({ port: 0, dataDir: dir });
    const good = run("good");
    const refused = await fetch(`${collector.url}/runs/batch`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ post: [good, run({ toString: 1 })] }),
    });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ error: expect.stringMatching(/name/) });
    // Nothing of the refused request was stored, not even its valid run.
    expect(collector.store.size).toBe(0);
    await expect(collector.store.append([{ op: "patch", run: { ...run("x"), id: randomUUID(), end_time: 5 } }])).rejects.toBeInstanceOf(InvalidRunError);
    const accepted = await fetch(`${collector.url}/runs/batch`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ post: [good] }) });
    expect(accepted.status).toBe(202);
    const list = await fetch(`${collector.url}/api/traces`);
    expect(list.status).toBe(200);
    expect(await list.json()).toMatchObject({ traces: [{ trace_id: good.id, name: "good" }], next_cursor: null });
    await collector.close();
    collector = await startCollector({ port: 0, dataDir: dir });
    expect((await fetch(`${collector.url}/api/traces`)).status).toBe(200);
  });

  it("[12.15] invalid stored lines are skipped on open, set aside, counted and reported", async () => {
    const good = [run("one"), run("two")];
    const lines = [
      { op: "post", run: good[0] },
      { op: "post", run: run({ toString: 1 }) },
      { op: "post", run: { ...run("bad-id"), id: "not-a-uuid" } },
      { op: "upsert", run: run("bad-op") },
      { op: "post", run: good[1] },
    ];
    await writeFile(join(dir, "runs.jsonl"), lines.map((l) => `${JSON.stringify(l)}\n`).join(""));
    store = await RunStore.open(dir);
    expect(store.size).toBe(2);
    expect(store.opened).toMatchObject({ entries: 2, setAside: 3 });
    expect(store.traces().map((t) => t.name).sort()).toEqual(["one", "two"]);
    const setAside = (await readFile(store.opened.setAsidePath, "utf8")).trim().split("\n").map((l) => JSON.parse(l));
    expect(setAside.map((r) => r.reason)).toEqual([
      expect.stringMatching(/name/),
      expect.stringMatching(/id/),
      expect.stringMatching(/op/),
    ]);
  });
});
