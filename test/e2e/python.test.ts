/**
 * Both halves of the distributed-tracing guide, across languages: the real Python `langsmith` SDK
 * (0.14) and FastAPI/httpx, running the guide's Python code (test/python/), with tracewire's
 * built package, every process sending to a real `tracewire dev` (node dist/cli.js dev). The
 * venv is made by scripts/python-env.mjs on first use: no Python, no test run (a failure).
 *
 * Every process is waited on by its own events (a printed port, its exit); a process's runs have
 * been acknowledged — so stored — by the collector before it exits, so each trace is read once.
 */
import { execFile } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LiveChild as Child, exitOf, printed, startChild } from "../helpers/live-child.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const PY_DIR = join(ROOT, "test/python");
/** The guide's `/my-route`, served by every server here. */
const ROUTE = "/my-route";

interface Run {
  id: string;
  name: string;
  trace_id: string;
  parent_run_id?: string | null;
  dotted_order: string;
  session_name?: string;
  tags?: string[];
  extra?: { metadata?: Record<string, unknown>; runtime?: { sdk?: string } };
  outputs?: Record<string, unknown>;
  end_time?: string;
  error?: unknown;
}

let python = "";
let collectorUrl = "";
let dataDir = "";
const children: Child[] = [];

function start(name: string, command: string, args: string[], env: Record<string, string> = {}): Child {
  const child = startChild(name, command, args, {
    cwd: ROOT,
    env: {
      ...process.env,
      LANGSMITH_ENDPOINT: collectorUrl,
      LANGSMITH_TRACING: "true",
      LANGSMITH_PROJECT: "",
      LANGCHAIN_PROJECT: "",
      PYTHONPATH: PY_DIR,
      PYTHONUNBUFFERED: "1",
      // The root tsconfig maps `tracewire` to src/; this one leaves it to package.json (dist/).
      TSX_TSCONFIG_PATH: "examples/three-services/tsconfig.json",
      ...env,
    },
  });
  children.push(child);
  return child;
}

const startPython = (name: string, file: string, args: string[], env?: Record<string, string>): Child =>
  start(name, python, [join(PY_DIR, file), ...args], env);
const startNode = (name: string, file: string, args: string[], env?: Record<string, string>): Child =>
  start(name, process.execPath, ["--import", "tsx", join(PY_DIR, file), ...args], env);

/** The process ended by itself (exit 0), having logged nothing: no warning, no traceback. */
async function endsCleanly(child: Child): Promise<void> {
  const how = await exitOf(child);
  expect(how, `${child.name}:\n${child.stdout}${child.stderr}`).toEqual({ code: 0, signal: null });
  expect(child.stderr, `${child.name}'s log`).toBe("");
}

/** A server: started, its URL once it listens. */
async function serving(child: Child): Promise<string> {
  const [, url] = await printed(child, /listening on (http:\/\/127\.0\.0\.1:\d+)/);
  return url as string;
}

/** SIGTERM: the server stops, sends its runs and exits 0 with nothing logged. */
async function stop(server: Child): Promise<void> {
  server.process.kill("SIGTERM");
  await endsCleanly(server);
}

/** The trace's runs, whole: the tree lists summaries, each run is read in full. */
async function trace(traceId: string): Promise<Run[]> {
  const response = await fetch(`${collectorUrl}/api/traces/${traceId}`);
  expect(response.status, `trace ${traceId} at the collector`).toBe(200);
  const { runs } = (await response.json()) as { runs: { id: string }[] };
  return Promise.all(runs.map(async ({ id }) => (await fetch(`${collectorUrl}/api/traces/${traceId}/runs/${id}`)).json() as Promise<Run>));
}

function byName(runs: Run[], name: string): Run {
  const found = runs.filter((run) => run.name === name);
  expect(found.map((run) => run.name), `one run named ${name} in ${runs.map((r) => r.name).join(", ")}`).toEqual([name]);
  return found[0] as Run;
}

/**
 * One trace whose runs, in `chain` order, each sit directly under the one before: parent id, the
 * parent's dotted order as prefix plus one segment, and segment stamps that never go back.
 */
function expectChain(runs: Run[], chain: string[], traceId: string): Run[] {
  expect(runs.map((run) => run.name).sort()).toEqual([...chain].sort());
  const ordered = chain.map((name) => byName(runs, name));
  for (const run of ordered) {
    expect(run.trace_id, run.name).toBe(traceId);
    expect(run.end_time, `${run.name} ended`).toBeTypeOf("string");
    expect(run.error ?? null, `${run.name} error`).toBeNull();
  }
  const root = ordered[0] as Run;
  expect(root.id).toBe(traceId);
  expect(root.parent_run_id ?? null).toBeNull();
  expect(root.dotted_order.split(".")).toHaveLength(1);
  for (let i = 1; i < ordered.length; i++) {
    const parent = ordered[i - 1] as Run;
    const child = ordered[i] as Run;
    expect(child.parent_run_id, `${child.name} → ${parent.name}`).toBe(parent.id);
    expect(child.dotted_order.startsWith(`${parent.dotted_order}.`), `${child.name}'s dotted order extends ${parent.name}'s`).toBe(true);
    const segments = child.dotted_order.split(".");
    expect(segments).toHaveLength(i + 1);
    const last = segments.at(-1) as string;
    expect(last.slice(22), `${child.name}'s last segment is its id`).toBe(child.id);
    expect(last.slice(0, 22) >= (segments.at(-2) as string).slice(0, 22), `${child.name} stamped after ${parent.name}`).toBe(true);
  }
  return ordered;
}

