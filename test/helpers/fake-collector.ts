/**
 * A stand-in for the collector's read API (the issue 16 contract: `/api/traces` with filters and
 * cursor paging, trace trees of run summaries, full runs, the two server-sent event streams and the
 * change log `/api/changes?after=SEQ`), answered from runs held in memory, serving the real viewer
 * page. The browser tests drive the page against it, the CLI tests `tracewire tail`; it records every
 * request so a test can check what was asked for, and can stop and start again on its port (a
 * collector restart), keeping its runs and change log as the real one keeps its file.
 */
import { type IncomingMessage, type Server, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { VIEWER_HTML } from "../../src/collector/viewer.js";

export interface FakeRun {
  id: string;
  trace_id: string;
  name: string;
  run_type: string;
  parent_run_id?: string;
  dotted_order: string;
  start_time: string;
  end_time?: string;
  error?: string;
  tags?: string[];
  session_name?: string;
  inputs?: unknown;
  outputs?: unknown;
  events?: unknown[];
  extra?: { metadata?: Record<string, unknown> };
}

export interface TraceSummary {
  trace_id: string;
  name: string;
  run_type: string;
  project: string | null;
  start_time: string;
  end_time: string | null;
  duration_ms: number | null;
  run_count: number;
  error: boolean;
  tags: string[];
}

const iso = (t: number): string => new Date(t).toISOString().replace("Z", "000Z");
const msOf = (time: string | undefined): number => (time ? Date.parse(time) : Number.NaN);

/** Times as runs carry them (six fractional digits), `offsetMs` after `base`. */
export const at = (base: number, offsetMs: number): string => iso(base + offsetMs);

export class FakeCollector {
  readonly requests: URL[] = [];
  #traces = new Map<string, Map<string, FakeRun>>();
  #summaries = new Map<string, TraceSummary>();
  #sorted: TraceSummary[] | undefined;
  /** The change log: each change's "byte offset" after it, and the trace it changed. */
  readonly #changes: { seq: number; traceId: string }[] = [];
  #listStreams = new Set<ServerResponse>();
  #traceStreams = new Map<string, Set<ServerResponse>>();
  #server: Server | undefined;
  #port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  /** Listens (again on the same port after `stop()`, as a restarted collector would). */
  async start(): Promise<this> {
    const server = createServer((req, res) => this.#handle(req, res));
    this.#server = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.#port, "127.0.0.1", () => resolve());
    });
    this.#port = (server.address() as AddressInfo).port;
    return this;
  }

  /** Stops listening and drops every connection, the streams included. */
  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (!server) return;
    for (const res of this.#listStreams) res.destroy();
    for (const set of this.#traceStreams.values()) for (const res of set) res.destroy();
    this.#listStreams.clear();
    this.#traceStreams.clear();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  /** Stores (or updates) runs and tells the open streams, as the collector does on ingest. */
  put(...runs: FakeRun[]): void {
    const touched = new Set<string>();
    for (const run of runs) {
      let trace = this.#traces.get(run.trace_id);
      if (!trace) this.#traces.set(run.trace_id, (trace = new Map()));
      trace.set(run.id, { ...trace.get(run.id), ...run });
      touched.add(run.trace_id);
      for (const res of this.#traceStreams.get(run.trace_id) ?? []) res.write(`event: run\ndata: ${JSON.stringify(runSummary(run))}\n\n`);
    }
    this.#sorted = undefined;
    for (const id of touched) {
      this.#changes.push({ seq: (this.#changes.at(-1)?.seq ?? 0) + 100, traceId: id });
      this.#summaries.delete(id);
      const summary = this.summary(id);
      for (const res of this.#listStreams) res.write(`event: trace\ndata: ${JSON.stringify(summary)}\n\n`);
    }
  }

  summary(traceId: string): TraceSummary {
    const cached = this.#summaries.get(traceId);
    if (cached) return cached;
    const runs = [...(this.#traces.get(traceId)?.values() ?? [])];
    const root = runs.find((r) => !r.parent_run_id) ?? (runs[0] as FakeRun);
    const end = msOf(root.end_time);
    const summary: TraceSummary = {
      trace_id: traceId,
      name: root.name,
      run_type: root.run_type,
      project: root.session_name ?? null,
      start_time: root.start_time,
      end_time: root.end_time ?? null,
      duration_ms: Number.isFinite(end) ? end - msOf(root.start_time) : null,
      run_count: runs.length,
      error: runs.some((r) => r.error),
      tags: root.tags ?? [],
    };
    this.#summaries.set(traceId, summary);
    return summary;
  }

  /** Every trace, newest first, as `/api/traces` orders them. */
  newestFirst(): TraceSummary[] {
    this.#sorted ??= [...this.#traces.keys()]
      .map((id) => this.summary(id))
      .sort((a, b) => (a.start_time === b.start_time ? (a.trace_id < b.trace_id ? 1 : -1) : a.start_time < b.start_time ? 1 : -1));
    return this.#sorted;
  }

  /** The contract's filters, over the traces (the real store's job; here, the reference). */
  matching(params: URLSearchParams): TraceSummary[] {
    const runsOf = (id: string) => [...(this.#traces.get(id)?.values() ?? [])];
    const q = params.get("q")?.toLowerCase();
    const [metaKey, metaValue] = (params.get("metadata") ?? "").split(/=(.*)/s);
    const num = (key: string) => (params.get(key) ? Number(params.get(key)) : undefined);
    const minMs = num("min_ms"), maxMs = num("max_ms");
    const since = params.get("since"), until = params.get("until");
    return this.newestFirst().filter((t) => {
      const runs = runsOf(t.trace_id);
      const any = (test: (r: FakeRun) => boolean) => runs.some(test);
      if (q && !any((r) => r.name.toLowerCase().includes(q))) return false;
      if (params.get("name") && !any((r) => r.name === params.get("name"))) return false;
      if (params.get("run_type") && !any((r) => r.run_type === params.get("run_type"))) return false;
      if (params.get("error") === "true" && !t.error) return false;
      if (params.get("error") === "false" && t.error) return false;
      if (params.get("tag") && !any((r) => (r.tags ?? []).includes(params.get("tag") as string))) return false;
      if (metaKey && !any((r) => String(r.extra?.metadata?.[metaKey]) === metaValue)) return false;
      if (params.get("project") && t.project !== params.get("project")) return false;
      if (minMs !== undefined && !(t.duration_ms !== null && t.duration_ms >= minMs)) return false;
      if (maxMs !== undefined && !(t.duration_ms !== null && t.duration_ms <= maxMs)) return false;
      if (since && msOf(t.start_time) < msOf(since)) return false;
      if (until && msOf(t.start_time) > msOf(until)) return false;
      return true;
    });
  }

  /** The last `/api/traces` request the page made. */
  lastListQuery(): URLSearchParams | undefined {
    return this.requests.filter((u) => u.pathname === "/api/traces").at(-1)?.searchParams;
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? "/", "http://fake");
    this.requests.push(url);
    const path = url.pathname;
    const json = (status: number, body: unknown): void => void res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    if (path === "/" || /^\/traces\/[^/]+$/.test(path)) {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(VIEWER_HTML);
      return;
    }
    if (path === "/api/traces") {
      const limit = Math.min(Number(url.searchParams.get("limit") ?? 50) || 50, 500);
      // Opaque to clients; here simply the offset of the page's first trace.
      const offset = Number(url.searchParams.get("cursor") ?? 0);
      const all = this.matching(url.searchParams);
      const traces = all.slice(offset, offset + limit);
      return json(200, { traces, next_cursor: offset + limit < all.length ? String(offset + limit) : null });
    }
    if (path === "/api/changes") {
      const after = Number(url.searchParams.get("after") ?? 0);
      const limit = Number(url.searchParams.get("limit") ?? 500);
      const changes = this.#changes.filter((c) => c.seq > after).slice(0, limit);
      return json(200, { traces: changes.map((c) => this.summary(c.traceId)), seq: changes.at(-1)?.seq ?? after });
    }
    if (path === "/api/stream") return this.#stream(res, this.#listStreams);
    const streamMatch = /^\/api\/traces\/([^/]+)\/stream$/.exec(path);
    if (streamMatch) {
      const id = decodeURIComponent(streamMatch[1] as string);
      let set = this.#traceStreams.get(id);
      if (!set) this.#traceStreams.set(id, (set = new Set()));
      return this.#stream(res, set);
    }
    const runMatch = /^\/api\/traces\/([^/]+)\/runs\/([^/]+)$/.exec(path);
    if (runMatch) {
      const run = this.#traces.get(decodeURIComponent(runMatch[1] as string))?.get(decodeURIComponent(runMatch[2] as string));
      return run ? json(200, run) : json(404, { error: "no such run" });
    }
    const traceMatch = /^\/api\/traces\/([^/]+)$/.exec(path);
    if (traceMatch) {
      const id = decodeURIComponent(traceMatch[1] as string);
      const trace = this.#traces.get(id);
      return trace ? json(200, { trace_id: id, runs: [...trace.values()].map(runSummary) }) : json(404, { error: "no such trace" });
    }
    json(404, { error: "not found" });
  }

  #stream(res: ServerResponse, set: Set<ServerResponse>): void {
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-store" });
    res.write("retry: 200\n\n");
    set.add(res);
    res.on("close", () => set.delete(res));
  }
}

/** What the tree route carries per run: no bodies. */
export function runSummary(run: FakeRun) {
  return {
    id: run.id,
    name: run.name,
    run_type: run.run_type,
    parent_run_id: run.parent_run_id ?? null,
    dotted_order: run.dotted_order,
    start_time: run.start_time,
    end_time: run.end_time ?? null,
    error: Boolean(run.error),
    tags: run.tags ?? [],
    event_count: run.events?.length ?? 0,
  };
}

/** A run id that sorts with `n` (tests need many distinct, readable ids). */
export const runId = (prefix: number, n: number): string =>
  `${prefix.toString(16).padStart(8, "0")}-0000-4000-8000-${n.toString(16).padStart(12, "0")}`;

/** The root run of a one-run, 5 ms trace named `name` in project "default", started `index` seconds after a fixed time. */
export function fakeTrace(index: number, name = `trace-${index}`, error = false): FakeRun {
  const id = runId(0, index);
  const start = Date.UTC(2026, 0, 1) + index * 1000;
  return {
    id,
    trace_id: id,
    name,
    run_type: "chain",
    session_name: "default",
    dotted_order: `20260101T000000000000Z${id}`,
    start_time: iso(start),
    end_time: iso(start + 5),
    ...(error ? { error: "Error: failed" } : {}),
  };
}
