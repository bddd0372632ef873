/**
 * The index snapshot beside the log (runs.index): a restart after a clean close reads it instead
 * of replaying every line, replays only what the log gained after it, and ignores it when the
 * log no longer holds what it covers.
 */
import { randomUUID } from "node:crypto";
import { appendFile, mkdtemp, readFile, rm, stat, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RunStore } from "../../src/collector/run-store.js";
import { parseTraceFilter } from "../../src/collector/trace-query.js";

let dir: string;
let store: RunStore | undefined;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "tracewire-snapshot-"));
});
afterEach(async () => {
  await store?.close();
  store = undefined;
  await rm(dir, { recursive: true, force: true });
});

function run(name: string, i: number): Record<string, unknown> & { id: string } {
  const id = randomUUID();
  return { id, trace_id: id, name, start_time: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(), tags: [`t${i % 3}`], extra: { metadata: { i } } };
}

const line = (op: string, r: Record<string, unknown>): string => `${JSON.stringify({ op, run: r })}\n`;

describe("the index snapshot", () => {
  it("a restart after a clean close loads the index instead of replaying, then replays only the lines after it", async () => {
    store = await RunStore.open(dir);
    const runs = Array.from({ length: 300 }, (_, i) => run(`r${i}`, i));
    await store.append(runs.map((r) => ({ op: "post" as const, run: r })));
    const page = store.traces(50);
    await store.close();
    store = await RunStore.open(dir);
    expect(store.opened).toMatchObject({ entries: 300, fromSnapshot: 300, setAside: 0 });
    expect(store.traces(50)).toEqual(page);
    expect(store.query({ ...filterOf("tag=t1&metadata=i=4") }).traces.map((t) => t.name)).toEqual(["r4"]);
    // Lines the log gained after the snapshot (a collector killed before its next close):
    await store.close();
    store = undefined;
    const late = run("late", 1000);
    await appendFile(join(dir, "runs.jsonl"), line("post", late) + line("patch", { id: runs[0]?.id as string, trace_id: runs[0]?.id, error: "boom" }));
    store = await RunStore.open(dir);
    expect(store.opened).toMatchObject({ entries: 302, fromSnapshot: 300 });
    expect(store.traces(1)[0]).toMatchObject({ name: "late" });
    expect(store.query(filterOf("error=true")).traces.map((t) => t.name)).toEqual(["r0"]);
    expect(await store.trace(late.id)).toMatchObject([{ name: "late" }]);
    await store.append([{ op: "post", run: run("after", 2000) }]);
    expect(store.size).toBe(302);
  });

  it("a snapshot cut short is ignored: the log is replayed whole", async () => {
    store = await RunStore.open(dir);
    await store.append(Array.from({ length: 50 }, (_, i) => ({ op: "post" as const, run: run(`r${i}`, i) })));
    await store.close();
    const snapshot = join(dir, "runs.index");
    await truncate(snapshot, Math.floor((await stat(snapshot)).size / 2));
    store = await RunStore.open(dir);
    expect(store.opened).toMatchObject({ entries: 50, fromSnapshot: 0 });
    expect(store.traces(1)[0]).toMatchObject({ name: "r49" });
  });

  it("is ignored when the log no longer holds what it covers (rewritten, or cut shorter)", async () => {
    store = await RunStore.open(dir);
    await store.append([{ op: "post", run: run("first", 1) }]);
    await store.close();
    const log = join(dir, "runs.jsonl");
    // The same length, other bytes (blanks): only the fingerprint can tell.
    const original = await readFile(log, "utf8");
    await writeFile(log, `${" ".repeat(original.length - 1)}\n`);
    store = await RunStore.open(dir);
    expect(store.opened).toMatchObject({ entries: 0, fromSnapshot: 0 });
    expect(store.size).toBe(0);
    await store.close();
    await writeFile(log, "");
    store = await RunStore.open(dir);
    expect(store.opened).toMatchObject({ entries: 0, fromSnapshot: 0 });
    expect(store.size).toBe(0);
  });
});

function filterOf(query: string): ReturnType<typeof parseTraceFilter> {
  return parseTraceFilter(new URLSearchParams(query));
}
