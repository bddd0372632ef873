/**
 * W3C Trace Context interop with the real OpenTelemetry JS SDK as the peer (SPEC §7), over
 * loopback HTTP. The OTel side is configured as an instrumented service would be: an
 * AsyncLocalStorage context manager, the W3C propagator (`propagation.inject` / `extract`), a
 * tracer whose finished spans land in an InMemorySpanExporter.
 *
 * - An OTel client calls a tracewire server (`traceContext: true`): the server's runs join the
 *   OTel trace — trace UUID = the OTel trace id, parent = the client span, zero-padded.
 * - A tracewire client (traceable + tracing fetch or undici interceptor, `traceContext: true`)
 *   calls an OTel server: its spans join our trace — trace id = ours without dashes, parent span
 *   = the last 16 hex digits of our run id.
 * - Off by default: neither end speaks W3C unless asked, so LangSmith behaviour is unchanged.
 */
import { type IncomingMessage, type RequestListener, type Server, type ServerResponse, createServer } from "node:http";
import { ROOT_CONTEXT, SpanKind, context, propagation, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { TraceState, W3CTraceContextPropagator } from "@opentelemetry/core";
import { BasicTracerProvider, InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { Agent, request } from "undici";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTracingFetch, createTracingInterceptor } from "../../src/entries/fetch.js";
import { withNodeTracing } from "../../src/entries/middleware.js";
import { type TraceContextHeaders, traceContextHeaders, uuidOfSpanId, uuidOfTraceId } from "../../src/entries/otel.js";
import { getCurrentRunTree, traceable } from "../../src/entries/traceable.js";
import { ObservableSink, type SeenRun } from "../helpers/observable-sink.js";
import { waitFor } from "../helpers/wait.js";
import { closeServer, originOf } from "../helpers/servers.js";

const spans = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
const tracer = provider.getTracer("interop-test");
const contextManager = new AsyncLocalStorageContextManager();

beforeAll(() => {
  context.setGlobalContextManager(contextManager.enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
});
afterAll(async () => {
  context.disable();
  propagation.disable();
  await provider.shutdown();
});

const servers: Server[] = [];
const agents: Agent[] = [];
let sink: ObservableSink;
beforeEach(() => {
  sink = new ObservableSink();
  spans.reset();
});
afterEach(async () => {
  await Promise.all(agents.splice(0).map((agent) => agent.close()));
  await Promise.all(servers.splice(0).map(closeServer));
});

async function listen(handler: RequestListener): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  server.listen(0, "127.0.0.1");
  return originOf(server);
}

/** Runs that have ended: a request run arrives created already ended, a traced step by its update. */
function untilEnded(count: number): Promise<void> {
  return sink.until((s) => s.runs().filter((r) => r.end_time !== undefined).length >= count, `${count} ended runs`);
}

const hexOf = (uuid: string): string => uuid.replaceAll("-", "");

/** An OTel-instrumented call: a client span active, its context injected into the fetch headers. */
function otelCall(url: string, parent = ROOT_CONTEXT): Promise<{ traceId: string; spanId: string; body: string }> {
  return tracer.startActiveSpan("client-call", { kind: SpanKind.CLIENT }, parent, async (span) => {
    const headers: Record<string, string> = {};
    propagation.inject(context.active(), headers);
    const response = await fetch(url, { headers });
    const body = await response.text();
    span.end();
    return { ...span.spanContext(), body };
  });
}

/**
 * A tracewire server: the request run, a traced step inside it reporting its onward W3C headers.
 * By default it accepts traceparent and traces its requests (a header alone never switches tracing on).
 */
async function tracewireServer(
  options: { traceContext?: boolean; tracingEnabled?: boolean } = { traceContext: true, tracingEnabled: true },
): Promise<string> {
  const step = traceable(
    async (): Promise<TraceContextHeaders | undefined> => {
      const run = getCurrentRunTree(true);
      return run && traceContextHeaders(run);
    },
    { name: "server-step" },
  );
  return listen(
    withNodeTracing(
      async (_req: IncomingMessage, res: ServerResponse) => {
        const onward = await step();
        res.setHeader("content-type", "application/json").end(JSON.stringify(onward ?? null));
      },
      { ...options, requestRun: true, client: sink },
    ),
  );
}

describe("an OpenTelemetry client calls a tracewire server", () => {
  it("the server's runs join the OTel trace, under the client span", async () => {
    const url = await tracewireServer();
    const client = await otelCall(url);
    await untilEnded(2);

    const requestRun = sink.run("GET /");
    expect(requestRun.trace_id).toBe(uuidOfTraceId(client.traceId));
    expect(requestRun.parent_run_id).toBe(uuidOfSpanId(client.spanId));
    expect(requestRun.dotted_order.slice(22, 58)).toBe(uuidOfTraceId(client.traceId));
    const step = sink.run("server-step");
    expect(step.trace_id).toBe(requestRun.trace_id);
    expect(step.parent_run_id).toBe(requestRun.id);
    expect(step.dotted_order.startsWith(`${requestRun.dotted_order}.`)).toBe(true);

    // The server's onward W3C headers continue the same trace from its own run.
    const onward = JSON.parse(client.body) as TraceContextHeaders;
    expect(onward.traceparent).toBe(`00-${client.traceId}-${hexOf(step.id).slice(-16)}-01`);
    // And the OTel side recorded the client span in that trace.
    expect(spans.getFinishedSpans().map((s) => [s.name, s.spanContext().traceId])).toEqual([["client-call", client.traceId]]);
  });

  it("the caller's tracestate is passed on unchanged by the server's onward calls", async () => {
    const url = await tracewireServer();
    const upstream = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: "0af7651916cd43dd8448eb211c80319c",
      spanId: "b7ad6b7169203331",
      traceFlags: 1,
      isRemote: true,
      traceState: new TraceState("congo=t61rcWkgMzE,rojo=00f067aa0ba902b7"),
    });
    const client = await otelCall(url, upstream);
    expect(client.traceId).toBe("0af7651916cd43dd8448eb211c80319c");
    expect((JSON.parse(client.body) as TraceContextHeaders).tracestate).toBe("congo=t61rcWkgMzE,rojo=00f067aa0ba902b7");
    await untilEnded(2);
    expect(sink.run("GET /").trace_id).toBe("0af76519-16cd-43dd-8448-eb211c80319c");
  });

  it("an unsampled caller is respected: nothing is recorded for its trace", async () => {
    const url = await tracewireServer();
    const unsampled = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: "11111111111111111111111111111111",
      spanId: "2222222222222222",
      traceFlags: 0,
      isRemote: true,
    });
    const skipped = await otelCall(url, unsampled);
    expect((JSON.parse(skipped.body) as TraceContextHeaders | null)?.traceparent.endsWith("-00")).toBe(true);
    // A sampled call after it, on the same server, is the event to wait on.
    const sampled = await otelCall(url);
    await untilEnded(2);
    expect(sink.runs().map((r) => r.trace_id)).toEqual([uuidOfTraceId(sampled.traceId), uuidOfTraceId(sampled.traceId)]);
  });

  it("without traceContext the middleware ignores traceparent (LangSmith behaviour)", async () => {
    const url = await tracewireServer({});
    const client = await otelCall(url);
    // No trace continued: no run is active in the handler (tracing is off by env in tests)…
    expect(JSON.parse(client.body)).toBeNull();
    // …while the same call to a server that opted in does continue it.
    const optedIn = await otelCall(await tracewireServer());
    await untilEnded(2);
    expect(sink.runs().map((r) => r.trace_id)).toEqual([uuidOfTraceId(optedIn.traceId), uuidOfTraceId(optedIn.traceId)]);
  });
});

