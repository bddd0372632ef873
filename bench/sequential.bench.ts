/**
 * Sequential awaited traced calls (issue 15b): one process per library (`sequential-worker.mjs`,
 * from a private copy of the build) makes `SEQUENTIAL_CALLS` (default 200,000; langsmith a tenth
 * of that, its rate is per second either way) awaited calls, each a root with one child, yielding
 * to the event loop every 1,024 calls, then flushes. runs/s = runs / (first call to the flush
 * resolved). A second pass yields after every call: with the loop free between calls, its delay
 * is the library's own blocking (a batch encoded or sent in one long task), which the first
 * pass's chunks of 2,048 of the caller's runs hide. The backends (a counting LangSmith-style collector, a counting OTLP/HTTP sink) run in
 * this process and must hold every run afterwards, else the bench fails.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { copyFileSync, cpSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startCollector } from "./lib/collector.js";
import { REPO_ROOT } from "./lib/libs.js";
import { startOtlpSink } from "./lib/otlp-sink.js";
import { serveFromHere, underTest } from "./lib/placement.js";
import { formatNumber } from "./lib/report.js";
import { type LibName, type Measurement, type ResultRow, defineBench } from "./lib/types.js";

const CALLS = Number(process.env.SEQUENTIAL_CALLS ?? 200_000);
const RUNS_PER_CALL = 2;
const WORKER = "sequential-worker.mjs";

interface WorkerResult {
  lib: LibName;
  calls: number;
  seconds: number;
  peakRssMiB: number;
  p99DelayMs: number;
  maxDelayMs: number;
}

function snapshotBuild(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), "tracewire-sequential-bench-"));
  copyFileSync(join(REPO_ROOT, "package.json"), join(dir, "package.json"));
  cpSync(join(REPO_ROOT, "dist"), join(dir, "dist"), { recursive: true });
  symlinkSync(join(REPO_ROOT, "node_modules"), join(dir, "node_modules"), "dir");
  copyFileSync(fileURLToPath(new URL(`./${WORKER}`, import.meta.url)), join(dir, WORKER));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Calls between two turns of the event loop: a batch job's chunk, and none at all. */
const CHUNKED = 1024;
const YIELDING = 1;

async function runWorker(dir: string, lib: LibName, calls: number, url: string, yieldEvery: number): Promise<WorkerResult> {
  const [command, args] = underTest([join(dir, WORKER), lib, String(calls), url, String(yieldEvery)]);
  const child = spawn(command, args, { cwd: dir, stdio: ["ignore", "pipe", "inherit"] });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
  });
  const [code] = (await once(child, "exit")) as [number | null];
  if (code !== 0) throw new Error(`${lib} sequential worker exited ${code}: ${output}`);
  return JSON.parse(output.trim().split("\n").at(-1) as string) as WorkerResult;
}

export default defineBench({
  title: "Sequential awaited traced calls",
  description:
    `${formatNumber(CALLS)} awaited calls one after another (a root with one child each; langsmith ${formatNumber(CALLS / 10)}), ` +
    "a turn of the event loop every 1,024 calls (then again with one after every call), then flush; each library in its own process, the backend in the bench process. Every run must arrive.",
  async run(ctx) {
    serveFromHere();
    const snapshot = snapshotBuild();
    const collector = await startCollector();
    const otlp = await startOtlpSink();
    const results = new Map<LibName, WorkerResult & { runsPerSec: number }>();
    const yielding = new Map<LibName, WorkerResult>();
    const pass = async (lib: LibName, yieldEvery: number): Promise<WorkerResult & { runsPerSec: number }> => {
      const calls = lib === "langsmith" ? Math.max(1, Math.round(CALLS / 10)) : CALLS;
      collector.reset();
      const spansBefore = otlp.counts().spans;
      const result = await runWorker(snapshot.dir, lib, calls, lib === "otel" ? otlp.url : collector.url, yieldEvery);
      const arrived = lib === "otel" ? otlp.counts().spans - spansBefore : collector.counts().completeRuns;
      const expected = calls * RUNS_PER_CALL;
      if (arrived !== expected) throw new Error(`LOST RUNS: ${lib} backend has ${arrived} of ${expected} runs`);
      const runsPerSec = expected / result.seconds;
      ctx.log(
        `${lib}, a turn every ${yieldEvery} call(s): ${formatNumber(runsPerSec)} runs/s, peak RSS ${result.peakRssMiB.toFixed(0)} MiB, loop p99 ${result.p99DelayMs.toFixed(2)} ms (max ${result.maxDelayMs.toFixed(1)})`,
      );
      return { ...result, runsPerSec };
    };
    try {
      for (const lib of ["tracewire", "langsmith", "otel"] as const) {
        results.set(lib, await pass(lib, CHUNKED));
        yielding.set(lib, await pass(lib, YIELDING));
      }
    } finally {
      await otlp.close();
      await collector.close();
      snapshot.remove();
    }
    const values = (pick: (r: WorkerResult & { runsPerSec: number }) => number): Partial<Record<LibName, Measurement>> =>
      Object.fromEntries([...results].map(([lib, r]) => [lib, { value: pick(r) }]));
    const maxima = (of: Map<LibName, WorkerResult>): string => [...of].map(([lib, r]) => `${lib} ${r.maxDelayMs.toFixed(1)} ms`).join(", ");
    const op = "awaited root + child, one after another, until flushed:";
    return [
      {
        id: "sequential.throughput",
        op: `${op} runs per second`,
        metric: "throughput",
        unit: "runs/s",
        better: "higher",
        values: values((r) => r.runsPerSec),
        goals: [{ kind: "ratio", vs: "otel", min: 1.5 }],
        note: "first call to the flush resolved (every run acknowledged); queues sized to hold every run: OpenTelemetry's BatchSpanProcessor (its default 2,048 drops), tracewire's maxQueueBytes 2 GiB (its default 256 MiB drops at 200,000 calls here; SEQUENTIAL_DEFAULT_QUEUE=1 keeps it)",
      },
      {
        id: "sequential.rss",
        op: `${op} peak RSS`,
        metric: "peak RSS",
        unit: "MiB",
        better: "lower",
        values: values((r) => r.peakRssMiB),
        note: "getrusage maxRSS of the worker process",
      },
      {
        id: "sequential.loop-delay",
        op: `${op} event-loop delay p99`,
        metric: "event-loop delay p99",
        unit: "ms",
        better: "lower",
        values: values((r) => r.p99DelayMs),
        note: `monitorEventLoopDelay (1 ms resolution) over calls and flush; max: ${maxima(results)}. Mostly the caller's own chunks (1,024 calls, 2,048 runs, in one task): the library's share is the next row`,
      },
      {
        id: "sequential.loop-delay.yielding",
        op: "awaited root + child, a turn of the event loop after every call, until flushed: event-loop delay p99",
        metric: "event-loop delay p99",
        unit: "ms",
        better: "lower",
        values: Object.fromEntries([...yielding].map(([lib, r]) => [lib, { value: r.p99DelayMs }])),
        goals: [{ kind: "absolute", max: 5 }],
        note: `the same calls with the loop free between them, so what delays it is the library's own work (encoding, sending, collecting its garbage); max: ${maxima(yielding)}`,
      },
    ] satisfies ResultRow[];
  },
});
