/**
 * Server-sent events (`GET /api/stream`, `GET /api/traces/:id/stream`): the page and the CLI see
 * traces change as runs arrive instead of polling. Changes are gathered and sent every
 * `intervalMs` (250 ms: at most ~4 events a second per trace or run, however fast a trace
 * fills), with a `ping` every 15 s so proxies and the browser keep the connection. A slow reader
 * is not buffered without bound: its stream is ended past `maxBufferedBytes` and it reconnects.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { RunStore } from "./run-store.js";
import { toRunSummary } from "./run-summary.js";

export interface LiveStreamOptions {
  intervalMs?: number;
  pingMs?: number;
  maxBufferedBytes?: number;
}

export interface LiveStream {
  /** Serves `/api/stream` (traceId undefined) or `/api/traces/:id/stream`. */
  serve(req: IncomingMessage, res: ServerResponse, traceId: string | undefined): void;
  /** Ends every stream (the collector is closing). */
  close(): void;
}

interface Client {
  res: ServerResponse;
  traceId: string | undefined;
}

export function createLiveStream(store: RunStore, options: LiveStreamOptions = {}): LiveStream {
  const intervalMs = options.intervalMs ?? 250;
  const pingMs = options.pingMs ?? 15_000;
  const maxBuffered = options.maxBufferedBytes ?? 8 * 1024 * 1024;
  const clients = new Set<Client>();
  const changedTraces = new Set<string>();
  /** Per trace with a watcher: the runs changed since the last send. */
  const changedRuns = new Map<string, Set<string>>();
  let unsubscribe: (() => void) | undefined;
  let flushTimer: NodeJS.Timeout | undefined;
  let pingTimer: NodeJS.Timeout | undefined;

  const sendTo = (client: Client, event: string, data: unknown): void => {
    if (client.res.writableLength > maxBuffered) return void client.res.end();
    client.res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };

  const flush = async (): Promise<void> => {
    const traces = [...changedTraces];
    changedTraces.clear();
    const runs = [...changedRuns];
    changedRuns.clear();
    for (const traceId of traces) {
      const summary = store.traceSummary(traceId);
      if (summary) for (const client of clients) if (client.traceId === undefined) sendTo(client, "trace", summary);
    }
    for (const [traceId, ids] of runs) {
      const watchers = [...clients].filter((client) => client.traceId === traceId);
      if (watchers.length === 0) continue;
      for (const runId of ids) {
        const run = await store.run(traceId, runId).catch(() => undefined);
        if (run) for (const client of watchers) sendTo(client, "run", toRunSummary(run));
      }
    }
  };

  /** One send per interval; changes that arrive while one is under way wait for the next. */
  const schedule = (): void => {
    flushTimer ??= setTimeout(() => {
      void flush().finally(() => {
        flushTimer = undefined;
        if (unsubscribe && changedTraces.size > 0) schedule();
      });
    }, intervalMs).unref();
  };

  const start = (): void => {
    unsubscribe = store.subscribe((traceId, runId) => {
      if (traceId === undefined) return;
      changedTraces.add(traceId);
      if ([...clients].some((client) => client.traceId === traceId)) {
        let ids = changedRuns.get(traceId);
        if (!ids) changedRuns.set(traceId, (ids = new Set()));
        ids.add(runId);
      }
      schedule();
    });
    pingTimer = setInterval(() => {
      for (const client of clients) sendTo(client, "ping", {});
    }, pingMs).unref();
  };

  const stop = (): void => {
    unsubscribe?.();
    unsubscribe = undefined;
    clearInterval(pingTimer);
    clearTimeout(flushTimer);
    flushTimer = undefined;
    changedTraces.clear();
    changedRuns.clear();
  };

  return {
    serve(req, res, traceId) {
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-store", connection: "keep-alive" });
      res.write(": tracewire dev\n\n");
      const client: Client = { res, traceId };
      clients.add(client);
      if (clients.size === 1) start();
      const gone = (): void => {
        if (!clients.delete(client)) return;
        if (clients.size === 0) stop();
      };
      req.socket.setTimeout(0);
      res.once("close", gone);
    },
    close() {
      for (const client of clients) client.res.end();
      clients.clear();
      stop();
    },
  };
}
