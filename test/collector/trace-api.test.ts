/**
 * The collector's read API (issue 16 contract): paging by cursor, filters, tree summaries, the
 * full run, the changes feed and server-sent events. Real HTTP on loopback against a real store.
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Collector, startCollector } from "../../src/collector/server.js";

let dir: string;
let collector: Collector | undefined;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "tracewire-trace-api-"));
});
afterEach(async () => {
  await collector?.close();
  collector = undefined;
  await rm(dir, { recursive: true, force: true });
});

type Run = Record<string, unknown> & { id: string };

/** An ISO time `ms` milliseconds after a fixed start, with microseconds. */
const at = (ms: number): string => new Date(Date.UTC(2026, 0, 1) + ms).toISOString().replace("Z", "123Z");

function root(name: string, startMs: number, extra: Record<string, unknown> = {}): Run {
  const id = randomUUID();
  return { id, trace_id: id, dotted_order: `x${id}`, name, run_type: "chain", start_time: at(startMs), end_time: at(startMs + 10), ...extra };
}

function child(parent: Run, name: string, extra: Record<string, unknown> = {}): Run {
  const id = randomUUID();
  return { id, trace_id: parent.trace_id, parent_run_id: parent.id, dotted_order: `${parent.dotted_order}.${id}`, name, run_type: "llm", start_time: parent.start_time, ...extra };
}

async function post(runs: Run[], patch: Run[] = []): Promise<void> {
  const res = await fetch(`${collector?.url}/runs/batch`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ post: runs, patch }) });
  expect(res.status).toBe(202);
}