interface Baggage {
  project: string;
  tags: string[];
  metadata: Record<string, unknown>;
}

/** The project, tags and metadata a client's baggage carried, on each run. */
function expectBaggage(runs: Run[], baggage: Baggage, fields: { tags: boolean } = { tags: true }): void {
  for (const run of runs) {
    expect(run.session_name, `${run.name}'s project`).toBe(baggage.project);
    if (fields.tags) expect(run.tags, `${run.name}'s tags`).toEqual(expect.arrayContaining(baggage.tags));
    expect(run.extra?.metadata, `${run.name}'s metadata`).toMatchObject(baggage.metadata);
  }
}

const sdkOf = (run: Run): string | undefined => run.extra?.runtime?.sdk;

beforeAll(async () => {
  // Creating the venv installs from the local index (a minute on a cold machine); reuse is instant.
  const { stdout } = await promisify(execFile)(process.execPath, [join(ROOT, "scripts/python-env.mjs")], { cwd: ROOT });
  python = stdout.trim();
  dataDir = mkdtempSync(join(tmpdir(), "tracewire-python-e2e-"));
  const collector = start("tracewire dev", process.execPath, [join(ROOT, "dist/cli.js"), "dev", "--port", "0", "--data-dir", dataDir]);
  const [, url] = await printed(collector, /collector on (http:\/\/127\.0\.0\.1:\d+)/);
  collectorUrl = url as string;
}, 300_000);

