/**
 * Client options: what the user passed, else the environment, else DEFAULTS — resolved once,
 * validated with zod, frozen. A wrong value is a `ConfigError` naming the option or variable.
 */
import { z } from "zod";
import { ConfigError } from "../core/errors.js";
import type { KVMap } from "../core/types.js";
import { langsmithEnv, tracewireEnv } from "./env.js";

export const DEFAULTS = {
  apiUrl: "https://api.smith.langchain.com",
  maxQueueBytes: 256 * 1024 * 1024,
  maxBatchRuns: 500,
  maxBatchBytes: 20 * 1024 * 1024,
  flushDelayMs: 100,
  maxInFlightBatches: 4,
  requestTimeoutMs: 30_000,
  retryDeadlineMs: 60_000,
  retryBaseDelayMs: 100,
  retryMaxDelayMs: 10_000,
  exitFlushTimeoutMs: 10_000,
  gzipMinBytes: 64 * 1024,
  maxStringLength: 4 * 1024 * 1024,
  tracingSamplingRate: 1,
  warnings: true,
  /** At most one drop warning per reason in this long; later drops are summed into the next. */
  warningIntervalMs: 60_000,
} as const;

/**
 * Why runs were dropped. `invalid_id`: the run's id, trace_id or parent_run_id is not a UUID
 * (LangSmith requires UUIDs, and an id is written into its multipart part names).
 */
export type DropReason = "queue_full" | "rejected" | "retries_exhausted" | "too_large" | "invalid_id";

/**
 * A warning about dropped runs, as `onWarning` sees it (and as stderr shows `message`): at most
 * one per reason per `warningIntervalMs`, counting the runs dropped since the previous one.
 */
export interface DropWarning {
  reason: DropReason;
  /** Runs dropped for this reason since the previous warning for it (or since the start). */
  runs: number;
  /** The backend's HTTP status, when it answered. */
  status?: number;
  /** The backend's answer or the failure, bounded in length, credentials redacted. */
  detail?: string;
  /** The whole warning in words, as printed. */
  message: string;
}

/** A dropped run, as the `onDrop` hook sees it. */
export interface DroppedRun {
  id: string;
  traceId: string;
}

/** `true` records `{}`; a function redacts (it may be async, as in LangSmith). */
export type HidePolicy = boolean | ((payload: KVMap) => KVMap | Promise<KVMap>);

export interface ClientOptions {
  /** Backend base URL; env `LANGSMITH_ENDPOINT`. */
  apiUrl?: string;
  /** Sent as `x-api-key`, to `apiUrl` only; env `LANGSMITH_API_KEY`. */
  apiKey?: string;
  /** Sent as `x-tenant-id`; env `LANGSMITH_WORKSPACE_ID`. */
  workspaceId?: string;
  /** `true` records `{}`; a function redacts. Env `LANGSMITH_HIDE_INPUTS`. */
  hideInputs?: HidePolicy;
  hideOutputs?: HidePolicy;
  /** The same for `extra.metadata`; env `LANGSMITH_HIDE_METADATA`. */
  hideMetadata?: HidePolicy;
  /** Share of traces kept, decided at the root; env `LANGSMITH_TRACING_SAMPLING_RATE`. */
  tracingSamplingRate?: number;
  maxQueueBytes?: number;
  maxBatchRuns?: number;
  maxBatchBytes?: number;
  flushDelayMs?: number;
  maxInFlightBatches?: number;
  requestTimeoutMs?: number;
  /** A batch still failing this long after its first attempt is given up. */
  retryDeadlineMs?: number;
  retryBaseDelayMs?: number;
  retryMaxDelayMs?: number;
  /** How long pending runs may hold a process that is otherwise done. */
  exitFlushTimeoutMs?: number;
  /** Bodies at least this large are gzipped when the server accepts gzip. */
  gzipMinBytes?: number;
  /** Longer strings in payloads are cut (and counted), so one value cannot stall the loop. */
  maxStringLength?: number;
  /** Failed batches are written here instead of dropped; `replaySpilled()` sends them later. */
  spillDirectory?: string;
  /** Called for every run that is dropped, with the reason. */
  onDrop?: (reason: DropReason, runs: readonly DroppedRun[]) => void;
  /** Warn about dropped runs on stderr (once per reason per minute); env `TRACEWIRE_WARNINGS`. */
  warnings?: boolean;
  /** Receives each drop warning instead of stderr (logging frameworks, tests). */
  onWarning?: (warning: DropWarning) => void;
  /** At most one warning per drop reason in this long. */
  warningIntervalMs?: number;
  /** A fetch to use instead of undici (tests, proxies, edge runtimes). */
  fetch?: typeof fetch;
}

