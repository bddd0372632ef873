/**
 * The OTLP/HTTP JSON exporter (SPEC §7) against a loopback collector (the capture server, which
 * records raw requests):
 * - the payload is exactly what OpenTelemetry's own JSON serializer (`@opentelemetry/otlp-transformer`)
 *   writes for the same spans, and its parentSpanIds rebuild a traced tree;
 * - spans leave when runs end, and runs waiting for their end are bounded;
 * - retries, rejections and drops go through the LangSmith exporter's accounting;
 * - the standard OTEL_* variables configure it, and bad ones are ConfigErrors naming the variable.
 */
import type { Attributes, HrTime, SpanContext } from "@opentelemetry/api";
import { JsonTraceSerializer } from "@opentelemetry/otlp-transformer";
import { type Resource, resourceFromAttributes } from "@opentelemetry/resources";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { DropReason } from "../../src/config/options.js";
import type { RunCreate, RunSink, RunUpdate } from "../../src/core/types.js";
import { ConfigError } from "../../src/core/errors.js";
import { OtlpClient, runFromTraceContext, spanIdOfUuid, traceIdOfUuid } from "../../src/entries/otel.js";
import { traceable } from "../../src/entries/traceable.js";
import { RunTree } from "../../src/run-tree/run-tree.js";
import { type CaptureServer, type CapturedRequest, startCaptureServer } from "../helpers/capture-server.js";
import { ObservableSink } from "../helpers/observable-sink.js";
import { NO_DROPS, postEnded } from "../helpers/runs.js";

interface OtlpValue {
  stringValue?: string;
  intValue?: number;
  doubleValue?: number;
  boolValue?: boolean;
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: { key: string; value: OtlpValue }[];
  status: { code: number; message?: string };
  flags: number;
}
interface OtlpRequest {
  resourceSpans: {
    resource: { attributes: { key: string; value: OtlpValue }[] };
    scopeSpans: { scope: { name: string; version?: string }; spans: OtlpSpan[] }[];
  }[];
}

let server: CaptureServer;
const clients: OtlpClient[] = [];
beforeEach(async () => {
  server = await startCaptureServer();
});
afterEach(async () => {
  vi.unstubAllEnvs();
  await Promise.all(clients.splice(0).map((c) => c.shutdown()));
  await server.close();
});

/** Fast retries; batches leave on flush only, so every request is one the test asked for. */
function otlp(options: ConstructorParameters<typeof OtlpClient>[0] = {}): OtlpClient {
  const client = new OtlpClient({ url: `${server.url}/v1/traces`, retryBaseDelayMs: 5, retryMaxDelayMs: 20, flushDelayMs: 60_000, ...options });
  clients.push(client);
  return client;
}

const delivered = (s: CaptureServer): CapturedRequest[] => s.requests.filter((r) => r.bodyText !== "");
const bodyOf = (request: CapturedRequest): OtlpRequest => JSON.parse(request.bodyText) as OtlpRequest;
const spansOf = (s: CaptureServer): OtlpSpan[] =>
  delivered(s).flatMap((r) => bodyOf(r).resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans)));
const attr = (span: OtlpSpan, key: string): string | undefined => span.attributes.find((a) => a.key === key)?.value.stringValue;

/** A sink that hands every run to both: the LangSmith-shaped record to compare with, and OTLP. */
function tee(a: RunSink, b: RunSink): RunSink {
  return {
    createRun: (run: RunCreate) => void (a.createRun(run), b.createRun(run)),
    updateRun: (id: string, run: RunUpdate) => void (a.updateRun(id, run), b.updateRun(id, run)),
  };
}

// ---------------------------------------------------------------- the official JSON mapping

function hrTime(nanos: string): HrTime {
  const n = BigInt(nanos);
  return [Number(n / 1_000_000_000n), Number(n % 1_000_000_000n)];
}

function plain(value: OtlpValue): string | number | boolean | undefined {
  return value.stringValue ?? value.intValue ?? value.doubleValue ?? value.boolValue;
}

/** The same span as an SDK ReadableSpan: what OTel's own exporter would be handed. */
function readableOf(span: OtlpSpan, resource: Resource, scope: { name: string; version?: string }): ReadableSpan {
  const ctx = (spanId: string): SpanContext => ({ traceId: span.traceId, spanId, traceFlags: span.flags & 0xff });
  const attributes: Attributes = Object.fromEntries(span.attributes.map((a) => [a.key, plain(a.value)]));
  return {
    name: span.name,
    // The API's SpanKind is the proto's minus one (the proto has UNSPECIFIED = 0).
    kind: span.kind - 1,
    spanContext: () => ctx(span.spanId),
    parentSpanContext: span.parentSpanId ? ctx(span.parentSpanId) : undefined,
    startTime: hrTime(span.startTimeUnixNano),
    endTime: hrTime(span.endTimeUnixNano),
    duration: [0, 0],
    status: span.status,
    attributes,
    links: [],
    events: [],
    ended: true,
    resource,
    instrumentationScope: scope,
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  };
}

