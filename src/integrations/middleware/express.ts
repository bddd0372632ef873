/** Express (and Connect-style) middleware: `app.use(expressTracing())`. */
import type { IncomingMessage, ServerResponse } from "node:http";
import { type TracingMiddlewareOptions, endRequest, runInRequest, startRequest } from "./request-run.js";

type ExpressRequest = IncomingMessage & { path?: string; route?: { path?: string }; baseUrl?: string };

/**
 * Continues the caller's trace for every request.
 * @example
 * app.use(expressTracing({ requestRun: true }));
 * app.post("/", async (req, res) => res.send(await server(req.body)));
 */
export function expressTracing(options: TracingMiddlewareOptions = {}) {
  return function tracewireTracing(req: ExpressRequest, res: ServerResponse, next: (err?: unknown) => void): void {
    const context = startRequest(options, {
      method: req.method ?? "GET",
      route: req.path ?? req.url ?? "/",
      headers: req.headers,
      remoteAddress: req.socket.remoteAddress,
    });
    if (context.requestRun) {
      const end = (): void => {
        const route = req.route?.path === undefined ? undefined : `${req.baseUrl ?? ""}${req.route.path}`;
        endRequest(context, { status: res.statusCode, route });
      };
      res.once("finish", end);
      res.once("close", end);
    }
    runInRequest(context, () => next());
  };
}
