/**
 * OTLP/HTTP ingest at the dev collector (`POST /v1/traces`), with the real OpenTelemetry JS SDK
 * as the sender: its ProtobufTraceSerializer and JsonTraceSerializer produce the bodies its
 * OTLP exporters send. Read back through the collector's API.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { type IncomingMessage, type Server, type ServerResponse, createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, defaultTextMapGetter, trace } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { JsonTraceSerializer, ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BasicTracerProvider, InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { decodeJsonRequest } from "../../src/collector/otlp-json.js";
import { decodeProtobufRequest } from "../../src/collector/otlp-protobuf.js";
import { readMessage } from "../../src/collector/protobuf-reader.js";
import { type Collector, startCollector } from "../../src/collector/server.js";
import { Client } from "../../src/export/client.js";
import { createTracingFetch } from "../../src/entries/fetch.js";
import { traceable } from "../../src/entries/traceable.js";
import { closeServer, originOf } from "../helpers/servers.js";

const spans = new InMemorySpanExporter();
const provider = new BasicTracerProvider({
  resource: resourceFromAttributes({ "service.name": "billing" }),
  spanProcessors: [new SimpleSpanProcessor(spans)],
});
const tracer = provider.getTracer("otlp-ingest-test");
const w3c = new W3CTraceContextPropagator();

let dir: string;
let collector: Collector;
const servers: Server[] = [];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "tracewire-otlp-"));
  collector = await startCollector({ port: 0, dataDir: dir });
  spans.reset();
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map(closeServer));
  await collector.close();
  await rm(dir, { recursive: true, force: true });
});

type Run = Record<string, unknown> & { id: string; name: string; parent_run_id?: string; dotted_order: string };

/** A trace's runs as stored, in tree order: the tree's summaries, then each run whole. */
async function traceRuns(traceId: string): Promise<Run[]> {
  const res = await fetch(`${collector.url}/api/traces/${traceId}`);
  expect(res.status).toBe(200);
  const { runs } = (await res.json()) as { runs: { id: string }[] };
  return Promise.all(runs.map(async ({ id }) => (await fetch(`${collector.url}/api/traces/${traceId}/runs/${id}`)).json() as Promise<Run>));
}

