/**
 * `GET /api/traces`: one page of traces, newest first, filtered, with an opaque cursor for the
 * next. Filters on runs (`q`, `name`, `run_type`, `tag`, `metadata`, `error`) are each met when
 * any run of the trace meets it; `project`, `min_ms`/`max_ms` and `since`/`until` are the trace's (its
 * root's). Each string filter is tested once per distinct string in the index's pools, then runs
 * are compared by number, so a page over a million runs is a scan of typed arrays.
 */
import { HttpError } from "./http-error.js";
import type { RunIndex, TraceSummary } from "./run-index.js";
import type { OrderPosition } from "./trace-order.js";

export interface TracePage {
  traces: TraceSummary[];
  next_cursor: string | null;
}

export const MAX_PAGE = 500;
const DEFAULT_PAGE = 50;
const MAX_FILTER_LENGTH = 1024;

export interface TraceFilter {
  limit: number;
  cursor: OrderPosition | undefined;
  q: string | undefined;
  name: string | undefined;
  runType: string | undefined;
  error: boolean | undefined;
  tag: string | undefined;
  metadata: [key: string, value: string] | undefined;
  project: string | undefined;
  minUs: number | undefined;
  maxUs: number | undefined;
  sinceUs: number | undefined;
  untilUs: number | undefined;
}

function bad(message: string): HttpError {
  return new HttpError(400, message);
}

function text(params: URLSearchParams, key: string): string | undefined {
  const value = params.get(key);
  if (value === null || value === "") return undefined;
  if (value.length > MAX_FILTER_LENGTH) throw bad(`${key}: longer than ${MAX_FILTER_LENGTH} characters`);
  return value;
}

function number(params: URLSearchParams, key: string): number | undefined {
  const value = text(params, key);
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw bad(`${key}: expected a non-negative number, got ${value.slice(0, 64)}`);
  return n;
}

function time(params: URLSearchParams, key: string): number | undefined {
  const value = text(params, key);
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) throw bad(`${key}: expected an ISO time, got ${value.slice(0, 64)}`);
  const fraction = /\.(\d{4,6})Z$/.exec(value)?.[1];
  return ms * 1000 + (fraction ? Number(fraction.padEnd(6, "0")) % 1000 : 0);
}

export function encodeCursor(position: OrderPosition): string {
  const key = Number.isFinite(position.key) ? position.key : null;
  return Buffer.from(JSON.stringify([key, position.id])).toString("base64url");
}

function decodeCursor(value: string | undefined): OrderPosition | undefined {
  if (value === undefined) return undefined;
  try {
    const [key, id] = JSON.parse(Buffer.from(value, "base64url").toString("utf8")) as unknown[];
    if ((key === null || typeof key === "number") && typeof id === "string") return { key: key ?? Number.NEGATIVE_INFINITY, id };
  } catch {}
  throw bad("cursor: not one this collector gave");
}

/** The filter a request's query string asks for; throws a 400 `HttpError` for a bad value. */
export function parseTraceFilter(params: URLSearchParams): TraceFilter {
  const limit = number(params, "limit") ?? DEFAULT_PAGE;
  const error = text(params, "error");
  if (error !== undefined && error !== "true" && error !== "false") throw bad("error: expected true or false");
  const metadata = text(params, "metadata");
  const eq = metadata?.indexOf("=") ?? -1;
  if (metadata !== undefined && eq <= 0) throw bad("metadata: expected key=value");
  const minMs = number(params, "min_ms");
  const maxMs = number(params, "max_ms");
  return {
    limit: Math.max(1, Math.min(MAX_PAGE, Math.trunc(limit))),
    cursor: decodeCursor(text(params, "cursor")),
    q: text(params, "q")?.toLowerCase(),
    name: text(params, "name"),
    runType: text(params, "run_type"),
    error: error === undefined ? undefined : error === "true",
    tag: text(params, "tag"),
    metadata: metadata === undefined ? undefined : [metadata.slice(0, eq), metadata.slice(eq + 1)],
    project: text(params, "project"),
    minUs: minMs === undefined ? undefined : minMs * 1000,
    maxUs: maxMs === undefined ? undefined : maxMs * 1000,
    sinceUs: time(params, "since"),
    untilUs: time(params, "until"),
  };
}

