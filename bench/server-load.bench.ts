/**
 * The traced server under load (issue 15a): each server variant (untraced, tracewire node:http,
 * tracewire Express + `expressTracing`, langsmith, OpenTelemetry) in its own process
 * (`server-load-worker.mjs`, from a private copy of the build), driven by autocannon from this
 * process with 32 connections, each request carrying a caller run's `langsmith-trace` + `baggage`
 * (made with tracewire's `toHeaders`) and the matching `traceparent`. The backends (a counting
 * LangSmith-style collector and a counting OTLP/HTTP sink) also run here, out of the server's
 * process, so the server's CPU figure is its own.
 *
 * Per variant: warm-up, then a fixed window (`SERVER_LOAD_SECONDS`, default 5) bracketed by the
 * server's own `process.cpuUsage()`; then a flush, and every run of every request handled must
 * have reached the backend (3 per request), else the bench fails. The variants run in
 * `SERVER_LOAD_ROUNDS` (default 2) rounds of alternating order, each in a fresh server process;
 * a variant's figures pool its rounds.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { copyFileSync, cpSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startCollector } from "./lib/collector.js";
import { startOtlpSink } from "./lib/otlp-sink.js";
import { REPO_ROOT, loadTracewire } from "./lib/libs.js";
import { serveFromHere, underTest } from "./lib/placement.js";
import { formatNumber } from "./lib/report.js";
import { type LibName, type ResultRow, defineBench } from "./lib/types.js";

const SECONDS = Number(process.env.SERVER_LOAD_SECONDS ?? 5);
const WARMUP_SECONDS = Number(process.env.SERVER_LOAD_WARMUP_SECONDS ?? 2);
const CONNECTIONS = 32;
const RUNS_PER_REQUEST = 3;
const WORKER = "server-load-worker.mjs";

/** The part of autocannon's result this bench reads (autocannon ships no types). */
interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
}
type Autocannon = (options: {
  url: string;
  connections: number;
  duration: number;
  method: string;
  headers: Record<string, string>;
  body: string;
}) => Promise<AutocannonResult>;
const autocannon = createRequire(import.meta.url)("autocannon") as Autocannon;

type Variant = "untraced" | "express-untraced" | "tracewire" | "express" | "langsmith" | "otel";

function snapshotBuild(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), "tracewire-server-load-bench-"));
  copyFileSync(join(REPO_ROOT, "package.json"), join(dir, "package.json"));
  cpSync(join(REPO_ROOT, "dist"), join(dir, "dist"), { recursive: true });
  symlinkSync(join(REPO_ROOT, "node_modules"), join(dir, "node_modules"), "dir");
  copyFileSync(fileURLToPath(new URL(`./${WORKER}`, import.meta.url)), join(dir, WORKER));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

const VARIANTS = ["untraced", "express-untraced", "tracewire", "express", "langsmith", "otel"] as const;
const ROUNDS = Number(process.env.SERVER_LOAD_ROUNDS ?? 2);

interface VariantResult {
  variant: Variant;
  /** The measured window's CPU and requests, for pooling rounds. */
  window: { cpuMicros: number; handled: number };
  cpuMicrosPerRequest: number;
  reqPerSec: number;
  p50: number;
  p99: number;
  handled: number;
  bytesPerRun: number;
}

/** A variant's rounds as one figure: CPU per request over all requests handled, the other figures averaged. */
function pooled(list: readonly VariantResult[]): VariantResult {
  const sum = (pick: (r: VariantResult) => number): number => list.reduce((total, r) => total + pick(r), 0);
  const mean = (pick: (r: VariantResult) => number): number => sum(pick) / list.length;
  const window = { cpuMicros: sum((r) => r.window.cpuMicros), handled: sum((r) => r.window.handled) };
  return {
    variant: (list[0] as VariantResult).variant,
    window,
    cpuMicrosPerRequest: window.cpuMicros / window.handled,
    reqPerSec: mean((r) => r.reqPerSec),
    p50: mean((r) => r.p50),
    p99: mean((r) => r.p99),
    handled: sum((r) => r.handled),
    bytesPerRun: mean((r) => r.bytesPerRun),
  };
}

