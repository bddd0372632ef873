/** Koa middleware: `app.use(koaTracing())`. */
import type { IncomingMessage } from "node:http";
import { type TracingMiddlewareOptions, endRequest, runInRequest, startRequest } from "./request-run.js";

/** The part of Koa's Context this middleware reads (structural: Koa is an optional peer). */
interface KoaContext {
  method: string;
  path: string;
  status: number;
  req: IncomingMessage;
  _matchedRoute?: string;
}

/**
 * @example
 * app.use(koaTracing({ requestRun: true }));
 */
export function koaTracing(options: TracingMiddlewareOptions = {}) {
  return async function tracewireTracing(ctx: KoaContext, next: () => Promise<unknown>): Promise<void> {
    const context = startRequest(options, {
      method: ctx.method,
      route: ctx.path,
      headers: ctx.req.headers,
      remoteAddress: ctx.req.socket.remoteAddress,
    });
    try {
      await runInRequest(context, next);
      endRequest(context, { status: ctx.status, route: ctx._matchedRoute });
    } catch (error) {
      endRequest(context, { status: 500, route: ctx._matchedRoute, error });
      throw error;
    }
  };
}