type RunTest = (run: number) => boolean;

/** One test per run-level filter given; undefined when one cannot match any run at all. */
function runTests(index: RunIndex, filter: TraceFilter): RunTest[] | undefined {
  const tests: RunTest[] = [];
  const exact = (id: number, column: (run: number) => number): boolean => {
    if (id < 0) return false;
    tests.push((run) => column(run) === id);
    return true;
  };
  const flagged = (flags: Uint8Array, column: (run: number) => number): void => {
    tests.push((run) => flags[column(run)] === 1);
  };
  if (filter.name !== undefined && !exact(index.names.lookup(filter.name), (r) => index.runName(r))) return undefined;
  if (filter.runType !== undefined && !exact(index.runTypes.lookup(filter.runType), (r) => index.runType(r))) return undefined;
  const q = filter.q;
  if (q !== undefined) flagged(index.names.matching((name) => name.toLowerCase().includes(q)), (r) => index.runName(r));
  const tag = filter.tag;
  if (tag !== undefined) flagged(index.tagSets.matching((tags) => (JSON.parse(tags) as string[]).includes(tag)), (r) => index.runTags(r));
  const pair = filter.metadata;
  if (pair !== undefined) {
    const wanted = JSON.stringify(pair);
    flagged(index.metaSets.matching((pairs) => pairs.includes(wanted)), (r) => index.runMeta(r));
  }
  if (filter.error === true) tests.push((run) => index.runHasError(run));
  return tests;
}

/** Whether the trace passes the trace-level filters. */
function traceMatches(index: RunIndex, filter: TraceFilter, trace: number, projectId: number): boolean {
  if (filter.error === false && index.traceError(trace)) return false;
  if (projectId !== -2 && index.runProject(index.representative(trace)) !== projectId) return false;
  if (filter.minUs !== undefined || filter.maxUs !== undefined) {
    const duration = index.traceDurationUs(trace);
    if (!Number.isFinite(duration)) return false;
    if (filter.minUs !== undefined && duration < filter.minUs) return false;
    if (filter.maxUs !== undefined && duration > filter.maxUs) return false;
  }
  return true;
}

/** Each run filter is met by some run of the trace (not necessarily the same one). */
function everyTestMet(index: RunIndex, trace: number, tests: readonly RunTest[]): boolean {
  for (const test of tests) {
    let met = false;
    for (const run of index.traceRuns(trace)) if ((met = test(run))) break;
    if (!met) return false;
  }
  return true;
}

/** One page of `filter` over the index. */
export function queryTraces(index: RunIndex, filter: TraceFilter): TracePage {
  const tests = runTests(index, filter);
  const projectId = filter.project === undefined ? -2 : index.projects.lookup(filter.project);
  if (!tests || projectId === -1) return { traces: [], next_cursor: null };
  const order = index.order;
  const count = order.length;
  let from = filter.cursor ? order.indexAfter(filter.cursor) : 0;
  if (filter.untilUs !== undefined) from = Math.max(from, order.indexAtOrBelow(filter.untilUs));
  const since = filter.sinceUs ?? Number.NEGATIVE_INFINITY;
  const traces: TraceSummary[] = [];
  let last = -1;
  for (let i = from; i < count; i++) {
    const trace = order.at(i);
    if (filter.sinceUs !== undefined && index.traceStartUs(trace) < since) break;
    if (!traceMatches(index, filter, trace, projectId) || !everyTestMet(index, trace, tests)) continue;
    if (traces.length === filter.limit) {
      const position = { key: index.traceStartUs(last), id: index.traceId(last) };
      return { traces, next_cursor: encodeCursor(position) };
    }
    traces.push(index.summary(trace));
    last = trace;
  }
  return { traces, next_cursor: null };
}
