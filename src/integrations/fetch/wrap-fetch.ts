/**
 * An opt-in `fetch` that sends the current run's `langsmith-trace` + `baggage` (and, with
 * `traceContext`, W3C `traceparent` + `tracestate`) to allowed origins.
 */
import { type OriginAllowList, createOriginMatcher, headersForOutbound } from "./allow-list.js";

export interface TracingFetchOptions {
  /** Origins that may receive tracing headers. Nothing else does. */
  allow: OriginAllowList;
  /** The fetch to wrap (default: the global fetch at the time of the call). */
  fetch?: typeof fetch;
  /** Also send W3C `traceparent` (+ `tracestate`), for OpenTelemetry-instrumented services. Default false. */
  traceContext?: boolean;
}

function urlOf(input: RequestInfo | URL): URL | undefined {
  try {
    return new URL(typeof input === "string" ? input : input instanceof URL ? input.href : input.url);
  } catch {
    return undefined;
  }
}

/**
 * @example
 * const tracedFetch = createTracingFetch({ allow: ["https://api.internal.example"] });
 * await tracedFetch("https://api.internal.example/v1", { method: "POST", body });
 */
export function createTracingFetch(options: TracingFetchOptions): typeof fetch {
  const allowed = createOriginMatcher(options.allow);
  return function tracingFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    const base = options.fetch ?? globalThis.fetch;
    const url = urlOf(input);
    const extra = url && headersForOutbound(url, allowed, options.traceContext);
    if (!extra) return base(input, init);
    // A new Headers: never mutate the caller's, which may be reused for other destinations.
    const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
    for (const [name, value] of Object.entries(extra)) headers.set(name, value);
    return base(input, { ...init, headers });
  };
}
