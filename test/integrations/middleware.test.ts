/**
 * Server middleware (SPEC §6) for every framework, over real HTTP on loopback: a traced client
 * (`traceable` + `createTracingFetch`) calls `POST /items/:mode` on a server using the adapter, the
 * handler calls a `traceable`, and the server's runs must continue the client's trace — with the
 * request run between the two when `requestRun` is on — unless the trust policy says otherwise.
 * Client and server each get their own sink, as two processes would.
 */
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { type IncomingMessage, type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { type Http2Bindings, type HttpBindings, serve } from "@hono/node-server";
import express from "express";
import Fastify from "fastify";
import { Hono } from "hono";
import Router from "@koa/router";
import Koa from "koa";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTracingFetch } from "../../src/entries/fetch.js";
import {
  type InboundRequest,
  type TracingMiddlewareOptions,
  expressTracing,
  fastifyTracing,
  honoTracing,
  koaTracing,
  withFetchTracing,
  withNodeTracing,
} from "../../src/entries/middleware.js";
import { getCurrentRunTree, traceable } from "../../src/entries/traceable.js";
import { ObservableSink, type SeenRun } from "../helpers/observable-sink.js";
import { closeServer, originOf } from "../helpers/servers.js";

type Mode = "ok" | "fail" | "throw";
interface Reply {
  status: number;
  json: unknown;
}
/** The application behind `POST /items/:mode`, the same in every framework. */
type ItemHandler = (mode: string, text: string) => Promise<Reply>;

interface Started {
  origin: string;
  close(): Promise<void>;
}

interface Adapter {
  name: string;
  /** The request run's name: the matched route pattern where the framework gives one, else the path. */
  requestRunName(mode: Mode): string;
  /** What a handler that throws leaves on the request run: the error itself, or only the 500. */
  thrown: "error" | "status" | "crashes";
  start(options: TracingMiddlewareOptions, handle: ItemHandler): Promise<Started>;
}

/** Room for the large-body test (Express and Fastify refuse bodies over 100 kB and 1 MiB by default). */
const BODY_LIMIT_BYTES = 4 * 1024 * 1024;

let started: Started[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.close()));
});

async function listening(server: Server): Promise<Started> {
  return { origin: await originOf(server), close: () => closeServer(server) };
}

