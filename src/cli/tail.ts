/**
 * `tracewire tail`: traces from a running collector as trees. Without --follow it pages through
 * `/api/traces` (newest first, the collector's filters); with --follow it reads the change log
 * (`/api/changes?after=SEQ`): SEQ is a byte offset into the collector's log, which survives its
 * restarts, so following from it never misses a trace, and a collector that goes away is waited
 * for (with a notice) rather than ending the command.
 */
import { parseArgs } from "node:util";
import { setTimeout as sleep } from "node:timers/promises";
import { formatTraceTree } from "../collector/tree-text.js";
import type { StoredRun } from "../collector/run-store.js";
import {
  type CollectorApi,
  CollectorUnreachableError,
  NotFoundError,
  type RunSummary,
  type TraceSummary,
  createCollectorApi,
  unlessMissing,
} from "./collector-api.js";
import { DEFAULT_URL, TAIL_HELP } from "./help.js";
import type { Output } from "./output.js";
import { FILTER_FLAGS, type FilterArgs, type TailFilters, UsageError, filterParams, matchesFilters, parseFilters } from "./tail-filters.js";

const PAGE_SIZE = 500;
/** Traces whose last printed state is remembered by --follow (older ones may print again). */
const MAX_REMEMBERED = 100_000;
const MAX_RETRY_DELAY_MS = 5_000;

export interface TailIo {
  out: Output;
  /** A notice for the person watching (stderr). */
  notice(line: string): void;
}

interface TailOptions {
  api: CollectorApi;
  filters: TailFilters;
  limit: number;
  intervalMs: number;
  io: TailIo;
}

function positiveInteger(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0) throw new UsageError(`--${flag}: expected a positive integer, got ${JSON.stringify(value)}`);
  return n;
}

/** The tree as `tail` prints it; runs carry summaries only (no error text), so an error reads "error". */
function treeText(base: string, traceId: string, runs: readonly RunSummary[], project: string | null | undefined): string {
  const stored = runs.map((run, i) => ({
    ...run,
    error: run.error === true ? "error" : run.error || undefined,
    ...(i === 0 && project ? { session_name: project } : {}),
  })) as unknown as StoredRun[];
  return `trace ${traceId}  ${base}/traces/${traceId}\n${formatTraceTree(stored)}\n\n`;
}

/** Prints every trace the filters select, newest first, up to `limit`. */
async function listTraces({ api, filters, limit, io }: TailOptions): Promise<number> {
  let cursor: string | null = null;
  let printed = 0;
  do {
    const params = filterParams(filters);
    params.set("limit", String(Math.min(PAGE_SIZE, limit - printed)));
    if (cursor !== null) params.set("cursor", cursor);
    const page = await api.traces(params);
    for (const trace of page.traces) {
      const runs = await unlessMissing(api.trace(trace.trace_id));
      if (!runs) continue; // gone between the list and now
      if (!(await io.out.write(treeText(api.base, trace.trace_id, runs, trace.project)))) return 0;
      if (++printed >= limit) return 0;
    }
    cursor = page.next_cursor;
  } while (cursor !== null && cursor !== undefined);
  if (printed === 0) io.notice(`tracewire tail: no traces${filterParams(filters).size > 0 ? " match the filters" : ""} at ${api.base}`);
  return 0;
}

/** Runs `request` until it succeeds, waiting out a collector that is down or restarting. */
function createRetrier(api: CollectorApi, intervalMs: number, io: TailIo): <T>(request: () => Promise<T>) => Promise<T> {
  let lost = false;
  return async (request) => {
    let delayMs = intervalMs;
    for (;;) {
      try {
        const result = await request();
        if (lost) io.notice(`tracewire tail: the collector at ${api.base} is back; following on`);
        lost = false;
        return result;
      } catch (error) {
        if (!(error instanceof CollectorUnreachableError) || !error.retryable) throw error;
        if (!lost) io.notice(`tracewire tail: ${error.message}; retrying until it is back (Ctrl-C to stop)`);
        lost = true;
        await sleep(delayMs);
        delayMs = Math.min(delayMs * 2, Math.max(intervalMs, MAX_RETRY_DELAY_MS));
      }
    }
  };
}

