/**
 * For the undici interceptor: a redirect followed by a layer *below* it (undici's redirect
 * interceptor composed before it) resends the first hop's headers, ours included, to wherever
 * the Location points, and the interceptor never sees that hop. Such a hop is stopped before a
 * byte of it is sent. Composed the other way round, every hop passes through the interceptor and
 * is decided by itself; undici's `fetch` follows redirects above the dispatcher, so it is never
 * stopped.
 */
import { TracewireError } from "../../core/errors.js";

/** A layer below the tracing interceptor followed a redirect with the tracing headers on it. */
export class RedirectBelowTracingError extends TracewireError {
  constructor() {
    super(
      "TW_REDIRECT_BELOW_TRACING",
      "A redirect would resend tracing headers to an origin the allow-list was not asked about: " +
        "compose createTracingInterceptor before the redirect interceptor " +
        "(agent.compose(createTracingInterceptor({ allow }), interceptors.redirect(...))), so each hop is checked.",
    );
  }
}

/** undici's redirect handler tells the layers above it about every hop so far in `context.history`. */
function isRedirectHop(context: unknown): boolean {
  const history = (context as { history?: unknown } | null | undefined)?.history;
  return Array.isArray(history) && history.length > 0;
}

type Abortable = { abort(reason?: unknown): void };

/**
 * `handler`, with its request-start callbacks (`onRequestStart` in undici 7, `onConnect` before)
 * refusing a hop that a redirect handler below started. Everything else is forwarded as it is.
 */
export function guardRedirectsBelow<H>(handler: H): H {
  const target = handler as object;
  return new Proxy(target, {
    get(object, key) {
      const value: unknown = Reflect.get(object, key, object);
      if (typeof value !== "function") return value;
      if (key === "onRequestStart") {
        return (controller: Abortable, context: unknown, ...rest: unknown[]) =>
          isRedirectHop(context) ? controller.abort(new RedirectBelowTracingError()) : value.call(object, controller, context, ...rest);
      }
      if (key === "onConnect") {
        return (abort: (reason?: unknown) => void, context: unknown, ...rest: unknown[]) =>
          isRedirectHop(context) ? abort(new RedirectBelowTracingError()) : value.call(object, abort, context, ...rest);
      }
      return value.bind(object);
    },
  }) as H;
}
