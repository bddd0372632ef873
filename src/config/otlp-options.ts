/**
 * OTLP exporter options (SPEC §7): what the user passed, else OpenTelemetry's standard
 * variables, else defaults — resolved once, validated with zod. A wrong value is a `ConfigError`
 * naming the option or the variable. Queue, batch and retry settings are the LangSmith
 * exporter's (`ClientOptions`), resolved by `resolveClientOptions`.
 *
 * - `url`: the full traces URL; else `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (used as is); else
 *   `OTEL_EXPORTER_OTLP_ENDPOINT` with `/v1/traces` appended; else `http://localhost:4318/v1/traces`.
 * - `headers`: over `OTEL_EXPORTER_OTLP_TRACES_HEADERS` over `OTEL_EXPORTER_OTLP_HEADERS`
 *   (`k=v,k2=v2`, values percent-decoded).
 * - `compression`: `OTEL_EXPORTER_OTLP_TRACES_COMPRESSION` / `OTEL_EXPORTER_OTLP_COMPRESSION`.
 * - `serviceName`: `OTEL_SERVICE_NAME`.
 */
import { z } from "zod";
import { ConfigError } from "../core/errors.js";
import { otelEnv } from "./env.js";
import { type ClientOptions, type ResolvedClientOptions, redactUrl, resolveClientOptions } from "./options.js";

export const OTLP_DEFAULTS = {
  endpoint: "http://localhost:4318",
  tracesPath: "/v1/traces",
  serviceName: "unknown_service",
  compression: "none",
  /** Runs started and not yet ended, held until their end makes them a span. */
  maxPendingRuns: 10_000,
} as const;

export type OtlpCompression = "gzip" | "none";

/** Queue, batching, retry, spill, hiding and drop options as for `Client`, plus the OTLP ones. */
export interface OtlpClientOptions
  extends Omit<ClientOptions, "apiUrl" | "apiKey" | "workspaceId" | "tracingSamplingRate"> {
  /** Full URL of the collector's traces endpoint (`https://collector:4318/v1/traces`). */
  url?: string;
  /** Sent with every export (credentials such as `x-api-key`); to this collector only. */
  headers?: Record<string, string>;
  /** The resource's `service.name`. */
  serviceName?: string;
  /** `gzip` compresses bodies of at least `gzipMinBytes`. Default `none`. */
  compression?: OtlpCompression;
  /** Runs awaiting their end at most; past it a new run is dropped (`queue_full`). */
  maxPendingRuns?: number;
}

export interface ResolvedOtlpOptions {
  /** The collector's origin: where the transport connects. */
  readonly origin: string;
  /** The traces path (with any query) on that origin. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly serviceName: string;
  readonly compression: OtlpCompression;
  readonly maxPendingRuns: number;
  readonly exporter: ResolvedClientOptions;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const urlSchema = z.string().refine((s) => URL.canParse(s) && /^https?:$/.test(new URL(s).protocol));
const headersSchema = z.record(z.string().regex(TOKEN), z.string().refine((v) => !/[\r\n\0]/.test(v)));

/** `k=v,k2=v2` with percent-decoded values (OTel's format), or `undefined` when malformed. */
function parseHeaderList(text: string): Record<string, string> | undefined {
  const headers: Record<string, string> = {};
  for (const entry of text.split(",")) {
    if (entry.trim() === "") continue;
    const eq = entry.indexOf("=");
    if (eq <= 0) return undefined;
    try {
      headers[decodeURIComponent(entry.slice(0, eq).trim())] = decodeURIComponent(entry.slice(eq + 1).trim());
    } catch {
      return undefined;
    }
  }
  return headers;
}

function check<T>(schema: z.ZodType<T>, value: unknown, name: string, expected: string, shown = value): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new ConfigError(name, expected, shown);
  return result.data;
}

function envHeaders(variable: string): Record<string, string> {
  const text = otelEnv(variable);
  if (text === undefined) return {};
  const expected = "comma-separated key=value pairs (values percent-encoded)";
  // Never echo a header value into an error: they are usually credentials.
  const shown = "[redacted]";
  return check(headersSchema, parseHeaderList(text), `OTEL_${variable}`, expected, shown);
}

function tracesUrl(user: string | undefined): URL {
  const expected = "an http(s) URL";
  const full = pick(user, "url", "EXPORTER_OTLP_TRACES_ENDPOINT");
  if (full.value !== undefined) return new URL(check(urlSchema, full.value, full.name, expected, redactUrl(full.value)));
  const base = otelEnv("EXPORTER_OTLP_ENDPOINT");
  if (base === undefined) return new URL(OTLP_DEFAULTS.tracesPath, OTLP_DEFAULTS.endpoint);
  // A base URL: the signal's path is appended (the OTLP exporter spec's rule for the generic variable).
  const text = `${base.replace(/\/+$/, "")}${OTLP_DEFAULTS.tracesPath}`;
  return new URL(check(urlSchema, text, "OTEL_EXPORTER_OTLP_ENDPOINT", expected, redactUrl(base)));
}

/** The user's value, else the first variable set, with the name an error should give. */
function pick<T>(user: T | undefined, option: string, ...variables: string[]): { value: T | string | undefined; name: string } {
  if (user !== undefined) return { value: user, name: `option \`${option}\`` };
  for (const variable of variables) {
    const value = otelEnv(variable);
    if (value !== undefined) return { value, name: `OTEL_${variable}` };
  }
  return { value: undefined, name: `option \`${option}\`` };
}

/** Resolves OTLP options over the environment over defaults; throws ConfigError on a bad value. */
export function resolveOtlpOptions(options: OtlpClientOptions = {}): ResolvedOtlpOptions {
  const { url, headers, serviceName, compression, maxPendingRuns, ...shared } = options;
  const traces = tracesUrl(url);
  const userHeaders =
    headers === undefined ? {} : check(headersSchema, headers, "option `headers`", "header names to strings", "[redacted]");
  const service = pick(serviceName, "serviceName", "SERVICE_NAME");
  const zip = pick(compression, "compression", "EXPORTER_OTLP_TRACES_COMPRESSION", "EXPORTER_OTLP_COMPRESSION");
  const resolved: ResolvedOtlpOptions = {
    origin: traces.origin,
    path: `${traces.pathname}${traces.search}`,
    headers: Object.freeze({
      ...envHeaders("EXPORTER_OTLP_HEADERS"),
      ...envHeaders("EXPORTER_OTLP_TRACES_HEADERS"),
      ...userHeaders,
    }),
    serviceName: check(z.string().min(1), service.value ?? OTLP_DEFAULTS.serviceName, service.name, "a non-empty string"),
    compression: check(z.enum(["gzip", "none"]), zip.value ?? OTLP_DEFAULTS.compression, zip.name, '"gzip" or "none"'),
    maxPendingRuns: check(
      z.number().int().positive(),
      maxPendingRuns ?? OTLP_DEFAULTS.maxPendingRuns,
      "option `maxPendingRuns`",
      "a positive integer",
    ),
    exporter: resolveClientOptions({ ...shared, apiUrl: traces.origin }),
  };
  return Object.freeze(resolved);
}