async function get<T>(path: string): Promise<T> {
  const res = await fetch(`${collector?.url}${path}`);
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

interface Summary {
  trace_id: string;
  name: string;
  duration_ms: number | null;
  run_count: number;
  error: boolean;
  start_time: string;
  tags: string[];
  project: string | null;
}
interface Page {
  traces: Summary[];
  next_cursor: string | null;
}

const ids = (page: Page): string[] => page.traces.map((t) => t.trace_id);

describe("GET /api/traces", () => {
  it("pages through every trace newest first with an opaque cursor, stable while new traces arrive", async () => {
    collector = await startCollector({ port: 0, dataDir: dir });
    const roots = Array.from({ length: 130 }, (_, i) => root(`t${i}`, i * 1000));
    await post(roots);
    const seen: string[] = [];
    let page = await get<Page>("/api/traces?limit=50");
    expect(page.traces).toHaveLength(50);
    expect(page.traces[0]).toMatchObject({ name: "t129", duration_ms: 10, run_count: 1, error: false, tags: [], run_type: "chain" });
    seen.push(...ids(page));
    // A newer trace arriving between pages does not shift the next page.
    await post([root("newest", 10_000_000)]);
    while (page.next_cursor) {
      page = await get<Page>(`/api/traces?limit=50&cursor=${encodeURIComponent(page.next_cursor)}`);
      seen.push(...ids(page));
    }
    expect(seen).toEqual(roots.map((r) => r.id).reverse());
    expect((await get<Page>("/api/traces?limit=1")).traces[0]?.name).toBe("newest");
    expect((await fetch(`${collector.url}/api/traces?cursor=nonsense`)).status).toBe(400);
    expect((await get<Page>("/api/traces?limit=100000")).traces).toHaveLength(131);
  });

  it("filters by name, run type, q, error, tag, metadata, project, latency and time, matching any run of a trace", async () => {
    collector = await startCollector({ port: 0, dataDir: dir });
    const plain = root("plain", 1000, { session_name: "shop" });
    const failing = root("checkout", 2000, { session_name: "shop", end_time: at(2000 + 500) });
    const deep = root("agent", 3000, { session_name: "lab", tags: ["beta"] });
    const inner = child(deep, "OpenAI Chat", { error: "boom", tags: ["model", "gpt"], extra: { metadata: { user: "ada", n: 3 } } });
    const innerFail = child(failing, "charge", { error: "declined" });
    await post([plain, failing, deep, inner, innerFail]);
    const names = async (query: string): Promise<string[]> => (await get<Page>(`/api/traces?${query}`)).traces.map((t) => t.name);
    expect(await names("")).toEqual(["agent", "checkout", "plain"]);
    expect(await names("name=OpenAI%20Chat")).toEqual(["agent"]);
    expect(await names("name=nobody")).toEqual([]);
    expect(await names("run_type=llm")).toEqual(["agent", "checkout"]);
    expect(await names("q=chat")).toEqual(["agent"]);
    expect(await names("q=CHECK")).toEqual(["checkout"]);
    expect(await names("error=true")).toEqual(["agent", "checkout"]);
    expect(await names("error=false")).toEqual(["plain"]);
    expect(await names("tag=gpt")).toEqual(["agent"]);
    expect(await names("tag=beta")).toEqual(["agent"]);
    expect(await names("metadata=user=ada")).toEqual(["agent"]);
    expect(await names("metadata=n=3")).toEqual(["agent"]);
    expect(await names("metadata=user=bob")).toEqual([]);
    expect(await names("project=shop")).toEqual(["checkout", "plain"]);
    expect(await names("min_ms=100")).toEqual(["checkout"]);
    expect(await names("max_ms=100")).toEqual(["agent", "plain"]);
    expect(await names(`since=${at(2000)}`)).toEqual(["agent", "checkout"]);
    expect(await names(`until=${at(2000)}`)).toEqual(["checkout", "plain"]);
    expect(await names(`since=${at(1500)}&until=${at(2500)}&project=shop&error=true`)).toEqual(["checkout"]);
    expect(await names("run_type=llm&error=true&q=charge")).toEqual(["checkout"]);
    const [agent] = (await get<Page>("/api/traces?tag=beta")).traces;
    expect(agent).toMatchObject({ project: "lab", tags: ["beta"], run_count: 2, error: true });
    for (const bad of ["error=maybe", "metadata=novalue", "min_ms=-1", "since=yesterday"]) expect((await fetch(`${collector.url}/api/traces?${bad}`)).status).toBe(400);
  });

  it("keeps the order, summaries and filters across a restart", async () => {
    collector = await startCollector({ port: 0, dataDir: dir });
    const a = root("a", 1000);
    const b = root("b", 2000, { tags: ["x"] });
    await post([a, b, child(b, "b-child", { error: "e" })]);
    const before = await get<Page>("/api/traces");
    await collector.close();
    collector = await startCollector({ port: 0, dataDir: dir });
    expect(await get<Page>("/api/traces")).toEqual(before);
    expect(ids(await get<Page>("/api/traces?error=true&tag=x"))).toEqual([b.id]);
  });

  it("merges an update that arrives before its create the same way live and when the log is replayed", async () => {
    collector = await startCollector({ port: 0, dataDir: dir });
    const r = root("made", 1000, { session_name: "shop", tags: ["created"] });
    const update = { id: r.id, trace_id: r.id, name: "renamed", start_time: at(5), end_time: at(1400), session_name: "ops", tags: ["updated"], error: "late", extra: { metadata: { step: 2 } } };
    await post([], [update]);
    await post([r]);
    const expected = { trace_id: r.id, name: "made", run_type: "chain", project: "ops", start_time: at(1000), end_time: at(1400), duration_ms: 400, error: true, tags: ["updated"] };
    const live = await get<Page>("/api/traces?metadata=step=2&tag=updated&project=ops");
    expect(live.traces).toMatchObject([expected]);
    await collector.close();
    await rm(join(dir, "runs.index"));
    collector = await startCollector({ port: 0, dataDir: dir });
    expect(collector.store.opened).toMatchObject({ entries: 2, fromSnapshot: 0 });
    expect(await get<Page>("/api/traces?metadata=step=2&tag=updated&project=ops")).toEqual(live);
  });
});

describe("GET /api/traces/:id and /api/traces/:id/runs/:runId", () => {
  it("serves the tree as summaries (no bodies) and each run whole", async () => {
    collector = await startCollector({ port: 0, dataDir: dir });
    const r = root("r", 0, { inputs: { big: "x".repeat(100_000) } });
    const c = child(r, "c", { error: "Error: no\n    at f (file.js:1:1)", events: [{ name: "new_token", kwargs: { token: "a" } }, { name: "new_token" }], outputs: { y: 1 } });
    await post([r, c]);
    const tree = await fetch(`${collector.url}/api/traces/${r.id}`);
    const text = await tree.text();
    expect(text.length).toBeLessThan(2000);
    const { trace_id, runs } = JSON.parse(text) as { trace_id: string; runs: Record<string, unknown>[] };
    expect(trace_id).toBe(r.id);
    expect(runs).toEqual([
      { id: r.id, name: "r", run_type: "chain", parent_run_id: null, dotted_order: r.dotted_order, start_time: r.start_time, end_time: r.end_time, error: false, tags: [], event_count: 0 },
      { id: c.id, name: "c", run_type: "llm", parent_run_id: r.id, dotted_order: c.dotted_order, start_time: c.start_time, end_time: null, error: true, tags: [], event_count: 2 },
    ]);
    const full = await get<Record<string, unknown>>(`/api/traces/${r.id}/runs/${c.id}`);
    expect(full).toMatchObject({ id: c.id, error: c.error, events: c.events, outputs: { y: 1 } });
    expect((await get<{ inputs: { big: string } }>(`/api/traces/${r.id}/runs/${r.id}`)).inputs.big).toHaveLength(100_000);
    expect((await fetch(`${collector.url}/api/traces/${r.id}/runs/${randomUUID()}`)).status).toBe(404);
    expect((await fetch(`${collector.url}/api/traces/${randomUUID()}`)).status).toBe(404);
  });
});

describe("GET /api/changes", () => {
  it("lists every trace changed after a sequence number, oldest change first, and the sequence survives a restart", async () => {
    collector = await startCollector({ port: 0, dataDir: dir });
    const first = Array.from({ length: 700 }, (_, i) => root(`burst${i}`, i));
    await post(first);
    const all: string[] = [];
    let seq = 0;
    for (;;) {
      const page = await get<{ traces: Summary[]; seq: number }>(`/api/changes?after=${seq}&limit=500`);
      all.push(...ids(page as unknown as Page));
      if (page.traces.length === 0) break;
      seq = page.seq;
    }
    expect(all).toEqual(first.map((r) => r.id));
    await collector.close();
    collector = await startCollector({ port: 0, dataDir: dir });
    expect((await get<{ traces: Summary[]; seq: number }>(`/api/changes?after=${seq}`)).traces).toEqual([]);
    const later = root("later", 5000);
    await post([later], [{ id: first[3]?.id as string, trace_id: first[3]?.id, end_time: at(9000) }]);
    const changed = await get<{ traces: Summary[]; seq: number }>(`/api/changes?after=${seq}`);
    expect(changed.traces.map((t) => t.name)).toEqual(["later", "burst3"]);
    expect(changed.traces[1]?.duration_ms).toBe(9000 - 3);
    expect(changed.seq).toBeGreaterThan(seq);
    expect((await fetch(`${collector.url}/api/changes?after=-1`)).status).toBe(400);
  });
});

/** Reads server-sent events from `path` into `events` until `stop` is called. */
function listen(path: string): { events: { event: string; data: Record<string, unknown> }[]; next(test: (e: { event: string; data: Record<string, unknown> }) => boolean): Promise<void>; stop(): void } {
  const controller = new AbortController();
  const events: { event: string; data: Record<string, unknown> }[] = [];
  const waiters: { test: (e: (typeof events)[number]) => boolean; resolve(): void }[] = [];
  void (async () => {
    const res = await fetch(`${collector?.url}${path}`, { signal: controller.signal });
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const decoder = new TextDecoder();
    let buffer = "";
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (!event || data === undefined) continue;
        const parsed = { event, data: JSON.parse(data) as Record<string, unknown> };
        events.push(parsed);
        for (const w of [...waiters]) if (w.test(parsed)) waiters.splice(waiters.indexOf(w), 1) && w.resolve();
      }
    }
  })().catch(() => {});
  return {
    events,
    next: (test) => (events.some(test) ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ test, resolve }))),
    stop: () => controller.abort(),
  };
}