async function readText(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** `/items/<mode>` → mode, for the frameworks without a router. */
function modeOf(path: string): string | undefined {
  return /^\/items\/([a-z]+)$/.exec(path)?.[1];
}

const adapters: Adapter[] = [
  {
    name: "express",
    requestRunName: () => "POST /items/:mode",
    thrown: "status",
    async start(options, handle) {
      const app = express();
      app.use(expressTracing(options));
      app.use(express.json({ limit: BODY_LIMIT_BYTES }));
      app.post("/items/:mode", async (req, res) => {
        const reply = await handle(req.params.mode, (req.body as { text: string }).text);
        res.status(reply.status).json(reply.json);
      });
      return listening(app.listen(0, "127.0.0.1"));
    },
  },
  {
    name: "hono",
    requestRunName: () => "POST /items/:mode",
    thrown: "error",
    async start(options, handle) {
      const app = new Hono();
      // A custom onError (quiet, unlike the default): the adapter reads the error Hono keeps on `c.error`.
      app.onError((error, c) => c.json({ error: error.message }, 500));
      app.use(honoTracing(options));
      app.post("/items/:mode", async (c) => {
        const { text } = await c.req.json<{ text: string }>();
        const reply = await handle(c.req.param("mode"), text);
        return c.json(reply.json, reply.status as 200);
      });
      return listening(serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }) as Server);
    },
  },
  {
    name: "koa",
    requestRunName: (mode) => `POST /items/${mode}`,
    thrown: "error",
    async start(options, handle) {
      const app = new Koa();
      app.silent = true;
      app.use(koaTracing(options));
      app.use(async (ctx) => {
        const mode = modeOf(ctx.path);
        if (ctx.method !== "POST" || !mode) return;
        const { text } = JSON.parse(await readText(ctx.req)) as { text: string };
        const reply = await handle(mode, text);
        ctx.status = reply.status;
        ctx.body = reply.json;
      });
      return listening(app.listen(0, "127.0.0.1"));
    },
  },
  {
    name: "fastify",
    requestRunName: () => "POST /items/:mode",
    thrown: "error",
    async start(options, handle) {
      const app = Fastify({ bodyLimit: BODY_LIMIT_BYTES });
      await app.register(fastifyTracing(options));
      app.post<{ Params: { mode: string }; Body: { text: string } }>("/items/:mode", async (req, reply) => {
        const result = await handle(req.params.mode, req.body.text);
        return reply.code(result.status).send(result.json);
      });
      await app.listen({ port: 0, host: "127.0.0.1" });
      return { origin: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, close: () => app.close() };
    },
  },
  {
    name: "node:http",
    requestRunName: (mode) => `POST /items/${mode}`,
    // A plain listener that throws takes the process down, wrapped or not.
    thrown: "crashes",
    async start(options, handle) {
      const server = createServer(
        withNodeTracing(async (req, res) => {
          const mode = modeOf(req.url ?? "");
          if (req.method !== "POST" || !mode) return void res.writeHead(404).end();
          const { text } = JSON.parse(await readText(req)) as { text: string };
          const reply = await handle(mode, text);
          res.writeHead(reply.status, { "content-type": "application/json" }).end(JSON.stringify(reply.json));
        }, options),
      );
      server.listen(0, "127.0.0.1");
      return listening(server);
    },
  },
  {
    name: "fetch handler",
    requestRunName: (mode) => `POST /items/${mode}`,
    thrown: "error",
    async start(options, handle) {
      const fetchHandler = withFetchTracing(
        async (request: Request, _env: HttpBindings | Http2Bindings) => {
          const mode = modeOf(new URL(request.url).pathname);
          if (request.method !== "POST" || !mode) return new Response(null, { status: 404 });
          const { text } = (await request.json()) as { text: string };
          const reply = await handle(mode, text);
          return Response.json(reply.json, { status: reply.status });
        },
        { ...options, getRemoteAddress: (_request, env) => env.incoming.socket.remoteAddress },
      );
      return listening(serve({ fetch: fetchHandler, port: 0, hostname: "127.0.0.1" }) as Server);
    },
  },
];

let clientSink: ObservableSink;
let serverSink: ObservableSink;
beforeEach(() => {
  clientSink = new ObservableSink();
  serverSink = new ObservableSink();
});

/** The baggage the client's run sends: its project, metadata and tags. */
const CLIENT_CONFIG = { project_name: "client-project", metadata: { tenant: "acme" }, tags: ["from-client"] };

/**
 * A handler whose work is a `traceable` named "server-work". By default its tracing switch comes
 * from the request (the middleware's `tracingEnabled: true` under a continued trace; tracing is
 * off in this process otherwise); `alwaysTraced` turns it on for requests whose headers are ignored.
 */
function itemHandler(alwaysTraced = false): ItemHandler {
  const work = traceable(async (text: string) => `echo:${text}`, {
    name: "server-work",
    ...(alwaysTraced ? { tracingEnabled: true } : {}),
  });
  return async (mode, text) => {
    const answer = await work(text);
    if (mode === "throw") throw new Error(`boom:${text}`);
    return { status: mode === "fail" ? 500 : 200, json: { answer } };
  };
}

interface Call {
  status: number;
  clientRun: SeenRun;
  /** Every run the server exported, by name, once all of them have ended. */
  server: Map<string, SeenRun>;
}

/**
 * Starts the adapter's app with `options` (runs to `serverSink`, tracing switched on by the
 * middleware: a header alone never does), calls `POST /items/<mode>` from a traced client whose
 * fetch may send headers to that app only, and waits for `serverRuns` ended runs on the server side.
 */