const positiveInt = z.number().int().positive();
const nonNegativeInt = z.number().int().nonnegative();
const url = z
  .string()
  .refine((s) => URL.canParse(s) && /^https?:$/.test(new URL(s).protocol), "an http(s) URL");
const hide = z.union([z.boolean(), z.custom<(p: KVMap) => KVMap | Promise<KVMap>>((v) => typeof v === "function", "a function")]);

const schema = z.object({
  apiUrl: url,
  apiKey: z.string().min(1).optional(),
  workspaceId: z.string().min(1).optional(),
  hideInputs: hide,
  hideOutputs: hide,
  hideMetadata: hide,
  tracingSamplingRate: z.number().min(0).max(1),
  maxQueueBytes: positiveInt,
  maxBatchRuns: positiveInt,
  maxBatchBytes: positiveInt,
  flushDelayMs: nonNegativeInt,
  maxInFlightBatches: positiveInt,
  requestTimeoutMs: positiveInt,
  retryDeadlineMs: nonNegativeInt,
  retryBaseDelayMs: nonNegativeInt,
  retryMaxDelayMs: nonNegativeInt,
  exitFlushTimeoutMs: nonNegativeInt,
  gzipMinBytes: nonNegativeInt,
  maxStringLength: positiveInt,
  spillDirectory: z.string().min(1).optional(),
  onDrop: z.custom<NonNullable<ClientOptions["onDrop"]>>((v) => typeof v === "function").optional(),
  warnings: z.boolean(),
  onWarning: z.custom<NonNullable<ClientOptions["onWarning"]>>((v) => typeof v === "function").optional(),
  warningIntervalMs: nonNegativeInt,
  fetch: z.custom<typeof fetch>((v) => typeof v === "function").optional(),
});

export type ResolvedClientOptions = Readonly<z.infer<typeof schema>>;

/** What each option must be, in words, for error messages (zod's own are generic). */
const EXPECTED: Record<keyof ClientOptions, string> = {
  apiUrl: "an http(s) URL",
  apiKey: "a non-empty string",
  workspaceId: "a non-empty string",
  hideInputs: "true, false or a function",
  hideOutputs: "true, false or a function",
  hideMetadata: "true, false or a function",
  tracingSamplingRate: "a number from 0 to 1",
  maxQueueBytes: "a positive integer",
  maxBatchRuns: "a positive integer",
  maxBatchBytes: "a positive integer",
  flushDelayMs: "an integer >= 0",
  maxInFlightBatches: "a positive integer",
  requestTimeoutMs: "a positive integer",
  retryDeadlineMs: "an integer >= 0",
  retryBaseDelayMs: "an integer >= 0",
  retryMaxDelayMs: "an integer >= 0",
  exitFlushTimeoutMs: "an integer >= 0",
  gzipMinBytes: "an integer >= 0",
  maxStringLength: "a positive integer",
  spillDirectory: "a non-empty string",
  onDrop: "a function",
  warnings: "true or false",
  onWarning: "a function",
  warningIntervalMs: "an integer >= 0",
  fetch: "a function",
};

/** Where each option comes from when not given, for error messages. */
const ENV_NAMES: Partial<Record<keyof ClientOptions, string>> = {
  apiUrl: "LANGSMITH_ENDPOINT",
  apiKey: "LANGSMITH_API_KEY",
  workspaceId: "LANGSMITH_WORKSPACE_ID",
  hideInputs: "LANGSMITH_HIDE_INPUTS",
  hideOutputs: "LANGSMITH_HIDE_OUTPUTS",
  hideMetadata: "LANGSMITH_HIDE_METADATA",
  tracingSamplingRate: "LANGSMITH_TRACING_SAMPLING_RATE",
  warnings: "TRACEWIRE_WARNINGS",
};

