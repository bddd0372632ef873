/**
 * One library's sequential workload for `bench/sequential.bench.ts`, in its own process:
 *
 *   node bench/sequential-worker.mjs <tracewire|langsmith|otel> <calls> <backendUrl> [yieldEvery]
 *
 * `<calls>` awaited traced calls one after another, each a root with one child (2 runs), with
 * one turn of the event loop (`setImmediate`) every `yieldEvery` calls (default 1,024, as a batch
 * job that awaits each item would; 1 leaves the loop free between calls, so what delays it is the
 * library's own work, not the caller's); then the exporter's flush (which resolves once the backend acknowledged every run).
 * Prints one JSON line: seconds from the first call to the flush resolved, peak RSS (getrusage)
 * and the event loop's p99 delay over the whole run (monitorEventLoopDelay).
 * tracewire and langsmith post to `<backendUrl>` (LangSmith API); otel to `<backendUrl>/v1/traces`.
 */
import { monitorEventLoopDelay } from "node:perf_hooks";

const [lib, callsText, url, yieldText = "1024"] = process.argv.slice(2);
const calls = Number(callsText);
const YIELD_EVERY = Number(yieldText);
const valid = (n) => Number.isSafeInteger(n) && n > 0;
if (!["tracewire", "langsmith", "otel"].includes(lib) || !valid(calls) || !valid(YIELD_EVERY) || !url) {
  console.error("usage: node bench/sequential-worker.mjs <tracewire|langsmith|otel> <calls> <backendUrl> [yieldEvery]");
  process.exit(2);
}

async function setup() {
  if (lib === "otel") {
    const api = await import("@opentelemetry/api");
    const { AsyncLocalStorageContextManager } = await import("@opentelemetry/context-async-hooks");
    const { BasicTracerProvider, BatchSpanProcessor } = await import("@opentelemetry/sdk-trace-base");
    const { OTLPTraceExporter } = await import("@opentelemetry/exporter-trace-otlp-http");
    api.context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    // A queue that holds every span: the default (2,048) would drop spans a sequential loop
    // outruns, and a rate that loses runs is not comparable. The flush then exports every queued
    // batch at once, so the exporter's limit on concurrent exports (30) must allow that many.
    const maxQueueSize = 2 * calls + 1;
    const exporter = new OTLPTraceExporter({ url: `${url}/v1/traces`, concurrencyLimit: Math.ceil(maxQueueSize / 512) + 1 });
    const processor = new BatchSpanProcessor(exporter, { maxQueueSize });
    api.trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [processor] }));
    const tracer = api.trace.getTracer("bench");
    const span = (name, inputs, fn) =>
      tracer.startActiveSpan(name, async (s) => {
        s.setAttribute("inputs", JSON.stringify(inputs));
        try {
          const out = await fn();
          s.setAttribute("outputs", JSON.stringify(out));
          return out;
        } finally {
          s.end();
        }
      });
    const f = (i) => span("root", { i }, () => span("child", { i }, async () => ({ out: i })));
    return { f, flush: () => processor.forceFlush() };
  }
  const ls = lib === "langsmith";
  const { Client } = await import(ls ? "langsmith" : "tracewire");
  const { traceable } = await import(ls ? "langsmith/traceable" : "tracewire/traceable");
  // tracewire's queue bound raised as OpenTelemetry's is (langsmith's is unbounded): at 200,000
  // calls the loop outruns a loopback backend on a busy machine, and the default 256 MiB then
  // drops runs (counted), which the lost-run check would fail. SEQUENTIAL_DEFAULT_QUEUE=1 keeps it.
  const maxQueueBytes = process.env.SEQUENTIAL_DEFAULT_QUEUE === "1" ? undefined : 2 * 1024 ** 3;
  const client = ls ? new Client({ apiUrl: url, apiKey: "bench" }) : new Client({ apiUrl: url, ...(maxQueueBytes ? { maxQueueBytes } : {}) });
  const child = traceable(async (i) => ({ out: i }), { name: "child", client, tracingEnabled: true });
  const f = traceable(async (i) => child(i), { name: "root", client, tracingEnabled: true });
  return { f, flush: () => (ls ? client.awaitPendingTraceBatches() : client.flush()) };
}

const { f, flush } = await setup();
const loop = monitorEventLoopDelay({ resolution: 1 });
loop.enable();
await new Promise((resolve) => setTimeout(resolve, 250)); // the client's start-up, and the histogram's first tick
loop.reset();

const started = performance.now();
for (let i = 0; i < calls; i++) {
  await f(i);
  if ((i + 1) % YIELD_EVERY === 0) await new Promise((resolve) => setImmediate(resolve));
}
await flush();
const seconds = (performance.now() - started) / 1000;
loop.disable();
const result = {
  lib,
  calls,
  seconds,
  peakRssMiB: (process.resourceUsage().maxRSS * 1024) / (1024 * 1024),
  p99DelayMs: loop.percentile(99) / 1e6,
  maxDelayMs: loop.max / 1e6,
};
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
