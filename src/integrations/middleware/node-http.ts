/** Plain `node:http` handlers: `createServer(withNodeTracing(handler))`. */
import type { IncomingMessage, ServerResponse } from "node:http";
import { type TracingMiddlewareOptions, endRequest, runInRequest, startRequest } from "./request-run.js";

type NodeHandler<Req extends IncomingMessage, Res extends ServerResponse> = (req: Req, res: Res) => unknown;

/**
 * Wraps a request listener so it runs in the caller's trace.
 * @example
 * http.createServer(withNodeTracing((req, res) => res.end("ok"))).listen(3000);
 */
export function withNodeTracing<Req extends IncomingMessage, Res extends ServerResponse>(
  handler: NodeHandler<Req, Res>,
  options: TracingMiddlewareOptions = {},
): NodeHandler<Req, Res> {
  return function tracedListener(req, res) {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    const context = startRequest(options, {
      method: req.method ?? "GET",
      route: path,
      headers: req.headers,
      remoteAddress: req.socket.remoteAddress,
    });
    if (context.requestRun) {
      const end = (): void => endRequest(context, { status: res.statusCode });
      res.once("finish", end);
      res.once("close", end);
    }
    return runInRequest(context, () => handler(req, res));
  };
}
