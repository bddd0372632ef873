/**
 * Fastify: `app.register(fastifyTracing())` — the rest of the request runs inside the context from
 * `onRequest` (Fastify's body parser keeps it), `onError` notes a thrown error, and `onResponse`
 * ends the request run.
 */
import type { IncomingMessage } from "node:http";
import { type RequestContext, type TracingMiddlewareOptions, endRequest, runInRequest, startRequest } from "./request-run.js";

/** The parts of Fastify's API this plugin uses (structural: Fastify is an optional peer). */
interface FastifyRequestLike {
  method: string;
  url: string;
  raw: IncomingMessage;
  routeOptions?: { url?: string };
}
interface FastifyReplyLike {
  statusCode: number;
}
type Hook = (req: FastifyRequestLike, reply: FastifyReplyLike, done: () => void) => void;
type ErrorHook = (req: FastifyRequestLike, reply: FastifyReplyLike, error: Error, done: () => void) => void;
interface FastifyLike {
  addHook(name: "onRequest" | "onResponse", hook: Hook): unknown;
  addHook(name: "onError", hook: ErrorHook): unknown;
}

const contexts = new WeakMap<FastifyRequestLike, RequestContext & { error?: Error }>();
const SKIP_OVERRIDE = Symbol.for("skip-override");

/**
 * @example
 * await app.register(fastifyTracing({ requestRun: true }));
 */
export function fastifyTracing(options: TracingMiddlewareOptions = {}) {
  function plugin(fastify: FastifyLike, _opts: unknown, done: () => void): void {
    fastify.addHook("onRequest", (req, _reply, next) => {
      const context = startRequest(options, {
        method: req.method,
        route: req.routeOptions?.url ?? req.url.split("?")[0] ?? "/",
        headers: req.raw.headers,
        remoteAddress: req.raw.socket.remoteAddress,
      });
      contexts.set(req, context);
      runInRequest(context, next);
    });
    fastify.addHook("onError", (req, _reply, error, next) => {
      const context = contexts.get(req);
      if (context) context.error = error;
      next();
    });
    fastify.addHook("onResponse", (req, reply, next) => {
      const context = contexts.get(req);
      if (context) endRequest(context, { status: reply.statusCode, route: req.routeOptions?.url, error: context.error });
      next();
    });
    done();
  }
  // Hooks apply to the whole app, not only to routes registered inside this plugin (fastify-plugin's flag).
  Object.assign(plugin, { [SKIP_OVERRIDE]: true });
  return plugin;
}