async function postOtlp(body: Uint8Array, contentType: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${collector.url}/v1/traces`, { method: "POST", headers: { "content-type": contentType, ...headers }, body: Buffer.from(body) });
}

/** A root span with a child that fails, as an instrumented service makes them. */
function serviceSpans(): ReadableSpan[] {
  const root = tracer.startSpan("checkout", { kind: SpanKind.SERVER, attributes: { "http.route": "/pay", "langsmith.metadata.user": "ada" } });
  const child = tracer.startSpan("charge", { kind: SpanKind.CLIENT, attributes: { "gen_ai.prompt": '{"amount":3}' } }, trace.setSpan(ROOT_CONTEXT, root));
  child.recordException(new Error("card declined"));
  child.setStatus({ code: SpanStatusCode.ERROR, message: "card declined" });
  child.end();
  root.end();
  return spans.getFinishedSpans();
}

const uuidOf = (hex: string): string => `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
const placeholder = (spanId: string): string => `00000000-0000-0000-${spanId.slice(0, 4)}-${spanId.slice(4)}`;

describe("POST /v1/traces", () => {
  for (const [encoding, serializer, contentType] of [
    ["protobuf", ProtobufTraceSerializer, "application/x-protobuf"],
    ["JSON", JsonTraceSerializer, "application/json"],
  ] as const) {
    it(`stores OTel SDK spans sent as ${encoding} (gzip too) as runs of one trace`, async () => {
      const finished = serviceSpans();
      const body = serializer.serializeRequest(finished) as Uint8Array;
      const res = await postOtlp(gzipSync(body), contentType, { "content-encoding": "gzip" });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe(contentType);
      if (encoding === "JSON") expect(await res.json()).toEqual({});
      else expect((await res.arrayBuffer()).byteLength).toBe(0); // an empty ExportTraceServiceResponse

      const [child, root] = finished as [ReadableSpan, ReadableSpan];
      const runs = await traceRuns(uuidOf(root.spanContext().traceId));
      expect(runs.map((r) => [r.name, r.id, r.parent_run_id])).toEqual([
        ["checkout", placeholder(root.spanContext().spanId), undefined],
        ["charge", placeholder(child.spanContext().spanId), placeholder(root.spanContext().spanId)],
      ]);
      const [rootRun, childRun] = runs as [Run, Run];
      expect(childRun.dotted_order.startsWith(`${rootRun.dotted_order}.`)).toBe(true);
      expect(rootRun).toMatchObject({ run_type: "chain", session_name: "billing", extra: { metadata: { "http.route": "/pay", user: "ada" } } });
      expect(childRun).toMatchObject({ run_type: "llm", inputs: { amount: 3 } });
      expect(childRun.error).toMatch(/^card declined\n\nError: card declined\n\s+at /);
      expect(String(rootRun.start_time)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    });
  }

  it("refuses other content types (415) and bodies that are not OTLP (400); counts unreadable spans as partial success", async () => {
    expect((await postOtlp(new Uint8Array([1]), "text/plain")).status).toBe(415);
    expect((await postOtlp(new Uint8Array([0xff, 0xff]), "application/x-protobuf")).status).toBe(400);
    expect((await postOtlp(new TextEncoder().encode("[1]"), "application/json")).status).toBe(400);
    const body = { resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: "00", spanId: "01", name: "bad" }] }] }] };
    const res = await postOtlp(new TextEncoder().encode(JSON.stringify(body)), "application/json");
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ partialSuccess: { rejectedSpans: "1" } });
  });

  it("JSON enums written by name (SPAN_KIND_CLIENT, STATUS_CODE_ERROR) read as their numbers", async () => {
    const span = {
      traceId: "ef".repeat(16),
      spanId: "12".repeat(8),
      name: "completion",
      kind: "SPAN_KIND_CLIENT",
      startTimeUnixNano: "1700000000000000000",
      endTimeUnixNano: "1700000000002000000",
      attributes: [{ key: "gen_ai.system", value: { stringValue: "openai" } }],
      status: { code: "STATUS_CODE_ERROR", message: "rate limited" },
    };
    const body = JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [span] }] }] });
    expect((await postOtlp(new TextEncoder().encode(body), "application/json")).status).toBe(200);
    const [run] = await traceRuns(uuidOf("ef".repeat(16)));
    expect(run).toMatchObject({ run_type: "llm", error: "rate limited", end_time: "2023-11-14T22:13:20.002000Z" });
  });

  it("a request of more than 100,000 spans is refused whole (413), nothing of it stored", async () => {
    const span = { traceId: "ab".repeat(16), spanId: "cd".repeat(8), name: "s", startTimeUnixNano: "1700000000000000000" };
    const body = JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: Array.from({ length: 100_001 }, () => span) }] }] });
    const res = await postOtlp(new TextEncoder().encode(body), "application/json");
    expect(res.status).toBe(413);
    expect((await fetch(`${collector.url}/api/traces/${uuidOf("ab".repeat(16))}`)).status).toBe(404);
  });

  it("a cross-site browser write is refused like any other (the request guards apply)", async () => {
    const res = await postOtlp(ProtobufTraceSerializer.serializeRequest(serviceSpans()) as Uint8Array, "application/x-protobuf", {
      origin: "https://evil.example",
    });
    expect(res.status).toBe(403);
  });
});

