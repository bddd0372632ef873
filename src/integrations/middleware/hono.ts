/** Hono middleware: `app.use(honoTracing())`. */
import { type TracingMiddlewareOptions, endRequest, runInRequest, startRequest } from "./request-run.js";

/** The part of Hono's Context this middleware reads (kept structural: Hono is an optional peer). */
interface HonoContext {
  req: { method: string; path: string; routePath?: string; raw: Request };
  res: Response;
  env?: unknown;
  /** Set by Hono when a handler threw and `onError` turned it into the response. */
  error?: Error;
}

function remoteAddressOf(env: unknown): string | undefined {
  // @hono/node-server puts the Node request on `env.incoming`.
  const incoming = (env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  return incoming?.socket?.remoteAddress;
}

/**
 * The pattern of the route that answered. After `next()` Hono's route index points at the last
 * handler that ran; when no route matched that is a wildcard middleware (ours, a logger's), which
 * names nothing, so the path stays.
 */
function routeOf(req: HonoContext["req"]): string | undefined {
  const route = req.routePath;
  return route === undefined || route === "*" || route === "/*" ? undefined : route;
}

/**
 * @example
 * app.use(honoTracing({ requestRun: true }));
 */
export function honoTracing(options: TracingMiddlewareOptions = {}) {
  return async function tracewireTracing(c: HonoContext, next: () => Promise<void>): Promise<void> {
    const context = startRequest(options, {
      method: c.req.method,
      route: c.req.path,
      headers: c.req.raw.headers,
      remoteAddress: remoteAddressOf(c.env),
    });
    try {
      await runInRequest(context, next);
      // A handler's throw does not reach us: Hono's compose answers it with `onError` and keeps it on `c.error`.
      endRequest(context, { status: c.res.status, route: routeOf(c.req), error: c.error });
    } catch (error) {
      endRequest(context, { status: 500, route: routeOf(c.req), error });
      throw error;
    }
  };
}