/** Prints traces as they change, from the start of the collector's log; runs until interrupted or the reader leaves. */
async function followTraces({ api, filters, limit, intervalMs, io }: TailOptions): Promise<number> {
  if (filters.metadata !== undefined) throw new UsageError("--metadata cannot be used with --follow (changes carry no metadata)");
  const retry = createRetrier(api, intervalMs, io);
  const printedState = new Map<string, string>();
  /** Prints the trace unless it looks as it did when last printed; false once the reader is gone. */
  const show = async (trace: TraceSummary): Promise<boolean> => {
    const state = `${trace.run_count}|${trace.end_time ?? ""}|${trace.error}`;
    if (printedState.get(trace.trace_id) === state) return true;
    const runs = await unlessMissing(retry(() => api.trace(trace.trace_id)));
    if (!runs || !matchesFilters(filters, trace, runs)) return true;
    printedState.delete(trace.trace_id);
    printedState.set(trace.trace_id, state);
    if (printedState.size > MAX_REMEMBERED) printedState.delete(printedState.keys().next().value as string);
    return io.out.write(treeText(api.base, trace.trace_id, runs, trace.project));
  };

  let seq = 0;
  // The backlog: with --limit, only the most recently changed traces are printed.
  const backlog = Number.isFinite(limit) ? new Map<string, TraceSummary>() : undefined;
  for (let catchingUp = true; ; ) {
    const page = await retry(() => api.changes(seq, PAGE_SIZE));
    if (page.seq < seq) {
      io.notice(`tracewire tail: the collector's log at ${api.base} is shorter than before (a new data dir?): reading it from the start`);
    }
    seq = page.seq;
    for (const trace of page.traces) {
      if (catchingUp && backlog) {
        backlog.delete(trace.trace_id);
        backlog.set(trace.trace_id, trace);
        if (backlog.size > limit) backlog.delete(backlog.keys().next().value as string);
      } else if (!(await show(trace))) return 0;
    }
    if (page.traces.length >= PAGE_SIZE) continue; // more waiting: no pause
    if (catchingUp) {
      catchingUp = false;
      for (const trace of backlog?.values() ?? []) if (!(await show(trace))) return 0;
      backlog?.clear();
    }
    await sleep(intervalMs);
  }
}

export async function tail(args: string[], io: TailIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      url: { type: "string", default: DEFAULT_URL },
      trace: { type: "string" },
      follow: { type: "boolean", short: "f", default: false },
      limit: { type: "string" },
      interval: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
      ...Object.fromEntries(FILTER_FLAGS.map((flag) => [flag, { type: "string" as const }])),
    },
  });
  if (values.help) return (await io.out.write(`${TAIL_HELP}\n`), 0);
  if (!URL.canParse(values.url) || !/^https?:$/.test(new URL(values.url).protocol)) {
    throw new UsageError(`--url: expected an http:// URL, got ${JSON.stringify(values.url)}`);
  }
  const api = createCollectorApi(values.url);
  if (values.trace !== undefined) {
    const runs = await api.trace(values.trace).catch((error: unknown) =>
      Promise.reject(error instanceof NotFoundError ? new Error(`no trace ${values.trace} at ${api.base}`) : error),
    );
    await io.out.write(treeText(api.base, values.trace, runs, undefined));
    return 0;
  }
  const options: TailOptions = {
    api,
    filters: parseFilters(values as FilterArgs),
    limit: positiveInteger("limit", values.limit, Number.POSITIVE_INFINITY),
    intervalMs: positiveInteger("interval", values.interval, 1000),
    io,
  };
  return values.follow ? followTraces(options) : listTraces(options);
}
