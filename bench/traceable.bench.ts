/**
 * The cost of a traced call (SPEC §9, issue "traceable"): an async function wrapped by each
 * library's tracer, runs handed to a client that discards them, at depth 1 and 3; and the cost
 * of the wrapper with tracing off, beside a bare `AsyncLocalStorage.run`.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { context, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { BasicTracerProvider, type ReadableSpan, SimpleSpanProcessor, type SpanExporter } from "@opentelemetry/sdk-trace-base";
import { Client as LangsmithClient } from "langsmith";
import { traceable as lsTraceable } from "langsmith/traceable";
import { loadTraceable } from "./lib/libs.js";
import { timeOp } from "./lib/measure.js";
import { type ResultRow, defineBench } from "./lib/types.js";

/**
 * A sink that takes each run and keeps nothing: the cost measured is the tracer's own. Both
 * libraries get the same two no-op methods (langsmith awaits their result either way).
 */
const discard = { createRun: (): undefined => undefined, updateRun: (): undefined => undefined };

/** langsmith's Client with its two ingest methods replaced: nothing queued, nothing sent. */
function discardingLangsmithClient(): LangsmithClient {
  const client = new LangsmithClient({ apiUrl: "http://127.0.0.1:9", apiKey: "unused", autoBatchTracing: false });
  Object.assign(client, discard);
  return client;
}

function otelTracer() {
  const exporter: SpanExporter = {
    export: (_spans: ReadableSpan[], done) => done({ code: 0 }),
    shutdown: async () => {},
  };
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  trace.setGlobalTracerProvider(provider);
  return trace.getTracer("bench");
}

/**
 * What tracing adds to a call beyond the context it must carry (issue 15): the traced depth-1
 * mean minus the bare, awaited `AsyncLocalStorage.run` mean, both from this process run and on
 * the same input.
 */
function overheadAboveAls(depth1: ResultRow, off: ResultRow): ResultRow {
  const traced = depth1.values.tracewire;
  const bare = off.values.otel;
  if (!traced || !bare) throw new Error("traceable.bench: the depth-1 or bare AsyncLocalStorage.run figure is missing");
  return {
    id: "traceable.depth1.overhead",
    op: "traced async call, depth 1: overhead above an awaited bare AsyncLocalStorage.run",
    metric: "time per op",
    unit: "ns/op",
    better: "lower",
    values: { tracewire: { value: traced.value - bare.value } },
    goals: [{ kind: "absolute", max: 500, text: "≤ 500 ns" }],
    note: "tracewire's depth-1 mean minus the bare `AsyncLocalStorage.run` mean of the tracing-off row, same run, same input",
  };
}

export default defineBench({
  title: "Traced call",
  description:
    "An async function traced by each library, runs handed to a client that discards them (depth 1: one run per call; depth 3: three nested runs per call), and the untraced wrapper beside a bare `AsyncLocalStorage.run`.",
  async run(ctx) {
    const tw = await loadTraceable();
    const tracer = otelTracer();
    const lsClient = discardingLangsmithClient();
    const work = async (x: number) => x + 1;

    const twOn = { client: discard, tracingEnabled: true };
    const tw1 = tw.traceable(work, { name: "leaf", ...twOn });
    const twLeaf = tw.traceable(work, { name: "leaf" });
    const twMid = tw.traceable(async (x: number) => twLeaf(x), { name: "mid" });
    const tw3 = tw.traceable(async (x: number) => twMid(x), { name: "root", ...twOn });

    const lsOn = { client: lsClient, tracingEnabled: true };
    const ls1 = lsTraceable(work, { name: "leaf", ...lsOn });
    const lsLeaf = lsTraceable(work, { name: "leaf", ...lsOn });
    const lsMid = lsTraceable(async (x: number) => lsLeaf(x), { name: "mid", ...lsOn });
    const ls3 = lsTraceable(async (x: number) => lsMid(x), { name: "root", ...lsOn });

    const span = <T>(name: string, fn: () => Promise<T>): Promise<T> =>
      tracer.startActiveSpan(name, async (s) => {
        try {
          return await fn();
        } finally {
          s.end();
        }
      });
    const otel1 = (x: number) => span("leaf", () => work(x));
    const otel3 = (x: number) => span("root", () => span("mid", () => span("leaf", () => work(x))));

    // Sanity: each tracer really records (a run tree / an active span) inside the call.
    const seen = await tw.traceable(async () => tw.getCurrentRunTree().name, { name: "probe", ...twOn })();
    if (seen !== "probe") throw new Error("traceable.bench: tracewire run not active inside the call");

    const twOff = tw.traceable(work, { name: "off", tracingEnabled: false });
    const lsOff = lsTraceable(work, { name: "off", tracingEnabled: false });
    const als = new AsyncLocalStorage<number>();
    const bareAls = (x: number) => als.run(1, work, x);

    const depth1 = await timeOp(ctx, {
        id: "traceable.depth1",
        op: "traced async call, depth 1",
        impls: { tracewire: () => tw1(1), langsmith: () => ls1(1), otel: () => otel1(1) },
        goals: [
          { kind: "ratio", vs: "langsmith", max: 1 / 50, text: "≤ 1/50 of langsmith" },
          { kind: "ratio", vs: "otel", max: 1, exclusive: true, text: "below an OpenTelemetry span" },
        ],
        note: "each call awaited; the client discards runs (tracewire, langsmith) / a no-op exporter behind SimpleSpanProcessor (OpenTelemetry)",
      });
    const depth3 = await timeOp(ctx, {
        id: "traceable.depth3",
        op: "traced async call, depth 3",
        impls: { tracewire: () => tw3(1), langsmith: () => ls3(1), otel: () => otel3(1) },
        goals: [
          { kind: "ratio", vs: "langsmith", max: 1 / 50, text: "≤ 1/50 of langsmith" },
          { kind: "ratio", vs: "otel", max: 1, exclusive: true, text: "below OpenTelemetry spans" },
        ],
      });
    const off = await timeOp(ctx, {
        id: "traceable.off",
        op: "tracing off: wrapper around an async call",
        impls: { tracewire: () => twOff(1), langsmith: () => lsOff(1), otel: () => bareAls(1) },
        goals: [{ kind: "ratio", vs: "otel", max: 2, text: "within 2x of a bare AsyncLocalStorage.run" }],
        note: "the OpenTelemetry column of this row is a bare `AsyncLocalStorage.run(store, fn)` — the floor any context-carrying wrapper pays",
      });
    return [depth1, depth3, off, overheadAboveAls(depth1, off)];
  },
});