describe("server-sent events", () => {
  it("/api/stream sends a trace's summary as it changes, coalesced; /api/traces/:id/stream sends its runs", async () => {
    collector = await startCollector({ port: 0, dataDir: dir, liveStream: { intervalMs: 50, pingMs: 100 } });
    const list = listen("/api/stream");
    await list.next((e) => e.event === "ping");
    const r = root("live", 0);
    await post([r]);
    await list.next((e) => e.event === "trace" && e.data.trace_id === r.id);
    const one = listen(`/api/traces/${r.id}/stream`);
    await one.next((e) => e.event === "ping");
    // Twenty runs in one request: one summary for the trace, one event per run.
    const kids = Array.from({ length: 20 }, (_, i) => child(r, `k${i}`));
    await post(kids);
    const other = root("other", 10);
    await post([other]);
    await list.next((e) => e.event === "trace" && e.data.trace_id === other.id);
    await one.next((e) => e.event === "run" && e.data.id === kids[19]?.id);
    const summaries = list.events.filter((e) => e.event === "trace" && e.data.trace_id === r.id);
    expect(summaries.length).toBe(2);
    expect(summaries[1]?.data).toMatchObject({ run_count: 21, name: "live" });
    const runs = one.events.filter((e) => e.event === "run");
    expect(runs.map((e) => e.data.name).sort()).toEqual(kids.map((k) => k.name).sort());
    expect(runs[0]?.data).not.toHaveProperty("inputs");
    expect(one.events.some((e) => e.event === "run" && e.data.id === other.id)).toBe(false);
    list.stop();
    one.stop();
  });
});
