/**
 * `tail`'s filters: the collector's `/api/traces` query parameters, checked once here so a typo
 * is a usage error, not an empty list. `--follow` reads `/api/changes`, which has no filters, so
 * there the same filters are checked on each changed trace (its summary and its runs).
 */
import type { RunSummary, TraceSummary } from "./collector-api.js";

export class UsageError extends Error {}

export interface TailFilters {
  q?: string;
  name?: string;
  runType?: string;
  error?: boolean;
  tag?: string;
  metadata?: string;
  project?: string;
  minMs?: number;
  maxMs?: number;
  since?: string;
  until?: string;
}

export const FILTER_FLAGS = ["q", "name", "run-type", "error", "tag", "metadata", "project", "min-ms", "max-ms", "since", "until"] as const;

export type FilterArgs = Partial<Record<(typeof FILTER_FLAGS)[number], string>>;

const quoted = (value: string): string => JSON.stringify(value);

function milliseconds(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n < 0) {
    throw new UsageError(`--${flag}: expected a number of milliseconds, got ${quoted(value)}`);
  }
  return n;
}

function time(flag: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (Number.isNaN(Date.parse(value))) throw new UsageError(`--${flag}: expected an ISO time (2026-03-14T15:09:26Z), got ${JSON.stringify(value)}`);
  return new Date(value).toISOString();
}

export function parseFilters(args: FilterArgs): TailFilters {
  const error = args.error;
  if (error !== undefined && error !== "true" && error !== "false") throw new UsageError(`--error: expected true or false, got ${quoted(error)}`);
  if (args.metadata !== undefined && !/^[^=]+=/.test(args.metadata)) {
    throw new UsageError(`--metadata: expected key=value, got ${quoted(args.metadata)}`);
  }
  return {
    q: args.q,
    name: args.name,
    runType: args["run-type"],
    error: error === undefined ? undefined : error === "true",
    tag: args.tag,
    metadata: args.metadata,
    project: args.project,
    minMs: milliseconds("min-ms", args["min-ms"]),
    maxMs: milliseconds("max-ms", args["max-ms"]),
    since: time("since", args.since),
    until: time("until", args.until),
  };
}

/** The filters as `/api/traces` query parameters. */
export function filterParams(filters: TailFilters): URLSearchParams {
  const params = new URLSearchParams();
  const set = (key: string, value: string | number | boolean | undefined): void => {
    if (value !== undefined) params.set(key, String(value));
  };
  set("q", filters.q);
  set("name", filters.name);
  set("run_type", filters.runType);
  set("error", filters.error);
  set("tag", filters.tag);
  set("metadata", filters.metadata);
  set("project", filters.project);
  set("min_ms", filters.minMs);
  set("max_ms", filters.maxMs);
  set("since", filters.since);
  set("until", filters.until);
  return params;
}

const hasError = (run: RunSummary): boolean => run.error === true || (typeof run.error === "string" && run.error !== "");

/** Whether a changed trace passes the filters, as `/api/traces` would decide (used by --follow). */
export function matchesFilters(filters: TailFilters, trace: TraceSummary, runs: readonly RunSummary[]): boolean {
  const q = filters.q?.toLowerCase();
  if (q !== undefined && !runs.some((run) => (run.name ?? "").toLowerCase().includes(q))) return false;
  if (filters.name !== undefined && !runs.some((run) => run.name === filters.name)) return false;
  if (filters.runType !== undefined && !runs.some((run) => run.run_type === filters.runType)) return false;
  if (filters.tag !== undefined && !runs.some((run) => run.tags?.includes(filters.tag as string))) return false;
  if (filters.error !== undefined && runs.some(hasError) !== filters.error) return false;
  if (filters.project !== undefined && trace.project !== filters.project) return false;
  const duration = trace.duration_ms ?? undefined;
  if (filters.minMs !== undefined && (duration === undefined || duration < filters.minMs)) return false;
  if (filters.maxMs !== undefined && (duration === undefined || duration > filters.maxMs)) return false;
  const start = trace.start_time ? Date.parse(trace.start_time) : Number.NaN;
  if (filters.since !== undefined && !(start >= Date.parse(filters.since))) return false;
  if (filters.until !== undefined && !(start <= Date.parse(filters.until))) return false;
  return true;
}
