/**
 * An undici interceptor (`dispatcher.compose(createTracingInterceptor({ allow }))`) that adds the
 * current run's headers to requests bound for allowed origins. Composed before undici's redirect
 * interceptor, each redirect hop passes through it and is decided by itself (SPEC §11).
 */
import { type OriginAllowList, createOriginMatcher, headersForOutbound } from "./allow-list.js";
import { guardRedirectsBelow } from "./redirect-guard.js";

/** The header shapes undici's dispatch accepts: an object, a flat `[name, value, …]` list, or pairs. */
type DispatchHeaders =
  | Record<string, string | string[] | undefined>
  | readonly string[]
  | Iterable<readonly [string, string | string[] | undefined]>
  | null;

/** The slice of undici's dispatch options this interceptor reads and rewrites. */
interface DispatchOptions {
  origin?: string | URL;
  path: string;
  headers?: DispatchHeaders;
}
/**
 * Generic over undici's own option and handler types, so the interceptor is assignable to the
 * `DispatcherComposeInterceptor` of whichever undici the caller composes it into.
 */
type Dispatch<O, H> = (options: O, handler: H) => boolean;

function withHeaders(existing: DispatchHeaders | undefined, extra: Record<string, string>): DispatchHeaders {
  const names = new Set(Object.keys(extra));
  if (Array.isArray(existing)) {
    // Flat [name, value, name, value, …]: drop any copy of ours, append ours.
    const kept: string[] = [];
    for (let i = 0; i + 1 < existing.length; i += 2) {
      if (!names.has(String(existing[i]).toLowerCase())) kept.push(existing[i] as string, existing[i + 1] as string);
    }
    for (const [name, value] of Object.entries(extra)) kept.push(name, value);
    return kept;
  }
  const merged: Record<string, string | string[] | undefined> = {};
  const entries =
    existing && Symbol.iterator in existing
      ? [...(existing as Iterable<readonly [string, string | string[] | undefined]>)]
      : Object.entries(existing ?? {});
  for (const [name, value] of entries) if (!names.has(name.toLowerCase())) merged[name] = value;
  return Object.assign(merged, extra);
}

export interface TracingInterceptorOptions {
  /** Origins that may receive tracing headers. Nothing else does. */
  allow: OriginAllowList;
  /** Also send W3C `traceparent` (+ `tracestate`), for OpenTelemetry-instrumented services. Default false. */
  traceContext?: boolean;
}

/**
 * Compose it before the redirect interceptor: composed after it, a redirect of a traced request
 * is refused (`RedirectBelowTracingError`) rather than sent on with the headers.
 * @example
 * const agent = new Agent().compose(
 *   createTracingInterceptor({ allow: ["http://billing.internal:8080"] }),
 *   interceptors.redirect({ maxRedirections: 5 }),
 * );
 */
export function createTracingInterceptor(options: TracingInterceptorOptions) {
  const allowed = createOriginMatcher(options.allow);
  return <O extends DispatchOptions, H>(dispatch: Dispatch<O, H>): Dispatch<O, H> =>
    function tracingDispatch(opts, handler) {
      let url: URL | undefined;
      try {
        url = opts.origin === undefined ? undefined : new URL(opts.path, opts.origin);
      } catch {
        url = undefined;
      }
      const extra = url && headersForOutbound(url, allowed, options.traceContext);
      if (!extra) return dispatch(opts, handler);
      return dispatch({ ...opts, headers: withHeaders(opts.headers, extra) }, guardRedirectsBelow(handler));
    };
}