/** An OTel-instrumented node:http server: extract, a SERVER span active, a child span inside. */
async function otelServer(): Promise<string> {
  return listen((req, res) => {
    const parent = propagation.extract(ROOT_CONTEXT, req.headers);
    tracer.startActiveSpan("otel-handler", { kind: SpanKind.SERVER }, parent, (span) => {
      tracer.startActiveSpan("otel-db", (child) => child.end());
      span.end();
      res.end("ok");
    });
  });
}

function finished(name: string): ReadableSpan {
  const span = spans.getFinishedSpans().find((s) => s.name === name);
  if (!span) throw new Error(`no span ${name}`);
  return span;
}

/** The OTel server's spans belong under `run`: our trace id, our run's span id as their parent. */
function expectJoined(run: SeenRun): void {
  const handler = finished("otel-handler");
  expect(handler.spanContext().traceId).toBe(hexOf(run.trace_id));
  expect(handler.parentSpanContext?.spanId).toBe(hexOf(run.id).slice(-16));
  expect(handler.parentSpanContext?.isRemote).toBe(true);
  const db = finished("otel-db");
  expect(db.spanContext().traceId).toBe(hexOf(run.trace_id));
  expect(db.parentSpanContext?.spanId).toBe(handler.spanContext().spanId);
}