async function startServer(dir: string, variant: Variant, env: NodeJS.ProcessEnv, otlpUrl: string): Promise<{ child: ChildProcess; url: string }> {
  const [command, args] = underTest([join(dir, WORKER), variant, otlpUrl]);
  const child = spawn(command, args, { cwd: dir, env, stdio: ["ignore", "pipe", "inherit"] });
  let output = "";
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
      const match = /"port":(\d+)/.exec(output);
      if (match) resolve(Number(match[1]));
    });
    child.once("exit", (code) => reject(new Error(`${variant} server exited (${code}) before listening`)));
  });
  return { child, url: `http://127.0.0.1:${port}` };
}

async function post<T>(url: string): Promise<T> {
  const response = await fetch(url, { method: "POST" });
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return (await response.json()) as T;
}

export default defineBench({
  title: "Traced server under load",
  description:
    `Each server in its own process, autocannon with ${CONNECTIONS} connections from the bench process, ${SECONDS} s window after ${WARMUP_SECONDS} s warm-up, ${ROUNDS} rounds in alternating order; ` +
    "a request continues the caller's trace and runs a traced handler with two traced children (one input a 20-item object); " +
    "backends (LangSmith-style collector, OTLP/HTTP JSON sink) out of the server's process. Every run handled must reach the backend.",
  async run(ctx) {
    serveFromHere();
    const { RunTree } = await loadTracewire();
    const caller = new RunTree({ name: "caller", tracingEnabled: true });
    const headers: Record<string, string> = { ...caller.toHeaders(), "content-type": "text/plain" };
    const traceId = caller.trace_id.replaceAll("-", "");
    const spanId = caller.id.replaceAll("-", "").slice(0, 16);
    const otelHeaders = { ...headers, traceparent: `00-${traceId}-${spanId}-01` };
    const snapshot = snapshotBuild();
    const collector = await startCollector();
    const otlp = await startOtlpSink();
    const measure = async (variant: Variant, round: number): Promise<VariantResult> => {
      const traced = !variant.includes("untraced") && variant !== "otel";
      const env: NodeJS.ProcessEnv = { ...process.env };
      if (traced) Object.assign(env, { LANGSMITH_TRACING: "true", LANGSMITH_ENDPOINT: collector.url, LANGSMITH_API_KEY: "bench" });
      collector.reset();
      const otlpBefore = otlp.counts();
      const server = await startServer(snapshot.dir, variant, env, otlp.url);
      try {
        const load = (duration: number): Promise<AutocannonResult> =>
          autocannon({ url: server.url, connections: CONNECTIONS, duration, method: "POST", headers: variant === "otel" ? otelHeaders : headers, body: "what is tracing?" });
        await load(WARMUP_SECONDS);
        await post(`${server.url}/__start`);
        const result = await load(SECONDS);
        const window = await post<{ cpuMicros: number; handled: number }>(`${server.url}/__stop`);
        const { handled } = await post<{ handled: number }>(`${server.url}/__flush`);
        if (result.non2xx > 0 || result.errors > 0) throw new Error(`${variant}: ${result.non2xx} non-2xx, ${result.errors} errors`);
        let runs = 0;
        let bytes = 0;
        if (variant === "otel") {
          const after = otlp.counts();
          runs = after.spans - otlpBefore.spans;
          bytes = after.bytes - otlpBefore.bytes;
        } else if (traced) {
          const counts = collector.counts();
          runs = counts.completeRuns;
          bytes = counts.bytes;
        }
        const expected = variant.includes("untraced") ? 0 : handled * RUNS_PER_REQUEST;
        if (runs !== expected) throw new Error(`LOST RUNS: ${variant} backend has ${runs} of ${expected} runs`);
        const r: VariantResult = {
          variant,
          window,
          cpuMicrosPerRequest: window.cpuMicros / window.handled,
          reqPerSec: result.requests.average,
          p50: result.latency.p50,
          p99: result.latency.p99,
          handled,
          bytesPerRun: runs > 0 ? bytes / runs : 0,
        };
        ctx.log(`${variant}, round ${round + 1}/${ROUNDS}: ${formatNumber(r.reqPerSec)} req/s, ${r.cpuMicrosPerRequest.toFixed(1)} µs CPU/req, p50 ${r.p50} ms, p99 ${r.p99} ms, ${r.bytesPerRun.toFixed(0)} B/run, ${handled} requests`);
        return r;
      } finally {
        if (server.child.exitCode === null) {
          const exited = once(server.child, "exit");
          server.child.kill("SIGTERM");
          await exited;
        }
      }
    };
    const rounds = new Map<Variant, VariantResult[]>(VARIANTS.map((v) => [v, []]));
    try {
      // Rounds in alternating order: a machine that speeds up or slows down over the run (this
      // one's processors did, by up to 1.7x) weighs on the first variants and the last alike.
      for (let round = 0; round < ROUNDS; round++) {
        for (const variant of round % 2 === 0 ? VARIANTS : [...VARIANTS].reverse()) {
          (rounds.get(variant) as VariantResult[]).push(await measure(variant, round));
        }
      }
    } finally {
      await otlp.close();
      await collector.close();
      snapshot.remove();
    }
    const results = new Map([...rounds].map(([v, list]) => [v, pooled(list)]));
    const get = (v: Variant): VariantResult => results.get(v) as VariantResult;
    const base = get("untraced");
    // Each traced server against the same server untraced: Express's own cost is not tracing's.
    const baseOf = (v: Variant): VariantResult => (v === "express" ? get("express-untraced") : base);
    const added = (v: Variant): number => get(v).cpuMicrosPerRequest - baseOf(v).cpuMicrosPerRequest;
    const rows: ResultRow[] = [];
    const twVariants = [
      ["tracewire", "node:http, fromHeaders + withRunTree"],
      ["express", "Express + expressTracing"],
    ] as const;
    for (const [v, label] of twVariants) {
      const others: Partial<Record<LibName, { value: number }>> = v === "tracewire" ? { langsmith: { value: added("langsmith") }, otel: { value: added("otel") } } : { otel: { value: added("otel") } };
      rows.push(
        {
          id: `server-load.${v}.cpu`,
          op: `server CPU added per traced request (${label})`,
          metric: "CPU per request − untraced",
          unit: "µs",
          better: "lower",
          values: { tracewire: { value: added(v) }, ...others },
          goals: [
            { kind: "ratio", vs: "otel", max: 1 / 3 },
            ...(v === "tracewire" ? [{ kind: "ratio" as const, vs: "langsmith" as const, max: 1 / 30 }] : []),
          ],
          note: `untraced server ${baseOf(v).cpuMicrosPerRequest.toFixed(1)} µs CPU per request${v === "express" ? " (Express)" : ""}; langsmith and OpenTelemetry through fromHeaders/withRunTree and a traceparent`,
        },
        {
          id: `server-load.${v}.p99`,
          op: `p99 latency, traced / untraced (${label})`,
          metric: "p99 latency ratio",
          unit: "×",
          better: "lower",
          values: { tracewire: { value: get(v).p99 / baseOf(v).p99 }, langsmith: { value: get("langsmith").p99 / base.p99 }, otel: { value: get("otel").p99 / base.p99 } },
          goals: [{ kind: "absolute", max: 1.25 }],
          note: `p99 ms (autocannon, 1 ms resolution): untraced ${baseOf(v).p99}, tracewire ${get(v).p99}, langsmith ${get("langsmith").p99}, OpenTelemetry ${get("otel").p99} (both vs untraced node:http); p50 ms: untraced ${baseOf(v).p50}, tracewire ${get(v).p50}`,
        },
        {
          id: `server-load.${v}.throughput`,
          op: `requests per second (${label})`,
          metric: "throughput",
          unit: "req/s",
          better: "higher",
          values: { tracewire: { value: get(v).reqPerSec }, langsmith: { value: get("langsmith").reqPerSec }, otel: { value: get("otel").reqPerSec } },
          note: `untraced ${formatNumber(baseOf(v).reqPerSec)} req/s`,
        },
      );
    }
    rows.push({
      id: "server-load.bytes",
      op: "bytes per run sent to the backend (request bodies as sent)",
      metric: "wire bytes",
      unit: "B/run",
      better: "lower",
      values: { tracewire: { value: get("tracewire").bytesPerRun }, langsmith: { value: get("langsmith").bytesPerRun }, otel: { value: get("otel").bytesPerRun } },
      goals: [{ kind: "ratio", vs: "otel", max: 1 }],
      note: `Express + expressTracing: ${get("express").bytesPerRun.toFixed(0)} B/run; the collector's /info offers no compression (loopback)`,
    });
    return rows;
  },
});
