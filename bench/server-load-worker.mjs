/**
 * One traced server of `bench/server-load.bench.ts`, in its own process:
 *
 *   node bench/server-load-worker.mjs <untraced|express-untraced|tracewire|express|langsmith|otel> [otlpUrl]
 *
 * Listens on 127.0.0.1 (ephemeral port) and prints `{"port":N}` on stdout. `POST /` continues the
 * caller's trace (tracewire and langsmith: `RunTree.fromHeaders` + `withRunTree`; express:
 * tracewire's `expressTracing`; otel: the W3C `traceparent`) and runs a traced handler with two
 * traced children, one of whose inputs is a 20-item object. tracewire and langsmith export to
 * their shared client (LANGSMITH_TRACING / _ENDPOINT / _API_KEY are set in this child's env only);
 * otel through a BatchSpanProcessor and the OTLP/HTTP JSON exporter to `otlpUrl`.
 *
 * Control endpoints, never traced: `POST /__start` reads `process.cpuUsage()`, `POST /__stop`
 * answers the CPU microseconds since `/__start` and the requests handled in that window,
 * `POST /__flush` flushes the exporter and answers the requests handled since start-up.
 */
const [variant, otlpUrl] = process.argv.slice(2);
const VARIANTS = ["untraced", "express-untraced", "tracewire", "express", "langsmith", "otel"];
if (!VARIANTS.includes(variant)) {
  console.error(`usage: node bench/server-load-worker.mjs <${VARIANTS.join("|")}> [otlpUrl]`);
  process.exit(2);
}

const { createServer } = await import("node:http");

/** The 20-item object one child takes as input: what a retrieval step hands on. */
const DOCUMENTS = Object.fromEntries(
  Array.from({ length: 20 }, (_, i) => [`doc${i}`, { id: i, title: `Document ${i}`, score: 1 - i / 20 }]),
);
const retrieveWork = (query, documents) => ({ query, hits: Object.keys(documents).length });
const generateWork = (prompt) => ({ text: `answer to ${prompt}`, tokens: 42 });

/** Builds `handle(body) => Promise<result>` and `flush()` for the variant. */
async function setup() {
  if (variant === "untraced" || variant === "express-untraced") {
    const handle = async (query) => {
      const found = await retrieveWork(query, DOCUMENTS);
      return generateWork(`${query} (${found.hits})`);
    };
    return { handle, flush: async () => {}, express: variant === "express-untraced", untraced: true };
  }
  if (variant === "otel") {
    const api = await import("@opentelemetry/api");
    const { AsyncLocalStorageContextManager } = await import("@opentelemetry/context-async-hooks");
    const { BasicTracerProvider, BatchSpanProcessor } = await import("@opentelemetry/sdk-trace-base");
    const { OTLPTraceExporter } = await import("@opentelemetry/exporter-trace-otlp-http");
    const { W3CTraceContextPropagator } = await import("@opentelemetry/core");
    api.context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    api.propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    const processor = new BatchSpanProcessor(new OTLPTraceExporter({ url: `${otlpUrl}/v1/traces` }));
    const provider = new BasicTracerProvider({ spanProcessors: [processor] });
    api.trace.setGlobalTracerProvider(provider);
    const tracer = api.trace.getTracer("bench");
    // The same inputs and outputs tracewire records, as span attributes (JSON, as OTel GenAI does).
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
    const retrieve = (query, documents) => span("retrieve", { query, documents }, () => retrieveWork(query, documents));
    const generate = (prompt) => span("generate", { prompt }, () => generateWork(prompt));
    const handle = (query, headers) =>
      api.context.with(api.propagation.extract(api.ROOT_CONTEXT, headers), () =>
        span("handle", { query }, async () => {
          const found = await retrieve(query, DOCUMENTS);
          return generate(`${query} (${found.hits})`);
        }),
      );
    return { handle, flush: () => processor.forceFlush() };
  }
  const ls = variant === "langsmith";
  const { RunTree } = await import(ls ? "langsmith" : "tracewire");
  const { traceable, withRunTree } = await import(ls ? "langsmith/traceable" : "tracewire/traceable");
  const retrieve = traceable(async (query, documents) => retrieveWork(query, documents), { name: "retrieve", run_type: "retriever" });
  const generate = traceable(async (prompt) => generateWork(prompt), { name: "generate", run_type: "llm" });
  const traced = traceable(
    async (query) => {
      const found = await retrieve(query, DOCUMENTS);
      return generate(`${query} (${found.hits})`);
    },
    { name: "handle", run_type: "chain" },
  );
  const client = RunTree.getSharedClient();
  const flush = () => (ls ? client.awaitPendingTraceBatches() : client.flush());
  // express: expressTracing has already continued the trace; the handler only calls the function.
  if (variant === "express") return { handle: (query) => traced(query), flush, express: true };
  const handle = (query, headers) => {
    const parent = RunTree.fromHeaders(headers);
    return parent ? withRunTree(parent, () => traced(query)) : traced(query);
  };
  return { handle, flush };
}

const { handle, flush, express, untraced } = await setup();
let handled = 0;
let windowStart = { cpu: process.cpuUsage(), handled: 0 };

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function send(res, status, value) {
  const body = JSON.stringify(value);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  res.end(body);
}

/** The control endpoints; true when the request was one. */
async function control(req, res) {
  if (req.url === "/__start") {
    windowStart = { cpu: process.cpuUsage(), handled };
    send(res, 200, {});
  } else if (req.url === "/__stop") {
    const cpu = process.cpuUsage(windowStart.cpu);
    send(res, 200, { cpuMicros: cpu.user + cpu.system, handled: handled - windowStart.handled });
  } else if (req.url === "/__flush") {
    await flush();
    send(res, 200, { handled });
  } else {
    return false;
  }
  return true;
}

async function serve(req, res) {
  const query = await readBody(req);
  const result = await handle(query, req.headers);
  handled++;
  send(res, 200, result);
}

let server;
if (express) {
  const { default: expressApp } = await import("express");
  const { expressTracing } = untraced ? {} : await import("tracewire/middleware");
  const app = expressApp();
  app.use((req, res, next) => {
    control(req, res).then((done) => done || next(), next);
  });
  if (!untraced) app.use(expressTracing());
  app.post("/", (req, res, next) => {
    serve(req, res).catch(next);
  });
  server = createServer(app);
} else {
  server = createServer((req, res) => {
    control(req, res)
      .then((done) => (done ? undefined : serve(req, res)))
      .catch((error) => send(res, 500, { error: String(error) }));
  });
}
server.keepAliveTimeout = 30_000;
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
process.on("SIGTERM", () => process.exit(0));