afterAll(async () => {
  for (const child of children.reverse()) {
    if (child.process.exitCode === null && child.process.signalCode === null) {
      child.process.kill(child.name === "tracewire dev" ? "SIGTERM" : "SIGKILL");
      await once(child.process, "exit");
    }
  }
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe("the real Python SDK and tracewire, through tracewire dev", () => {
  it("/info has every field of the installed SDK's BatchIngestConfig, and its flags for the shape it sends", async () => {
    const info = (await (await fetch(`${collectorUrl}/info`)).json()) as {
      batch_ingest_config: Record<string, unknown>;
      instance_flags: Record<string, unknown>;
    };
    const { stdout } = await promisify(execFile)(python, [
      "-c",
      "import json; from langsmith.schemas import BatchIngestConfig; print(json.dumps(sorted(BatchIngestConfig.__annotations__)))",
    ]);
    const fields = JSON.parse(stdout) as string[];
    expect(fields).toContain("size_limit"); // the one whose absence crashed the SDK's tracing thread
    expect(Object.keys(info.batch_ingest_config).sort()).toEqual(fields);
    // No zstd decoder here: /runs/batch, which the SDK sends uncompressed without a warning.
    expect(info.batch_ingest_config.use_multipart_endpoint).toBe(false);
    expect(info.instance_flags.zstd_compression_enabled).toBe(false);
  });

  it.each(["middleware", "tracing_context", "langsmith_extra", "starlette"])(
    "(a, d, e) tracewire client → the guide's FastAPI/Starlette server (%s): the Python run sits under the client's run",
    async (way) => {
      const baggage = { project: `py-e2e-${way}`, tags: [`ts-${way}`], metadata: { user: "ada", way } };
      const server = startPython(`FastAPI (${way})`, "serve.py", [`guide:${way}`]);
      const serverUrl = await serving(server);
      const client = startNode("tracewire client", "ts-client.mts", [], { SERVER_URL: serverUrl, BAGGAGE_JSON: JSON.stringify(baggage) });
      await endsCleanly(client);
      const traceId = /^trace (\S+)$/m.exec(client.stdout)?.[1] as string;
      const pythonRun = way === "middleware" || way === "starlette" ? "some_function" : "my_application";
      expect(client.stdout).toContain(`reply "${pythonRun}"`);
      await stop(server);

      const runs = expectChain(await trace(traceId), ["client", pythonRun], traceId);
      expect(runs.map(sdkOf)).toEqual([undefined, "langsmith-py"]);
      expectBaggage(runs.slice(0, 1), baggage);
      // The Python SDK's own rule: a `langsmith_extra` parent gives its child the baggage's
      // project and metadata, not its tags (RunTree.create_child does not inherit tags);
      // `tracing_context` and the middleware put all three in the context.
      expectBaggage(runs.slice(1), baggage, { tags: way !== "langsmith_extra" });
    },
  );

  it.each(["express", "hono"])("(b, d, e) the guide's Python httpx client → the guide's %s server (tracewire): one trace", async (framework) => {
    const baggage = { project: `py-e2e-${framework}`, tags: [`py-${framework}`], metadata: { user: "grace", framework } };
    const server = startNode(`${framework} server`, "guide-js-server.mts", [framework]);
    const serverUrl = await serving(server);
    const client = startPython("Python client", "guide_client.py", [], { SERVER_URL: serverUrl, BAGGAGE_JSON: JSON.stringify(baggage) });
    await endsCleanly(client);
    const traceId = /^trace (\S+)$/m.exec(client.stdout)?.[1] as string;
    expect(client.stdout).toMatch(/^reply 200 Hello from the server! Received "/m);
    await stop(server);

    const runs = expectChain(await trace(traceId), ["my_client_function", "server"], traceId);
    expect(runs.map(sdkOf)).toEqual(["langsmith-py", undefined]);
    expectBaggage(runs, baggage);
  });

  it("(c, d, e) Python → tracewire → Python, three processes: one trace, dotted orders consistent", async () => {
    const baggage = { project: "py-e2e-chain", tags: ["chain"], metadata: { user: "linus", hop: "three" } };
    const last = startPython("FastAPI (middleware)", "serve.py", ["guide:middleware"]);
    const lastUrl = await serving(last);
    const relay = startNode("tracewire relay", "relay.mts", [], { NEXT_URL: lastUrl });
    const relayUrl = await serving(relay);
    const client = startPython("Python client", "guide_client.py", [], { SERVER_URL: relayUrl, BAGGAGE_JSON: JSON.stringify(baggage) });
    await endsCleanly(client);
    const traceId = /^trace (\S+)$/m.exec(client.stdout)?.[1] as string;
    expect(client.stdout).toMatch(/^reply 200 \{/m);
    await stop(relay);
    await stop(last);

    const runs = expectChain(await trace(traceId), ["my_client_function", "relay", "some_function"], traceId);
    expect(runs.map(sdkOf)).toEqual(["langsmith-py", undefined, "langsmith-py"]);
    // Python's baggage reaches tracewire, and tracewire's goes on to Python.
    expectBaggage(runs, baggage);
  });
});

/** W3C ids as tracewire maps them (README "OpenTelemetry interop"). */
const uuidOfTraceId = (hex: string): string => `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
const placeholderOfSpanId = (hex: string): string => `00000000-0000-0000-${hex.slice(0, 4)}-${hex.slice(4)}`;
const spanIdOfRun = (id: string): string => id.replaceAll("-", "").slice(16);

describe("traceparent with OpenTelemetry Python (opentelemetry-api's W3C propagator)", () => {
  it("an OTel span's traceparent → expressTracing({ traceContext: true }): the run is in the span's trace, under its span id", async () => {
    const relay = startNode("tracewire relay", "relay.mts", [], { TRACE_CONTEXT: "1" });
    const relayUrl = await serving(relay);
    const client = startPython("OTel client", "otel_peer.py", ["client"], { SERVER_URL: relayUrl });
    await endsCleanly(client);
    await stop(relay);
    const { span, traceparent } = JSON.parse(client.stdout) as { span: { trace_id: string; span_id: string }; traceparent: string };
    expect(traceparent).toBe(`00-${span.trace_id}-${span.span_id}-01`);

    const traceId = uuidOfTraceId(span.trace_id);
    const runs = await trace(traceId);
    const run = byName(runs, "relay");
    expect(run.trace_id).toBe(traceId);
    expect(run.parent_run_id).toBe(placeholderOfSpanId(span.span_id));
    // The two synthetic segments (trace, placeholder parent), then the run itself.
    const segments = run.dotted_order.split(".");
    expect(segments.map((s) => s.slice(22))).toEqual([traceId, placeholderOfSpanId(span.span_id), run.id]);
  });

  it("createTracingFetch({ traceContext: true }) → an OTel Python server: its extracted parent is our run", async () => {
    const server = startPython("OTel server", "serve.py", ["otel"]);
    const serverUrl = await serving(server);
    const client = startNode("tracewire client", "ts-client.mts", [], { SERVER_URL: serverUrl, TRACE_CONTEXT: "1" });
    await endsCleanly(client);
    await stop(server);
    const traceId = /^trace (\S+)$/m.exec(client.stdout)?.[1] as string;
    const runId = /^run (\S+)$/m.exec(client.stdout)?.[1] as string;
    const reply = JSON.parse(/^reply (.*)$/m.exec(client.stdout)?.[1] as string) as {
      parent: { trace_id: string; span_id: string; sampled: boolean };
      span: { trace_id: string; span_id: string };
      onward: { traceparent: string };
    };
    expect(reply.parent).toMatchObject({ trace_id: traceId.replaceAll("-", ""), span_id: spanIdOfRun(runId), sampled: true });
    // OTel's child span continues our trace and passes it on in W3C form.
    expect(reply.span.trace_id).toBe(traceId.replaceAll("-", ""));
    expect(reply.onward.traceparent).toBe(`00-${reply.span.trace_id}-${reply.span.span_id}-01`);

    const [run] = await trace(traceId);
    expect(run).toMatchObject({ id: runId, name: "client", trace_id: traceId });
  });
});