describe("a tracewire client calling an OpenTelemetry service (traceparent)", () => {
  it("the service's spans, sent as OTLP protobuf, land in the client's trace under the client's run", async () => {
    // The OTel service: continues the W3C context it is called with, one child span inside.
    const service = createServer((req: IncomingMessage, res: ServerResponse) => {
      const parent = w3c.extract(ROOT_CONTEXT, req.headers, defaultTextMapGetter);
      const handler = tracer.startSpan("GET /quote", { kind: SpanKind.SERVER }, parent);
      tracer.startSpan("db.query", {}, trace.setSpan(parent, handler)).end();
      handler.end();
      res.end("42");
    });
    servers.push(service);
    service.listen(0, "127.0.0.1");
    const url = await originOf(service);

    const client = new Client({ apiUrl: collector.url });
    const tracedFetch = createTracingFetch({ allow: [url], traceContext: true });
    let runId = "";
    const call = traceable(
      async () => {
        const { getCurrentRunTree } = await import("../../src/entries/traceable.js");
        runId = getCurrentRunTree().id;
        return (await tracedFetch(url)).text();
      },
      { name: "ask-quote", client, tracingEnabled: true },
    );
    expect(await call()).toBe("42");
    await client.flush();
    await client.shutdown();

    const res = await postOtlp(ProtobufTraceSerializer.serializeRequest(spans.getFinishedSpans()) as Uint8Array, "application/x-protobuf");
    expect(res.status).toBe(200);
    const runs = await traceRuns(runId);
    expect(runs.map((r) => [r.name, r.parent_run_id])).toEqual([
      ["ask-quote", undefined],
      ["GET /quote", runId],
      ["db.query", runs[1]?.id],
    ]);
    const [clientRun, handlerRun, dbRun] = runs as [Run, Run, Run];
    expect(handlerRun.dotted_order.startsWith(`${clientRun.dotted_order}.`)).toBe(true);
    expect(dbRun.dotted_order.startsWith(`${handlerRun.dotted_order}.`)).toBe(true);
    const list = (await (await fetch(`${collector.url}/api/traces`)).json()) as unknown;
    const traces = Array.isArray(list) ? list : (list as { traces: unknown[] }).traces;
    expect(traces).toMatchObject([{ trace_id: runId, run_count: 3 }]);
  });
});

describe("the decoders never throw on hostile input", () => {
  it("protobuf: any bytes, and mutations of a real request, read as spans or undefined", () => {
    const real = ProtobufTraceSerializer.serializeRequest(serviceSpans()) as Uint8Array;
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        expect(() => readMessage(bytes)).not.toThrow();
        expect(() => decodeProtobufRequest(bytes)).not.toThrow();
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.nat(real.length - 1), fc.nat(255), fc.nat(real.length), (at, byte, cut) => {
        const mutated = real.slice(0, Math.max(cut, at + 1));
        mutated[at] = byte;
        expect(() => decodeProtobufRequest(mutated)).not.toThrow();
      }),
      { numRuns: 2000 },
    );
  });

  it("protobuf: deeply nested attribute values are bounded, not recursed without end", () => {
    // AnyValue{array_value{values: AnyValue{array_value{...}}}} 10,000 deep, as one attribute.
    let value: Uint8Array = new Uint8Array([0x0a, 0x01, 0x78]); // AnyValue{string_value: "x"}
    const wrap = (field: number, inner: Uint8Array): Uint8Array => {
      const length: number[] = [];
      let n = inner.length;
      do {
        length.push((n & 0x7f) | (n > 0x7f ? 0x80 : 0));
        n >>>= 7;
      } while (n > 0);
      return Buffer.concat([Uint8Array.from([(field << 3) | 2, ...length]), inner]);
    };
    for (let i = 0; i < 10_000; i++) value = wrap(5, wrap(1, value)); // AnyValue.array_value → ArrayValue.values
    const kv = new Uint8Array([...wrap(1, new TextEncoder().encode("deep")), ...wrap(2, value)]);
    const span = new Uint8Array([...wrap(1, new Uint8Array(16).fill(1)), ...wrap(2, new Uint8Array(8).fill(2)), ...wrap(9, kv)]);
    const request = wrap(1, wrap(2, wrap(2, span)));
    const started = performance.now();
    const decoded = decodeProtobufRequest(request);
    expect(performance.now() - started).toBeLessThan(200);
    expect(decoded?.spans).toHaveLength(1);
    expect(JSON.stringify(decoded?.spans[0]?.attributes.deep).length).toBeLessThan(200);
  });

  it("JSON: arbitrary JSON values read as spans or undefined", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => {
        expect(() => decodeJsonRequest(JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [value] }] }] }))).not.toThrow();
        expect(() => decodeJsonRequest(JSON.stringify(value))).not.toThrow();
      }),
      { numRuns: 1000 },
    );
  });
});
