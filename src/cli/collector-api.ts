/**
 * The collector's read API as the CLI uses it (the issue-16 contract: /api/traces with a cursor,
 * /api/traces/:id, /api/changes), with errors that say which URL failed and the likely cause.
 */
import { DEFAULT_URL } from "./help.js";

/** A trace in the list (the root's fields; `error` if any run has one). */
export interface TraceSummary {
  trace_id: string;
  name: string;
  run_type?: string;
  project?: string | null;
  start_time?: string | null;
  end_time?: string | null;
  duration_ms?: number | null;
  run_count: number;
  error: boolean;
  tags?: string[] | null;
}

/** A run of a trace's tree, without its bodies. */
export interface RunSummary {
  id: string;
  name?: string;
  run_type?: string;
  parent_run_id?: string | null;
  dotted_order?: string;
  start_time?: string | null;
  end_time?: string | null;
  error?: boolean | string | null;
  tags?: string[] | null;
  event_count?: number;
}

export interface TracePage {
  traces: TraceSummary[];
  next_cursor: string | null;
}

export interface ChangesPage {
  traces: TraceSummary[];
  seq: number;
}

/** Why a request to the collector failed, in words for the person at the terminal. */
export class CollectorUnreachableError extends Error {
  constructor(message: string, readonly retryable: boolean) {
    super(message);
  }
}

export class NotFoundError extends Error {}

/** The request's result, or undefined when the collector has no such thing (a trace gone meanwhile). */
export function unlessMissing<T>(request: Promise<T>): Promise<T | undefined> {
  return request.catch((error: unknown) => (error instanceof NotFoundError ? undefined : Promise.reject(error)));
}

const REQUEST_TIMEOUT_MS = 10_000;

function causeOf(error: unknown): string | undefined {
  const cause = (error as { cause?: { code?: unknown } } | undefined)?.cause;
  return typeof cause?.code === "string" ? cause.code : undefined;
}

function unreachable(base: string, url: string, error: unknown): CollectorUnreachableError {
  const code = causeOf(error);
  const start = base === DEFAULT_URL ? "start one with `npx tracewire dev`" : `start one with \`npx tracewire dev\`, or check --url`;
  if (code === "ECONNREFUSED" || code === "ECONNRESET" || code === "UND_ERR_SOCKET") {
    return new CollectorUnreachableError(`no collector at ${base} — ${start}`, true);
  }
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return new CollectorUnreachableError(`cannot resolve the host of ${base} — check --url`, false);
  if ((error as Error | undefined)?.name === "TimeoutError") {
    return new CollectorUnreachableError(`the collector at ${base} did not answer ${url} within ${REQUEST_TIMEOUT_MS / 1000} s`, true);
  }
  const reason = code ?? (error as Error | undefined)?.message ?? "unknown error";
  return new CollectorUnreachableError(`cannot reach the collector at ${base} (${reason})`, true);
}

async function errorText(response: Response): Promise<string> {
  const text = (await response.text().catch(() => "")).slice(0, 300);
  try {
    const json = JSON.parse(text) as { error?: unknown };
    if (typeof json.error === "string") return json.error;
  } catch {
    // not JSON: the text as it is
  }
  return text.trim();
}

export interface CollectorApi {
  readonly base: string;
  traces(params: URLSearchParams): Promise<TracePage>;
  trace(traceId: string): Promise<RunSummary[]>;
  changes(after: number, limit: number): Promise<ChangesPage>;
}

export function createCollectorApi(url: string): CollectorApi {
  const base = url.replace(/\/+$/, "");
  const getJson = async (path: string): Promise<unknown> => {
    const target = `${base}${path}`;
    let response: Response;
    try {
      response = await fetch(target, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    } catch (error) {
      throw unreachable(base, target, error);
    }
    if (response.status === 404) throw new NotFoundError(`${target}: not found (${await errorText(response)})`);
    if (!response.ok) {
      const retryable = response.status >= 500;
      throw new CollectorUnreachableError(`${target}: HTTP ${response.status} ${await errorText(response)}`.trim(), retryable);
    }
    try {
      return await response.json();
    } catch {
      throw new CollectorUnreachableError(`${target} did not answer JSON — is ${base} a tracewire collector?`, false);
    }
  };
  return {
    base,
    async traces(params) {
      const json = await getJson(`/api/traces?${params}`);
      // A collector from before paging answered a bare list.
      if (Array.isArray(json)) return { traces: json as TraceSummary[], next_cursor: null };
      return json as TracePage;
    },
    async trace(traceId) {
      return ((await getJson(`/api/traces/${encodeURIComponent(traceId)}`)) as { runs: RunSummary[] }).runs;
    },
    async changes(after, limit) {
      try {
        return (await getJson(`/api/changes?after=${after}&limit=${limit}`)) as ChangesPage;
      } catch (error) {
        if (error instanceof NotFoundError) {
          throw new CollectorUnreachableError(`${base} has no /api/changes: --follow needs a newer \`tracewire dev\``, false);
        }
        throw error;
      }
    },
  };
}