describe("a tracewire client calls an OpenTelemetry server", () => {
  it("through createTracingFetch: the OTel spans join our trace under our run", async () => {
    const url = await otelServer();
    const tracedFetch = createTracingFetch({ allow: [url], traceContext: true });
    const call = traceable(async () => (await tracedFetch(url)).text(), { name: "client-call", client: sink, tracingEnabled: true });
    await expect(call()).resolves.toBe("ok");
    await untilEnded(1);
    await waitFor(() => spans.getFinishedSpans().length === 2, { what: "the OTel server's two spans" });
    expectJoined(sink.run("client-call"));
  });

  it("through the undici interceptor: the same", async () => {
    const url = await otelServer();
    const agent = new Agent().compose(createTracingInterceptor({ allow: [url], traceContext: true }));
    agents.push(agent as unknown as Agent);
    const call = traceable(async () => (await request(url, { dispatcher: agent })).body.text(), {
      name: "client-call",
      client: sink,
      tracingEnabled: true,
    });
    await expect(call()).resolves.toBe("ok");
    await untilEnded(1);
    await waitFor(() => spans.getFinishedSpans().length === 2, { what: "the OTel server's two spans" });
    expectJoined(sink.run("client-call"));
  });

  it("without traceContext no traceparent is sent: the OTel server starts its own trace", async () => {
    const url = await otelServer();
    const tracedFetch = createTracingFetch({ allow: [url] });
    const call = traceable(async () => (await tracedFetch(url)).text(), { name: "client-call", client: sink, tracingEnabled: true });
    await call();
    await untilEnded(1);
    await waitFor(() => spans.getFinishedSpans().length === 2, { what: "the OTel server's two spans" });
    expect(finished("otel-handler").parentSpanContext).toBeUndefined();
    expect(finished("otel-handler").spanContext().traceId).not.toBe(hexOf(sink.run("client-call").trace_id));
  });
});

describe("through an OpenTelemetry service and back", () => {
  it("tracewire → OTel service → tracewire: one trace end to end", async () => {
    const last = await tracewireServer();
    // The middle service is OTel only: it extracts, records a span, and injects onward.
    const middle = await listen((req, res) => {
      const parent = propagation.extract(ROOT_CONTEXT, req.headers);
      tracer.startActiveSpan("otel-middle", { kind: SpanKind.SERVER }, parent, async (span) => {
        const headers: Record<string, string> = {};
        propagation.inject(context.active(), headers);
        const body = await (await fetch(last, { headers })).text();
        span.end();
        res.end(body);
      });
    });
    const tracedFetch = createTracingFetch({ allow: [middle], traceContext: true });
    const call = traceable(async () => (await tracedFetch(middle)).text(), { name: "origin", client: sink, tracingEnabled: true });
    await call();
    await untilEnded(3);
    const origin = sink.run("origin");
    const middleSpan = finished("otel-middle");
    expect(middleSpan.parentSpanContext?.spanId).toBe(hexOf(origin.id).slice(-16));
    const requestRun = sink.run("GET /");
    expect(requestRun.trace_id).toBe(origin.trace_id);
    expect(requestRun.parent_run_id).toBe(uuidOfSpanId(middleSpan.spanContext().spanId));
    expect(sink.run("server-step").trace_id).toBe(origin.trace_id);
  });
});