interface CallOptions {
  /** Trace the handler's work even when the caller's headers are ignored. */
  alwaysTraced?: boolean;
  /** Bytes of padding in the JSON body, so the server reads it in many chunks. */
  paddingBytes?: number;
  /** Where to send the request instead of `/items/<mode>`. */
  path?: string;
}

async function call(
  adapter: Adapter,
  options: TracingMiddlewareOptions,
  mode: Mode,
  serverRuns: number,
  { alwaysTraced = false, paddingBytes = 0, path = `/items/${mode}` }: CallOptions = {},
): Promise<Call> {
  const app = await adapter.start({ client: serverSink, tracingEnabled: true, ...options }, itemHandler(alwaysTraced));
  started.push(app);
  return callStarted(app.origin, path, serverRuns, paddingBytes);
}

/** Calls `POST <origin><path>` from the traced client and waits for the client's and `serverRuns` server runs. */
async function callStarted(origin: string, path: string, serverRuns: number, paddingBytes = 0): Promise<Call> {
  const tracedFetch = createTracingFetch({ allow: [origin] });
  const client = traceable(
    async (path: string, text: string) => {
      const response = await tracedFetch(`${origin}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ text, padding: "x".repeat(paddingBytes) }),
      });
      await response.arrayBuffer();
      return response.status;
    },
    { name: "client-call", client: clientSink, tracingEnabled: true, ...CLIENT_CONFIG },
  );
  const status = await client(path, randomUUID());
  await clientSink.untilEnded(1);
  // A request run is sent once, created and ended together: "ended" is an end time, not an update.
  const ended = (): SeenRun[] => serverSink.runs().filter((run) => run.end_time !== undefined);
  await serverSink.until(() => ended().length >= serverRuns, `${serverRuns} ended server runs`);
  const server = new Map(ended().map((run) => [run.name, run]));
  expect(server.size, `server runs: ${[...server.keys()].join(", ")}`).toBe(serverRuns);
  return { status, clientRun: clientSink.runs()[0] as SeenRun, server };
}

function runNamed(runs: Map<string, SeenRun>, name: string): SeenRun {
  const run = runs.get(name);
  if (!run) throw new Error(`no server run named ${name}; have ${[...runs.keys()].join(", ")}`);
  return run;
}

/** `child` sits directly below `parent`, in its trace. */
function expectChildOf(child: SeenRun, parent: SeenRun): void {
  expect(child.parent_run_id).toBe(parent.id);
  expect(child.trace_id).toBe(parent.trace_id);
  expect(child.dotted_order.startsWith(`${parent.dotted_order}.`)).toBe(true);
  expect(child.dotted_order.split(".")).toHaveLength(parent.dotted_order.split(".").length + 1);
}

/** A run that starts a trace of its own. */
function expectRoot(run: SeenRun): void {
  expect(run.parent_run_id).toBeUndefined();
  expect(run.trace_id).toBe(run.id);
  expect(run.dotted_order.split(".")).toHaveLength(1);
}

function expectClientBaggage(run: SeenRun): void {
  expect(run.session_name).toBe("client-project");
  expect(run.extra.metadata).toMatchObject({ tenant: "acme" });
  expect(run.tags).toContain("from-client");
}

function expectNoClientBaggage(run: SeenRun): void {
  expect(run.session_name).not.toBe("client-project");
  expect(run.extra.metadata).not.toHaveProperty("tenant");
  expect(run.tags).not.toContain("from-client");
}

describe.each(adapters)("$name middleware", (adapter) => {
  it("continues the client's trace: the handler's run is a child of the client's run", async () => {
    const { status, clientRun, server } = await call(adapter, {}, "ok", 1);
    expect(status).toBe(200);
    expectRoot(clientRun);
    const work = runNamed(server, "server-work");
    expectChildOf(work, clientRun);
    expect(work.outputs).toEqual({ outputs: `echo:${work.inputs.input as string}` });
    expectClientBaggage(work);
  });

  it("with requestRun, the request run sits between the client's run and the handler's", async () => {
    const { clientRun, server } = await call(adapter, { requestRun: true }, "ok", 2);
    const request = runNamed(server, adapter.requestRunName("ok"));
    const work = runNamed(server, "server-work");
    expectChildOf(request, clientRun);
    expectChildOf(work, request);
    expect(request.inputs).toMatchObject({ method: "POST" });
    expect(request.outputs).toEqual({ status_code: 200 });
    expect(request.error).toBeUndefined();
    for (const run of [request, work]) expectClientBaggage(run);
    // The placeholder parent read from the headers is never exported: only the server's own runs are.
    expect(serverSink.created.map((run) => run.id)).not.toContain(clientRun.id);
  });

  it("a large body, read in many chunks after the middleware ran, keeps the request's context", async () => {
    const { clientRun, server } = await call(adapter, { requestRun: true }, "ok", 2, { paddingBytes: 2_000_000 });
    const request = runNamed(server, adapter.requestRunName("ok"));
    expectChildOf(request, clientRun);
    expectChildOf(runNamed(server, "server-work"), request);
  });

  it("the middleware's metadata and tags join the baggage's on every server run", async () => {
    const { server } = await call(adapter, { requestRun: true, metadata: { service: "items" }, tags: ["server-side"] }, "ok", 2);
    for (const run of server.values()) {
      expectClientBaggage(run);
      expect(run.extra.metadata).toMatchObject({ service: "items" });
      expect(run.tags).toContain("server-side");
    }
  });

  it("a 500 response is recorded as the request run's error", async () => {
    const { status, clientRun, server } = await call(adapter, { requestRun: true }, "fail", 2);
    expect(status).toBe(500);
    const request = runNamed(server, adapter.requestRunName("fail"));
    expectChildOf(request, clientRun);
    expect(request.outputs).toEqual({ status_code: 500 });
    expect(request.error).toBe("HTTP 500");
    expect(runNamed(server, "server-work").error).toBeUndefined();
  });

  it("a request no route answers is named by its path, and a 404 is not an error", async () => {
    const { status, clientRun, server } = await call(adapter, { requestRun: true }, "ok", 1, { path: "/nowhere" });
    expect(status).toBe(404);
    const request = runNamed(server, "POST /nowhere");
    expectChildOf(request, clientRun);
    expect(request.outputs).toEqual({ status_code: 404 });
    expect(request.error).toBeUndefined();
  });

  it.skipIf(adapter.thrown === "crashes")("a handler that throws is recorded as the request run's error", async () => {
    const { status, server } = await call(adapter, { requestRun: true }, "throw", 2);
    expect(status).toBe(500);
    const request = runNamed(server, adapter.requestRunName("throw"));
    const text = runNamed(server, "server-work").inputs.input as string;
    expect(request.outputs).toEqual({ status_code: 500 });
    if (adapter.thrown === "error") expect(request.error).toContain(`boom:${text}`);
    else expect(request.error).toBe("HTTP 500");
  });

  describe("trust policy", () => {
    it("a trust predicate sees the request, and a trusted caller's trace continues", async () => {
      const seen: InboundRequest[] = [];
      const trust = (request: InboundRequest): boolean => {
        seen.push(request);
        return request.remoteAddress === "127.0.0.1";
      };
      const { clientRun, server } = await call(adapter, { trust, requestRun: true }, "ok", 2);
      expect(seen).toHaveLength(1);
      expect(seen[0]).toMatchObject({ method: "POST", remoteAddress: "127.0.0.1" });
      expect(seen[0]?.route).toMatch(/^\/items\/(ok|:mode)$/);
      expectChildOf(runNamed(server, adapter.requestRunName("ok")), clientRun);
    });

    it("an untrusted caller's headers are ignored: the server's run starts a new trace", async () => {
      const trust = (request: InboundRequest): boolean => request.remoteAddress === "10.9.9.9";
      const { clientRun, server } = await call(adapter, { trust, project_name: "server-project" }, "ok", 1, { alwaysTraced: true });
      const work = runNamed(server, "server-work");
      expectRoot(work);
      expect(work.trace_id).not.toBe(clientRun.trace_id);
      expectNoClientBaggage(work);
      expect(work.session_name).toBe("server-project");
    });

    it("trust: false ignores every caller's headers", async () => {
      const { clientRun, server } = await call(adapter, { trust: false }, "ok", 1, { alwaysTraced: true });
      const work = runNamed(server, "server-work");
      expectRoot(work);
      expect(work.trace_id).not.toBe(clientRun.trace_id);
      expectNoClientBaggage(work);
    });

    it("a trust predicate that throws counts as untrusted", async () => {
      const trust = (): boolean => {
        throw new Error("policy bug");
      };
      const { server } = await call(adapter, { trust }, "ok", 1, { alwaysTraced: true });
      expectRoot(runNamed(server, "server-work"));
    });

    it("by default the baggage's project wins over the middleware's project_name", async () => {
      const { server } = await call(adapter, { requestRun: true, project_name: "server-project" }, "ok", 2);
      for (const run of server.values()) expect(run.session_name).toBe("client-project");
    });

    it("acceptInboundProject: false puts the server's runs in the middleware's project, in the client's trace", async () => {
      const options = { requestRun: true, acceptInboundProject: false, project_name: "server-project" };
      const { clientRun, server } = await call(adapter, options, "ok", 2);
      const request = runNamed(server, adapter.requestRunName("ok"));
      expectChildOf(request, clientRun);
      expectChildOf(runNamed(server, "server-work"), request);
      for (const run of server.values()) {
        expect(run.session_name).toBe("server-project");
        expect(run.extra.metadata).toMatchObject({ tenant: "acme" });
      }
    });

    it("acceptInboundProject: false without a project_name uses the default project", async () => {
      const { server } = await call(adapter, { requestRun: true, acceptInboundProject: false }, "ok", 2);
      for (const run of server.values()) expect(run.session_name).toBe("default");
    });
  });
});

describe("request runs in mounted routers are named by the full route pattern", () => {
  const mounted: Record<string, (options: TracingMiddlewareOptions) => Promise<Started>> = {
    async express(options) {
      const app = express();
      app.use(expressTracing(options));
      const router = express.Router();
      router.post("/items/:id", (_req, res) => void res.json({}));
      app.use("/api", router);
      return listening(app.listen(0, "127.0.0.1"));
    },
    async hono(options) {
      const app = new Hono();
      const api = new Hono().post("/items/:id", (c) => c.json({}));
      app.use(honoTracing(options));
      app.route("/api", api);
      return listening(serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }) as Server);
    },
    async koa(options) {
      const app = new Koa();
      app.use(koaTracing(options));
      const api = new Router({ prefix: "/api" });
      api.post("/items/:id", (ctx) => {
        ctx.body = {};
      });
      app.use(api.routes());
      return listening(app.listen(0, "127.0.0.1"));
    },
    async fastify(options) {
      const app = Fastify();
      await app.register(fastifyTracing(options));
      await app.register(async (api) => void api.post("/items/:id", async () => ({})), { prefix: "/api" });
      await app.listen({ port: 0, host: "127.0.0.1" });
      return { origin: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, close: () => app.close() };
    },
  };

  it.each(Object.keys(mounted))("%s", async (name) => {
    const app = await (mounted[name] as (typeof mounted)[string])({ client: serverSink, requestRun: true, tracingEnabled: true });
    started.push(app);
    const { clientRun, server } = await callStarted(app.origin, "/api/items/7", 1);
    expectChildOf(runNamed(server, "POST /api/items/:id"), clientRun);
  });
});

describe("withFetchTracing (in process)", () => {
  /** Trace headers from a traced client call: a request that continues a trace is traced. */
  const tracedRequest = async (url: string, init: RequestInit = {}) =>
    new Request(url, {
      ...init,
      headers: await traceable(async () => getCurrentRunTree().toHeaders(), { client: clientSink, tracingEnabled: true })(),
    });

  /** A body the test feeds chunk by chunk. */
  function controlledBody() {
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    const stream = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
    return {
      stream,
      push: (text: string) => controller.enqueue(new TextEncoder().encode(text)),
      close: () => controller.close(),
      fail: (error: Error) => controller.error(error),
    };
  }

  it("ends the request run when a streamed body has been read to the end, not when the handler returns", async () => {
    const body = controlledBody();
    const handler = withFetchTracing(() => new Response(body.stream, { status: 200, headers: { "x-kind": "sse" } }), {
      client: serverSink,
      requestRun: true,
      tracingEnabled: true,
    });
    const response = await handler(await tracedRequest("http://127.0.0.1/stream"));
    expect(response.headers.get("x-kind")).toBe("sse");
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    body.push("first ");
    expect(new TextDecoder().decode((await reader.read()).value)).toBe("first ");
    expect(serverSink.runs()).toHaveLength(0); // still streaming: nothing ended, nothing posted
    body.push("last");
    await reader.read();
    const lastChunkAt = Date.now();
    body.close();
    expect((await reader.read()).done).toBe(true);
    // The request run is posted once, ended (end time, status and all).
    await serverSink.until((sink) => sink.created.length === 1, "the request run");
    const [run] = serverSink.runs();
    expect(run).toMatchObject({ name: "GET /stream", outputs: { status_code: 200 } });
    expect(run?.error).toBeUndefined();
    expect(Date.parse(String(run?.end_time))).toBeGreaterThanOrEqual(lastChunkAt - 1);
  });

  it("records a body the client stopped reading as Cancelled, and a body that failed with its error", async () => {
    const cancelled = controlledBody();
    const failing = controlledBody();
    const handler = withFetchTracing(
      (request: Request) => new Response(request.url.endsWith("/cancel") ? cancelled.stream : failing.stream),
      { client: serverSink, requestRun: true, tracingEnabled: true },
    );
    const first = await handler(await tracedRequest("http://127.0.0.1/cancel"));
    await first.body?.cancel("client went away");
    const second = await handler(await tracedRequest("http://127.0.0.1/fail"));
    const reading = new Response(second.body).text();
    failing.push("partial");
    failing.fail(new Error("backend died"));
    await expect(reading).rejects.toThrow("backend died");
    await serverSink.until((sink) => sink.created.length === 2, "both request runs");
    expect(serverSink.run("GET /cancel")).toMatchObject({ error: "Cancelled", outputs: { status_code: 200 } });
    expect(serverSink.run("GET /fail").error).toContain("backend died");
  });

  it("ends a HEAD request's run at once, body or not (servers never send it)", async () => {
    const original = new Response("ignored", { status: 200 });
    const handler = withFetchTracing(() => original, { client: serverSink, requestRun: true, tracingEnabled: true });
    expect(await handler(await tracedRequest("http://127.0.0.1/head", { method: "HEAD" }))).toBe(original);
    await serverSink.until((sink) => sink.created.length === 1, "the request run");
    expect(serverSink.run("HEAD /head")).toMatchObject({ outputs: { status_code: 200 } });
  });

  it("passes a bodiless response through as it is, ended at once", async () => {
    const original = new Response(null, { status: 204 });
    const handler = withFetchTracing(() => original, { client: serverSink, requestRun: true, tracingEnabled: true });
    expect(await handler(await tracedRequest("http://127.0.0.1/empty", { method: "DELETE" }))).toBe(original);
    await serverSink.until((sink) => sink.created.length === 1, "the request run");
    expect(serverSink.run("DELETE /empty")).toMatchObject({ outputs: { status_code: 204 } });
  });

  it("rethrows the handler's own error, even one that cannot be printed, and records the request run", async () => {
    const unprintable = Object.create(null) as object;
    const handler = withFetchTracing(
      () => {
        throw unprintable;
      },
      { client: serverSink, requestRun: true, tracingEnabled: true },
    );
    await expect(handler(await tracedRequest("http://127.0.0.1/boom", { method: "POST" }))).rejects.toBe(unprintable);
    const [request] = serverSink.runs();
    expect(request).toMatchObject({ name: "POST /boom", outputs: { status_code: 500 }, error: "Error (unprintable)" });
  });
});