function envBoolean(value: string | undefined): boolean | string | undefined {
  if (value === undefined) return undefined;
  const lower = value.toLowerCase();
  return lower === "true" ? true : lower === "false" ? false : value;
}

function envNumber(value: string | undefined): number | string | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  return value.trim() === "" || Number.isNaN(n) ? value : n;
}

/** A URL as it may appear in an error: without its user info (`https://user:token@host`). */
export function redactUrl(value: unknown): unknown {
  return typeof value === "string" ? value.replace(/\/\/[^/?#]*@/, "//[redacted]@") : value;
}

/** Resolves user options over the environment over DEFAULTS; throws ConfigError on a bad value. */
export function resolveClientOptions(options: ClientOptions = {}): ResolvedClientOptions {
  // langsmith's other Client options are accepted and ignored, except one whose silent absence
  // would leak data: a user who asked for redaction must hear that it is not done this way.
  if ((options as { anonymizer?: unknown }).anonymizer !== undefined) {
    throw new ConfigError("option `anonymizer`", "hideInputs / hideOutputs functions (langsmith's anonymizer is not supported)", "a function");
  }
  // The variables' text, as the user wrote it (error messages echo this, not the parsed value).
  const envText: Partial<Record<keyof ClientOptions, string | undefined>> = {
    apiUrl: langsmithEnv("ENDPOINT"),
    apiKey: langsmithEnv("API_KEY"),
    workspaceId: langsmithEnv("WORKSPACE_ID"),
    hideInputs: langsmithEnv("HIDE_INPUTS"),
    hideOutputs: langsmithEnv("HIDE_OUTPUTS"),
    hideMetadata: langsmithEnv("HIDE_METADATA"),
    tracingSamplingRate: langsmithEnv("TRACING_SAMPLING_RATE"),
    warnings: tracewireEnv("WARNINGS"),
  };
  const fromEnv = {
    ...envText,
    hideInputs: envBoolean(envText.hideInputs),
    hideOutputs: envBoolean(envText.hideOutputs),
    hideMetadata: envBoolean(envText.hideMetadata),
    tracingSamplingRate: envNumber(envText.tracingSamplingRate),
    warnings: envBoolean(envText.warnings),
  };
  const merged: Record<string, unknown> = { ...DEFAULTS, hideInputs: false, hideOutputs: false, hideMetadata: false };
  for (const [key, value] of Object.entries(fromEnv)) if (value !== undefined) merged[key] = value;
  for (const [key, value] of Object.entries(options)) if (value !== undefined) merged[key] = value;
  const result = schema.safeParse(merged);
  if (!result.success) {
    const issue = result.error.issues[0];
    const key = String(issue?.path[0] ?? "options") as keyof ClientOptions;
    const fromUser = options[key] !== undefined;
    const name = fromUser ? `option \`${key}\`` : (ENV_NAMES[key] ?? `option \`${key}\``);
    let given: unknown = fromUser ? options[key] : envText[key];
    // JSON has no NaN or Infinity: show them as what they are, not as `null`.
    if (typeof given === "number" && !Number.isFinite(given)) given = String(given);
    // Never echo a credential into an error message (they end up in logs).
    if (key === "apiKey") given = "[redacted]";
    else if (key === "apiUrl") given = redactUrl(given);
    // A variable cannot hold a function.
    const expected = !fromUser && (key === "hideInputs" || key === "hideOutputs" || key === "hideMetadata") ? "true or false" : EXPECTED[key];
    throw new ConfigError(name, expected ?? issue?.message ?? "a valid value", given);
  }
  let apiUrl = result.data.apiUrl;
  while (apiUrl.endsWith("/")) apiUrl = apiUrl.slice(0, -1);
  const resolved = { ...result.data, apiUrl };
  return Object.freeze(resolved);
}
