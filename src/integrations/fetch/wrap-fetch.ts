/**
 * An opt-in `fetch` that sends the current run's `langsmith-trace` + `baggage` (and, with
 * `traceContext`, W3C `traceparent` + `tracestate`) to allowed origins, hop by hop: a redirect
 * to an origin off the allow-list receives only the caller's own headers.
 */
import { type OriginAllowList, createOriginMatcher, headersForOutbound } from "./allow-list.js";
import { fetchHopByHop, redirectModeOf } from "./redirects.js";

export interface TracingFetchOptions {
  /** Origins that may receive tracing headers. Nothing else does, redirect targets included. */
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

/** A new Headers: never mutate the caller's, which may be reused for other destinations. */
function withTracing(callerHeaders: HeadersInit | undefined, extra: Record<string, string> | undefined): Headers {
  const headers = new Headers(callerHeaders);
  if (extra) for (const [name, value] of Object.entries(extra)) headers.set(name, value);
  return headers;
}

/**
 * @example
 * const tracedFetch = createTracingFetch({ allow: ["https://api.internal.example"] });
 * await tracedFetch("https://api.internal.example/v1", { method: "POST", body });
 */
export function createTracingFetch(options: TracingFetchOptions): typeof fetch {
  const allowed = createOriginMatcher(options.allow);
  const tracingFor = (url: URL): Record<string, string> | undefined => headersForOutbound(url, allowed, options.traceContext);
  return function tracingFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    const base = options.fetch ?? globalThis.fetch;
    const url = urlOf(input);
    const extra = url && tracingFor(url);
    // Nothing of ours in the request: fetch as the caller asked, redirects and all.
    if (!url || !extra) return base(input, init);
    const callerHeaders = init?.headers ?? (input instanceof Request ? input.headers : undefined);
    // "manual" and "error" never send a second hop.
    if (redirectModeOf(input, init) !== "follow") return base(input, { ...init, headers: withTracing(callerHeaders, extra) });
    return fetchHopByHop(base, input, init, url, (hop, headers) => withTracing(headers, hop === url ? extra : tracingFor(hop)));
  };
}