/**
 * Our body re-encoded by OpenTelemetry's JSON serializer from the values it carries. Equal means
 * every field name, nesting and type (hex ids, nanosecond strings, integer enums, AnyValue
 * attributes) is the official mapping. Span flags are the one field read differently: OTel always
 * claims to know whether the parent is remote (bit 8); we leave it unknown, so only the W3C low
 * byte is compared.
 */
function reencoded(body: OtlpRequest): unknown {
  const readables = body.resourceSpans.flatMap((rs) => {
    // One Resource object per ResourceSpans: the serializer groups spans by resource identity.
    const resource = resourceFromAttributes(Object.fromEntries(rs.resource.attributes.map((a) => [a.key, plain(a.value)])) as Attributes);
    return rs.scopeSpans.flatMap((ss) => ss.spans.map((s) => readableOf(s, resource, ss.scope)));
  });
  const official = JSON.parse(new TextDecoder().decode(JsonTraceSerializer.serializeRequest(readables))) as OtlpRequest;
  for (const rs of official.resourceSpans) for (const ss of rs.scopeSpans) for (const s of ss.spans) s.flags &= 0xff;
  return official;
}

describe("the OTLP payload", () => {
  it("a 3-level traceable tree arrives as OTel's own JSON encoding, and parentSpanIds rebuild it", async () => {
    const client = otlp({ serviceName: "checkout" });
    const runs = new ObservableSink();
    const sink = tee(runs, client);
    const leaf = traceable(async (q: string) => ({ text: `answer to ${q}` }), { name: "leaf", run_type: "llm" });
    const failing = traceable(async () => {
      throw new Error("tool broke");
    }, { name: "failing", run_type: "tool" });
    const middle = traceable(async (q: string) => {
      await failing().catch(() => undefined);
      return leaf(q);
    }, { name: "middle" });
    const root = traceable(async (q: string) => middle(q), {
      name: "root",
      client: sink,
      tracingEnabled: true,
      metadata: { user: "ada", attempt: 2 },
      tags: ["prod", "v2"],
    });
    await root("why");
    await runs.untilEnded(4);
    await client.flush();

    expect(delivered(server)).toHaveLength(1);
    const request = delivered(server)[0]!;
    expect(request.path).toBe("/v1/traces");
    expect(request.headers["content-type"]).toBe("application/json");
    const body = bodyOf(request);
    expect(body).toEqual(reencoded(body));
    expect(body.resourceSpans[0]!.resource.attributes.find((a) => a.key === "service.name")?.value.stringValue).toBe("checkout");

    // The tree, rebuilt from spans alone, is the run tree.
    const spans = spansOf(server);
    expect(spans).toHaveLength(4);
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    const parentName = (s: OtlpSpan): string | undefined => (s.parentSpanId ? byId.get(s.parentSpanId)?.name : undefined);
    expect(Object.fromEntries(spans.map((s) => [s.name, parentName(s) ?? null]))).toEqual({
      root: null,
      middle: "root",
      failing: "middle",
      leaf: "middle",
    });
    for (const run of runs.runs()) {
      const span = spans.find((s) => s.name === run.name)!;
      expect(span.traceId).toBe(traceIdOfUuid(run.trace_id));
      expect(span.spanId).toBe(spanIdOfUuid(run.id));
      expect(span.parentSpanId).toBe(run.parent_run_id && spanIdOfUuid(run.parent_run_id));
      expect(attr(span, "langsmith.span.id")).toBe(run.id);
      expect(attr(span, "langsmith.span.dotted_order")).toBe(run.dotted_order);
      expect(attr(span, "langsmith.span.kind")).toBe(run.run_type);
      expect(attr(span, "langsmith.trace.session_name")).toBe(run.session_name);
      // Microseconds survive: the nanosecond strings carry the run's exact times.
      expect(span.startTimeUnixNano).toBe(`${BigInt(Date.parse(run.start_time.slice(0, 19) + "Z")) * 1_000_000n + BigInt(run.start_time.slice(20, 26)) * 1000n}`);
      expect(BigInt(span.endTimeUnixNano) >= BigInt(span.startTimeUnixNano)).toBe(true);
    }
    const [rootSpan, failingSpan, leafSpan] = ["root", "failing", "leaf"].map((n) => spans.find((s) => s.name === n)!);
    expect(rootSpan!.kind).toBe(1);
    expect(leafSpan!.kind).toBe(3);
    expect(rootSpan!.status).toEqual({ code: 1 });
    expect(failingSpan!.status.code).toBe(2);
    expect(failingSpan!.status.message).toContain("tool broke");
    expect(attr(rootSpan!, "langsmith.metadata.user")).toBe("ada");
    expect(attr(rootSpan!, "langsmith.metadata.attempt")).toBe("2");
    expect(attr(rootSpan!, "langsmith.span.tags")).toBe("prod, v2");
    expect(JSON.parse(attr(rootSpan!, "gen_ai.prompt")!)).toEqual({ input: "why" });
    expect(JSON.parse(attr(leafSpan!, "gen_ai.completion")!)).toEqual({ text: "answer to why" });
  });

  it("a run under a traceparent placeholder is a child of the caller's span in the caller's trace", async () => {
    const client = otlp();
    const parent = runFromTraceContext({ traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" }, { client });
    const child = parent!.createChild({ name: "handler" });
    await child.postRun();
    child.end({ ok: true });
    await child.patchRun();
    await client.flush();
    const [span] = spansOf(server);
    expect(span?.traceId).toBe("0af7651916cd43dd8448eb211c80319c");
    expect(span?.parentSpanId).toBe("b7ad6b7169203331");
    expect(spansOf(server)).toHaveLength(1);
  });

  it("gzip, when asked for, arrives as a gzip body the collector can read", async () => {
    const client = otlp({ compression: "gzip", gzipMinBytes: 0 });
    const run = new RunTree({ name: "zipped", client });
    run.end({});
    await run.postRun();
    await client.flush();
    expect(delivered(server)[0]?.headers["content-encoding"]).toBe("gzip");
    expect(spansOf(server).map((s) => s.name)).toEqual(["zipped"]);
  });
});

describe("spans leave when runs end", () => {
  it("a started run waits (pendingRuns) until its update; then one span goes", async () => {
    const client = otlp();
    const run = new RunTree({ name: "slow", client, inputs: { q: 1 } });
    await run.postRun();
    await client.flush();
    expect(server.requests).toHaveLength(0);
    expect(client.stats().pendingRuns).toBe(1);
    run.end({ a: 2 });
    await run.patchRun();
    await client.flush();
    expect(client.stats().pendingRuns).toBe(0);
    const [span] = spansOf(server);
    expect(spansOf(server)).toHaveLength(1);
    expect(JSON.parse(attr(span!, "gen_ai.prompt")!)).toEqual({ q: 1 });
    expect(JSON.parse(attr(span!, "gen_ai.completion")!)).toEqual({ a: 2 });
  });

  it("past maxPendingRuns a started run is dropped as queue_full, counted and reported", async () => {
    const drops: { reason: DropReason; ids: string[] }[] = [];
    const client = otlp({ maxPendingRuns: 2, onDrop: (reason, runs) => drops.push({ reason, ids: runs.map((r) => r.id) }) });
    const started = [0, 1, 2].map((i) => new RunTree({ name: `run-${i}`, client }));
    for (const run of started) await run.postRun();
    expect(drops).toEqual([{ reason: "queue_full", ids: [started[2]!.id] }]);
    for (const run of started) {
      run.end({});
      await run.patchRun();
    }
    await client.flush();
    expect(spansOf(server).map((s) => s.name).sort()).toEqual(["run-0", "run-1"]);
    expect(client.stats().dropped).toEqual({ queue_full: 1, rejected: 0, retries_exhausted: 0, too_large: 0, invalid_id: 0 });
  });
  it("[12.4] a waiting run counts its strings at their real width: two runs of 100k wide characters do not fit in 300 kB", async () => {
    const drops: DropReason[] = [];
    const client = otlp({ maxQueueBytes: 300_000, onDrop: (reason) => drops.push(reason) });
    // "€" is outside Latin-1: V8 holds the serialized inputs two bytes a character.
    const started = [0, 1].map((i) => new RunTree({ name: `wide-${i}`, client, inputs: { text: "€".repeat(100_000) } }));
    for (const run of started) await run.postRun();
    expect(drops).toEqual(["queue_full"]);
    expect(client.stats().pendingRuns).toBe(1);
  });
});

describe("retries and drops are the LangSmith exporter's", () => {
  it("a 503 then 200 delivers everything, with the retry counted", async () => {
    server.reply = (_req, index) => (index === 0 ? { status: 503 } : { status: 200 });
    const client = otlp();
    const ids = await postEnded(client, 5);
    await client.flush();
    expect(server.requests).toHaveLength(2);
    expect(spansOf(server).map((s) => attr(s, "langsmith.span.id")).sort()).toEqual([...ids].sort());
    const stats = client.stats();
    expect(stats.retries).toBe(1);
    expect(stats.sentRuns).toBe(5);
    expect(stats.dropped).toEqual(NO_DROPS);
  });

  it("a 400 is final: no retry, every span counted rejected and reported", async () => {
    server.reply = () => ({ status: 400, body: '{"message":"bad"}' });
    const dropped: string[] = [];
    const client = otlp({ onDrop: (reason, runs) => reason === "rejected" && dropped.push(...runs.map((r) => r.id)) });
    const ids = await postEnded(client, 3);
    await client.flush();
    expect(server.requests).toHaveLength(1);
    expect(dropped.sort()).toEqual([...ids].sort());
    expect(client.stats().dropped.rejected).toBe(3);
    expect(client.stats().sentRuns).toBe(0);
  });

  it("a collector that stays down is retries_exhausted at the deadline", async () => {
    server.reply = () => ({ status: 503 });
    const client = otlp({ retryDeadlineMs: 50 });
    await postEnded(client, 2);
    await client.flush();
    expect(client.stats().dropped.retries_exhausted).toBe(2);
  });
});

describe("configuration from OTEL_* variables", () => {
  async function sendOne(client: OtlpClient): Promise<CapturedRequest> {
    const run = new RunTree({ name: "configured", client });
    run.end({});
    await run.postRun();
    await client.flush();
    return delivered(server)[0]!;
  }

  it("OTEL_EXPORTER_OTLP_ENDPOINT is a base: /v1/traces is appended", async () => {
    vi.stubEnv("OTEL_EXPORTER_OTLP_ENDPOINT", `${server.url}/collector/`);
    const client = new OtlpClient({ flushDelayMs: 60_000 });
    clients.push(client);
    expect(client.url).toBe(`${server.url}/collector/v1/traces`);
    expect((await sendOne(client)).path).toBe("/collector/v1/traces");
  });

  it("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is used as is, and wins", async () => {
    vi.stubEnv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9");
    vi.stubEnv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", `${server.url}/otel/traces?tenant=a`);
    const client = new OtlpClient({ flushDelayMs: 60_000 });
    clients.push(client);
    expect((await sendOne(client)).path).toBe("/otel/traces?tenant=a");
  });

  it("OTEL_EXPORTER_OTLP_HEADERS are sent, percent-decoded; OTEL_SERVICE_NAME names the resource", async () => {
    vi.stubEnv("OTEL_EXPORTER_OTLP_HEADERS", " x-api-key=s3cr%20t , Langsmith-Project=my%2Cproject,");
    vi.stubEnv("OTEL_SERVICE_NAME", "billing");
    const request = await sendOne(otlp());
    expect(request.headers["x-api-key"]).toBe("s3cr t");
    expect(request.headers["langsmith-project"]).toBe("my,project");
    expect(bodyOf(request).resourceSpans[0]!.resource.attributes[0]).toEqual({ key: "service.name", value: { stringValue: "billing" } });
  });

  it.each([
    ["OTEL_EXPORTER_OTLP_ENDPOINT", "ftp://collector"],
    ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "not a url"],
    ["OTEL_EXPORTER_OTLP_HEADERS", "x-api-key"],
    ["OTEL_EXPORTER_OTLP_HEADERS", "x-api-key=%zz-secret"],
    ["OTEL_EXPORTER_OTLP_HEADERS", "bad name=secret"],
    ["OTEL_EXPORTER_OTLP_COMPRESSION", "brotli"],
  ])("%s=%s is a ConfigError naming the variable, never echoing a header value", (name, value) => {
    vi.stubEnv(name, value);
    let error: unknown;
    try {
      new OtlpClient();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).key).toBe(name);
    expect((error as Error).message).not.toContain("secret");
  });

  it("a bad option is a ConfigError naming the option", () => {
    expect(() => new OtlpClient({ url: "file:///tmp/x" })).toThrow(/option `url`/);
    expect(() => new OtlpClient({ url: `${server.url}/v1/traces`, maxPendingRuns: 0 })).toThrow(/option `maxPendingRuns`/);
    expect(() => new OtlpClient({ url: `${server.url}/v1/traces`, maxBatchRuns: -1 })).toThrow(/option `maxBatchRuns`/);
  });
});
