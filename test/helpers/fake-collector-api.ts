/**
 * A loopback server answering the collector's read API as the issue-16 contract states it
 * (`/api/traces` with a cursor and filters, `/api/traces/:id`, `/api/changes?after=SEQ`), from
 * traces a test adds. It records each request's URL, and can stop and start again on its port
 * (a collector restart), keeping its change log as the real one keeps its file.
 */
import { once } from "node:events";
import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeTrace {
  trace_id: string;
  name: string;
  project: string;
  start_time: string;
  end_time: string | null;
  duration_ms: number | null;
  run_count: number;
  error: boolean;
  tags: string[];
  runs: { id: string; name: string; run_type: string; parent_run_id?: string; dotted_order: string; start_time: string; end_time: string | null; error: boolean; tags: string[]; event_count: number }[];
}

/** A one-run trace named `name`, started `index` seconds after a fixed time. */
export function fakeTrace(index: number, name = `trace-${index}`, error = false): FakeTrace {
  const id = `00000000-0000-4000-8000-${String(index).padStart(12, "0")}`;
  const start = new Date(Date.UTC(2026, 0, 1) + index * 1000).toISOString();
  const end = new Date(Date.UTC(2026, 0, 1) + index * 1000 + 5).toISOString();
  return {
    trace_id: id,
    name,
    project: "default",
    start_time: start,
    end_time: end,
    duration_ms: 5,
    run_count: 1,
    error,
    tags: [],
    runs: [{ id, name, run_type: "chain", dotted_order: `20260101T000000000000Z${id}`, start_time: start, end_time: end, error, tags: [], event_count: 0 }],
  };
}

const summary = ({ runs: _runs, ...rest }: FakeTrace): Omit<FakeTrace, "runs"> & { run_type: string } => ({ ...rest, run_type: "chain" });

export class FakeCollectorApi {
  readonly requests: URL[] = [];
  readonly #traces = new Map<string, FakeTrace>();
  /** The change log: each change's "byte offset" after it, and the trace it changed. */
  readonly #changes: { seq: number; traceId: string }[] = [];
  #server: Server | undefined;
  port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Adds or replaces a trace, as a change in the log. */
  put(trace: FakeTrace): void {
    this.#traces.set(trace.trace_id, trace);
    const last = this.#changes[this.#changes.length - 1]?.seq ?? 0;
    this.#changes.push({ seq: last + 100, traceId: trace.trace_id });
  }

  async start(): Promise<void> {
    this.#server = createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://collector");
      this.requests.push(url);
      const answer = this.#answer(url);
      res.writeHead(answer ? 200 : 404, { "content-type": "application/json" }).end(JSON.stringify(answer ?? { error: "not found" }));
    });
    this.#server.listen(this.port, "127.0.0.1");
    await once(this.#server, "listening");
    this.port = (this.#server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  #answer(url: URL): unknown {
    if (url.pathname === "/api/traces") {
      const newest = [...this.#traces.values()].sort((a, b) => b.start_time.localeCompare(a.start_time));
      const matching = newest.filter((t) => !url.searchParams.has("q") || t.name.includes(url.searchParams.get("q") as string));
      const limit = Number(url.searchParams.get("limit") ?? 50);
      const from = Number(url.searchParams.get("cursor") ?? 0);
      const page = matching.slice(from, from + limit);
      return { traces: page.map(summary), next_cursor: from + limit < matching.length ? String(from + limit) : null };
    }
    if (url.pathname === "/api/changes") {
      const after = Number(url.searchParams.get("after") ?? 0);
      const limit = Number(url.searchParams.get("limit") ?? 500);
      const changes = this.#changes.filter((c) => c.seq > after).slice(0, limit);
      const traces = changes.map((c) => summary(this.#traces.get(c.traceId) as FakeTrace));
      return { traces, seq: changes[changes.length - 1]?.seq ?? after };
    }
    const match = /^\/api\/traces\/([0-9a-f-]{36})$/.exec(url.pathname);
    const trace = match && this.#traces.get(match[1] as string);
    return trace ? { trace_id: trace.trace_id, runs: trace.runs } : undefined;
  }
}
