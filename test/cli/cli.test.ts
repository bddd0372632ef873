/**
 * The `tracewire` command as people run it: real processes (`node dist/cli.js ...`, built by
 * `npm run build`) against a fake server answering the collector API contract
 * (test/helpers/fake-collector.ts) and against the real collector.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { ROOT_CONTEXT, SpanKind, trace } from "@opentelemetry/api";
import { ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type ChildExit, runProcess } from "../helpers/child-process.js";
import { type Collector, startCollector } from "../../src/collector/server.js";
import { FakeCollector, fakeTrace } from "../helpers/fake-collector.js";
import { type LiveChild, exitOf, printed, startChild } from "../helpers/live-child.js";
import { waitFor } from "../helpers/wait.js";

const ROOT = resolve(import.meta.dirname, "../..");
const CLI = join(ROOT, "dist/cli.js");
const VERSION = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version;

const runCli = (args: string[]): Promise<ChildExit> => runProcess(process.execPath, [CLI, ...args], { cwd: ROOT });

/** A loopback port nobody listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

const traceLines = (text: string): string[] => text.split("\n").filter((line) => line.startsWith("trace "));

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
});

const children: LiveChild[] = [];
let fake: FakeCollector;
let dir: string;
let collector: Collector | undefined;
beforeEach(async () => {
  fake = new FakeCollector();
  dir = await mkdtemp(join(tmpdir(), "tracewire-cli-"));
});
afterEach(async () => {
  for (const child of children.splice(0)) {
    child.process.kill("SIGKILL");
    await exitOf(child);
  }
  await fake.stop();
  await collector?.close();
  collector = undefined;
  await rm(dir, { recursive: true, force: true });
});

describe("help and version", () => {
  it("--help works for every command, --version prints the package version", async () => {
    for (const args of [["--help"], ["help"], []]) {
      const result = await runCli(args);
      expect(result).toMatchObject({ code: 0, stderr: "" });
      expect(result.stdout).toMatch(/^usage: tracewire <command>/);
    }
    const devHelp = await runCli(["dev", "--help"]);
    expect(devHelp).toMatchObject({ code: 0, stderr: "" });
    expect(devHelp.stdout).toMatch(/^usage: tracewire dev .*\n[\s\S]*export LANGSMITH_ENDPOINT=[\s\S]*--data-dir/);
    const tailHelp = await runCli(["tail", "-h"]);
    expect(tailHelp).toMatchObject({ code: 0, stderr: "" });
    expect(tailHelp.stdout).toMatch(/^usage: tracewire tail [\s\S]*--follow[\s\S]*--run-type/);
    for (const flag of ["--version", "-v"]) expect(await runCli([flag])).toMatchObject({ code: 0, stdout: `tracewire ${VERSION}\n`, stderr: "" });
  });

  it("a wrong option or command is a usage error (exit 2) that points at the help", async () => {
    const option = await runCli(["tail", "--colour"]);
    expect(option.code).toBe(2);
    expect(option.stderr).toMatch(/tracewire tail: Unknown option '--colour'[\s\S]*tracewire tail --help/);
    const value = await runCli(["tail", "--limit", "lots", "--url", fake.url]);
    expect(value.code).toBe(2);
    expect(value.stderr).toMatch(/--limit: expected a positive integer, got "lots"/);
    const command = await runCli(["tial"]);
    expect(command.code).toBe(2);
    expect(command.stderr).toMatch(/unknown command "tial"[\s\S]*usage: tracewire/);
  });
});

describe("errors name the URL and the likely cause", () => {
  it("tail with no collector listening: 'no collector at <url>' and how to start one", async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const result = await runCli(["tail", "--url", url]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`tracewire tail: no collector at ${url} — start one with \`npx tracewire dev\`, or check --url\n`);
  });

  it("dev on a port already in use says so", async () => {
    collector = await startCollector({ port: 0, dataDir: join(dir, "first") });
    const port = new URL(collector.url).port;
    const result = await runCli(["dev", "--port", port, "--data-dir", join(dir, "second")]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`port ${port} on 127.0.0.1 is in use — is another \`tracewire dev\` running\\?`));
  });
});

describe("tail", () => {
  it("pages through every trace (not only the newest 100), newest first; --limit stops early; filters reach the API", async () => {
    for (let i = 0; i < 1200; i++) fake.put(fakeTrace(i));
    await fake.start();
    const all = await runCli(["tail", "--url", fake.url]);
    expect(all).toMatchObject({ code: 0, stderr: "" });
    const lines = traceLines(all.stdout);
    expect(lines).toHaveLength(1200);
    expect(lines[0]).toBe(`trace ${fakeTrace(1199).trace_id}  ${fake.url}/traces/${fakeTrace(1199).trace_id}`);
    expect(all.stdout).toContain("trace-1199 (chain, 5.00 ms)  [default]");
    expect(fake.requests.filter((u) => u.pathname === "/api/traces").map((u) => u.searchParams.get("cursor"))).toEqual([null, "500", "1000"]);

    fake.requests.length = 0;
    const limited = await runCli(["tail", "--url", fake.url, "--limit", "3", "--q", "trace-11", "--error", "false", "--min-ms", "2", "--since", "2026-01-01T00:00:00Z"]);
    expect(limited.code).toBe(0);
    expect(traceLines(limited.stdout)).toHaveLength(3);
    const query = fake.requests.find((u) => u.pathname === "/api/traces")?.searchParams;
    expect(Object.fromEntries(query ?? [])).toEqual({ q: "trace-11", error: "false", min_ms: "2", since: "2026-01-01T00:00:00.000Z", limit: "3" });
  });

  it("piped into a reader that stops early (`tail | head`), it exits 0 quietly (EPIPE)", async () => {
    for (let i = 0; i < 3000; i++) fake.put(fakeTrace(i));
    await fake.start();
    const child = spawn(process.execPath, [CLI, "tail", "--url", fake.url], { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    await once(child.stdout, "data"); // the first lines arrived: `head -n 1` is satisfied and closes the pipe
    child.stdout.destroy();
    const [code, signal] = (await once(child, "exit")) as [number | null, string | null];
    if (!child.stderr.readableEnded) await once(child.stderr, "end");
    expect({ code, signal, stderr }).toEqual({ code: 0, signal: null, stderr: "" });
    // It stopped when the reader left, far before the 3,000th trace.
    expect(fake.requests.filter((u) => u.pathname.startsWith("/api/traces/")).length).toBeLessThan(3000);
  });

  it("prints the real collector's traces as trees, and one trace with --trace", async () => {
    collector = await startCollector({ port: 0, dataDir: dir });
    const rootId = "01900000-0000-7000-8000-000000000001";
    const childId = "01900000-0000-7000-8000-000000000002";
    const times = { start_time: "2026-01-01T00:00:00.000000Z", end_time: "2026-01-01T00:00:00.002000Z" };
    const runs = [
      { id: rootId, trace_id: rootId, name: "root", run_type: "chain", session_name: "shop", dotted_order: `20260101T000000000000Z${rootId}`, ...times },
      {
        id: childId,
        trace_id: rootId,
        name: "child",
        run_type: "llm",
        parent_run_id: rootId,
        dotted_order: `20260101T000000000000Z${rootId}.20260101T000000001000Z${childId}`,
        ...times,
      },
    ];
    const res = await fetch(`${collector.url}/runs/batch`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ post: runs }) });
    expect(res.status).toBe(202);
    const listed = await runCli(["tail", "--url", collector.url]);
    expect(listed).toMatchObject({ code: 0, stderr: "" });
    expect(listed.stdout).toBe(
      `trace ${rootId}  ${collector.url}/traces/${rootId}\nroot (chain, 2.00 ms)  [shop]\n└─ child (llm, 2.00 ms)\n\n`,
    );
    const one = await runCli(["tail", "--url", collector.url, "--trace", rootId]);
    expect(one.stdout).toContain("└─ child (llm, 2.00 ms)");
    const missing = await runCli(["tail", "--url", collector.url, "--trace", "01900000-0000-7000-8000-00000000dead"]);
    expect(missing).toMatchObject({ code: 1, stderr: `tracewire tail: no trace 01900000-0000-7000-8000-00000000dead at ${collector.url}\n` });
  });
});

describe("dev", () => {
  it("starts a collector process that says where to send LangSmith runs and OTLP spans, and takes OTLP protobuf there", async () => {
    const child = startChild("tracewire dev", process.execPath, [CLI, "dev", "--port", "0", "--data-dir", dir], { cwd: ROOT, env: process.env });
    children.push(child);
    const [, url] = await printed(child, /collector on (http:\/\/127\.0\.0\.1:\d+)/);
    await printed(child, /export OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=http:\/\/127\.0\.0\.1:\d+\/v1\/traces\n/);
    expect(child.stdout).toContain(`export LANGSMITH_ENDPOINT=${url} LANGSMITH_TRACING=true`);

    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ resource: resourceFromAttributes({ "service.name": "inventory" }), spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const tracer = provider.getTracer("cli-test");
    const root = tracer.startSpan("GET /stock", { kind: SpanKind.SERVER });
    tracer.startSpan("db.query", {}, trace.setSpan(ROOT_CONTEXT, root)).end();
    root.end();
    const body = Buffer.from(ProtobufTraceSerializer.serializeRequest(exporter.getFinishedSpans()) as Uint8Array);
    const res = await fetch(`${url}/v1/traces`, { method: "POST", headers: { "content-type": "application/x-protobuf" }, body });
    expect(res.status).toBe(200);
    await provider.shutdown();

    const tailed = await runCli(["tail", "--url", url as string]);
    expect(tailed).toMatchObject({ code: 0, stderr: "" });
    expect(tailed.stdout).toMatch(/^trace [0-9a-f-]{36} .*\nGET \/stock \(chain, .+\) {2}\[inventory\]\n└─ db\.query \(chain, .+\)\n\n$/);
  });
});

describe("tail --follow", () => {
  const follow = (args: string[] = []): LiveChild => {
    const child = startChild("tail --follow", process.execPath, [CLI, "tail", "--follow", "--interval", "20", "--url", fake.url, ...args], {
      cwd: ROOT,
      env: process.env,
    });
    children.push(child);
    return child;
  };
  const printedCount = (child: LiveChild, count: number): Promise<void> =>
    waitFor(() => traceLines(child.stdout).length >= count, {
      timeoutMs: 20_000,
      changes: child.process.stdout ?? undefined,
      event: "data",
      what: () => `${count} traces printed (have ${traceLines(child.stdout).length})`,
    });

  it("prints every trace of a burst (not 100 of 500) through the change cursor", async () => {
    for (let i = 0; i < 3; i++) fake.put(fakeTrace(i));
    await fake.start();
    const child = follow();
    await printedCount(child, 3);
    for (let i = 3; i < 1203; i++) fake.put(fakeTrace(i));
    await printedCount(child, 1203);
    const ids = traceLines(child.stdout).map((line) => line.split(" ")[1]);
    expect(new Set(ids).size).toBe(1203);
    expect(ids.slice(0, 4)).toEqual([0, 1, 2, 3].map((i) => fakeTrace(i).trace_id)); // oldest change first
    expect(child.stderr).toBe("");
  });

  it("survives a collector restart: a notice, retries, then the traces stored meanwhile", async () => {
    fake.put(fakeTrace(0));
    await fake.start();
    const child = follow();
    await printedCount(child, 1);
    await fake.stop();
    await waitFor(() => child.stderr.includes(`no collector at ${fake.url}`), {
      timeoutMs: 10_000,
      changes: child.process.stderr ?? undefined,
      event: "data",
      what: "the lost-collector notice",
    });
    expect(child.stderr).toMatch(/retrying until it is back/);
    fake.put(fakeTrace(1)); // stored while the collector was down (its log survives)
    await fake.start(); // same port
    await printedCount(child, 2);
    await printed(child, new RegExp(fakeTrace(1).trace_id));
    await waitFor(() => child.stderr.includes("is back"), { timeoutMs: 10_000, changes: child.process.stderr ?? undefined, event: "data" });
    expect(child.process.exitCode).toBeNull();
  });

  it("applies the filters to each changed trace (the change log has none); --metadata is refused", async () => {
    fake.put(fakeTrace(0, "checkout"));
    fake.put(fakeTrace(1, "checkout", true));
    await fake.start();
    const child = follow(["--error", "true", "--q", "CHECK"]);
    await printedCount(child, 1);
    fake.put(fakeTrace(2, "search", true));
    fake.put(fakeTrace(3, "checkout-retry", true));
    await printedCount(child, 2);
    expect(traceLines(child.stdout).map((line) => line.split(" ")[1])).toEqual([1, 3].map((i) => fakeTrace(i).trace_id));
    const refused = await runCli(["tail", "--follow", "--metadata", "user=ada", "--url", fake.url]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--metadata cannot be used with --follow/);
  });

  it("--limit prints only the most recently changed traces of the backlog, then follows", async () => {
    for (let i = 0; i < 10; i++) fake.put(fakeTrace(i));
    await fake.start();
    const child = follow(["--limit", "2"]);
    await printedCount(child, 2);
    fake.put(fakeTrace(10));
    await printedCount(child, 3);
    expect(traceLines(child.stdout).map((line) => line.split(" ")[1])).toEqual([8, 9, 10].map((i) => fakeTrace(i).trace_id));
  });
});
