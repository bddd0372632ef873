/**
 * Which destinations may receive tracing headers (SPEC §6): trace ids and baggage are
 * metadata about the caller, so they go only to origins the user named.
 */
import { getCurrentRunTree } from "../../context/store.js";
import { traceContextHeaders } from "../../run-tree/trace-context.js";

/** Origins (`https://api.example.com`, port included when not the default) or a predicate. */
export type OriginAllowList = readonly string[] | ((url: URL) => boolean);

export function createOriginMatcher(allow: OriginAllowList): (url: URL) => boolean {
  if (typeof allow === "function") {
    return (url) => {
      try {
        return allow(url) === true;
      } catch {
        return false;
      }
    };
  }
  // Normalised through URL so `HTTP://Api.Example.com:443/` and `https://api.example.com` compare by meaning.
  const origins = new Set(allow.map((origin) => new URL(origin).origin));
  return (url) => origins.has(url.origin);
}

/**
 * The current run's headers when `url` is allowed and a run is active, else nothing; with
 * `traceContext`, W3C `traceparent` (+ `tracestate`) beside them (SPEC §7).
 */
export function headersForOutbound(
  url: URL,
  allowed: (url: URL) => boolean,
  traceContext = false,
): Record<string, string> | undefined {
  if (!allowed(url)) return undefined;
  const run = getCurrentRunTree(true);
  if (!run) return undefined;
  if (!traceContext) return run.toHeaders();
  return { ...run.toHeaders(), ...traceContextHeaders(run) };
}
