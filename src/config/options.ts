/**
 * Client options: what the user passed, else the environment, else DEFAULTS — resolved once,
 * validated with zod, frozen. A wrong value is a `ConfigError` naming the option or variable.
 */
import { z } from "zod";
import { ConfigError } from "../core/errors.js";
import type { KVMap } from "../core/types.js";
import { langsmithEnv } from "./env.js";

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
} as const;

export type DropReason = "queue_full" | "rejected" | "retries_exhausted" | "too_large";

/** A dropped run, as the `onDrop` hook sees it. */
export interface DroppedRun {
  id: string;
  traceId: string;
}

export type HidePolicy = boolean | ((payload: KVMap) => KVMap);

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
  /** A fetch to use instead of undici (tests, proxies, edge runtimes). */
  fetch?: typeof fetch;
}

const positiveInt = z.number().int().positive();
const nonNegativeInt = z.number().int().nonnegative();
const url = z
  .string()
  .refine((s) => URL.canParse(s) && /^https?:$/.test(new URL(s).protocol), "an http(s) URL");
const hide = z.union([z.boolean(), z.custom<(p: KVMap) => KVMap>((v) => typeof v === "function", "a function")]);

const schema = z.object({
  apiUrl: url,
  apiKey: z.string().min(1).optional(),
  workspaceId: z.string().min(1).optional(),
  hideInputs: hide,
  hideOutputs: hide,
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
  fetch: z.custom<typeof fetch>((v) => typeof v === "function").optional(),
});

export type ResolvedClientOptions = Readonly<z.infer<typeof schema>>;

/** Where each option comes from when not given, for error messages. */
const ENV_NAMES: Partial<Record<keyof ClientOptions, string>> = {
  apiUrl: "LANGSMITH_ENDPOINT",
  apiKey: "LANGSMITH_API_KEY",
  workspaceId: "LANGSMITH_WORKSPACE_ID",
  hideInputs: "LANGSMITH_HIDE_INPUTS",
  hideOutputs: "LANGSMITH_HIDE_OUTPUTS",
  tracingSamplingRate: "LANGSMITH_TRACING_SAMPLING_RATE",
};

function envBoolean(name: string): boolean | string | undefined {
  const value = langsmithEnv(name);
  if (value === undefined) return undefined;
  const lower = value.toLowerCase();
  return lower === "true" ? true : lower === "false" ? false : value;
}

function envNumber(name: string): number | string | undefined {
  const value = langsmithEnv(name);
  if (value === undefined) return undefined;
  const n = Number(value);
  return value.trim() === "" || Number.isNaN(n) ? value : n;
}

/** Resolves user options over the environment over DEFAULTS; throws ConfigError on a bad value. */
export function resolveClientOptions(options: ClientOptions = {}): ResolvedClientOptions {
  const fromEnv = {
    apiUrl: langsmithEnv("ENDPOINT"),
    apiKey: langsmithEnv("API_KEY"),
    workspaceId: langsmithEnv("WORKSPACE_ID"),
    hideInputs: envBoolean("HIDE_INPUTS"),
    hideOutputs: envBoolean("HIDE_OUTPUTS"),
    tracingSamplingRate: envNumber("TRACING_SAMPLING_RATE"),
  };
  const merged: Record<string, unknown> = { ...DEFAULTS, hideInputs: false, hideOutputs: false };
  for (const [key, value] of Object.entries(fromEnv)) if (value !== undefined) merged[key] = value;
  for (const [key, value] of Object.entries(options)) if (value !== undefined) merged[key] = value;
  const result = schema.safeParse(merged);
  if (!result.success) {
    const issue = result.error.issues[0];
    const key = String(issue?.path[0] ?? "options") as keyof ClientOptions;
    const fromUser = options[key] !== undefined;
    const name = fromUser ? `option \`${key}\`` : (ENV_NAMES[key] ?? `option \`${key}\``);
    // Never echo a credential into an error message (they end up in logs).
    const given = key === "apiKey" ? "[redacted]" : merged[key];
    throw new ConfigError(name, issue?.message ?? "a valid value", given);
  }
  let apiUrl = result.data.apiUrl;
  while (apiUrl.endsWith("/")) apiUrl = apiUrl.slice(0, -1);
  const resolved = { ...result.data, apiUrl };
  return Object.freeze(resolved);
}
