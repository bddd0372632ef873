/**
 * The exporter end to end (SPEC §5, §9; issue "exporter"): N traced root calls through each
 * library's client to a loopback collector, until the client's flush resolves.
 *
 * Every measurement is a fresh child process (`bench/exporter-worker.mjs`), so peak RSS and the
 * event-loop delay belong to one library at one size. The collector (`lib/collector.ts`) runs in
 * this process, acknowledges ingest with 202 and counts requests, body bytes and the distinct
 * runs delivered complete (with an `end_time`). tracewire must deliver every run: anything else
 * is a lost-run bug and fails the bench loudly. langsmith's deliveries are reported as they are.
 */
import { spawn } from "node:child_process";
import { copyFileSync, cpSync, existsSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Collector, type CollectorCounts, startCollector } from "./lib/collector.js";
import { REPO_ROOT } from "./lib/libs.js";
import { formatNumber } from "./lib/report.js";
import { type BenchContext, type Goal, type LibName, type ResultRow, defineBench } from "./lib/types.js";

type ExporterLib = Extract<LibName, "tracewire" | "langsmith">;

/** The JSON line a worker prints. */
interface WorkerResult {
  lib: ExporterLib;
  n: number;
  concurrency: number;
  /** First call to flush resolved. */
  seconds: number;
  /** First call to the last wave's calls resolved (before the flush). */
  callSeconds: number;
  /** CPU time (user + system, all threads) of the worker over `seconds`. */
  cpuSeconds: number;
  runsPerSec: number;
  peakRssMiB: number;
  /** The median RSS sampled in each tenth of the runs (ten values). */
  rssMedianByTenthMiB: number[];
  /** RSS after imports and client construction, before the first call. */
  baselineRssMiB: number;
  p99DelayMs: number;
  maxDelayMs: number;
  /** How many delays the histogram recorded (one per loop turn, at most one per 10 ms). */
  delaySamples: number;
  /** tracewire's `client.stats()` after the flush; absent for langsmith. */
  stats?: unknown;
  nonLoopback: string[];
}

interface Measured {
  worker: WorkerResult;
  collector: CollectorCounts;
  /** Throughput of every repeat, when the size was measured more than once (the median is reported). */
  repeats?: number[];
}

const WORKER_SOURCE = fileURLToPath(new URL("./exporter-worker.mjs", import.meta.url));

/** Where the workers run: a private copy of the build (see `snapshotBuild`). */
interface Snapshot {
  dir: string;
  worker: string;
  remove(): void;
}

/**
 * Copies the built package (`package.json` + `dist/`) and the worker into a temporary directory,
 * with `node_modules` linked to the repository's. The workers import `tracewire` from there
 * (self-reference through the copied `package.json`): every size measures the same build, and a
 * `npm run build` started elsewhere during the ~2 minutes of this bench (tsup empties `dist/`
 * first) cannot pull the package out from under a worker.
 */
function snapshotBuild(): Snapshot {
  const dir = mkdtempSync(join(tmpdir(), "tracewire-exporter-bench-"));
  const remove = (): void => rmSync(dir, { recursive: true, force: true });
  try {
    copyFileSync(join(REPO_ROOT, "package.json"), join(dir, "package.json"));
    cpSync(join(REPO_ROOT, "dist"), join(dir, "dist"), { recursive: true });
    for (const entry of ["index.js", "traceable.js"]) {
      if (!existsSync(join(dir, "dist", entry))) throw new Error(`dist/${entry} is missing: build first (\`npm run bench\` does)`);
    }
    symlinkSync(join(REPO_ROOT, "node_modules"), join(dir, "node_modules"), "dir");
    const worker = join(dir, "exporter-worker.mjs");
    copyFileSync(WORKER_SOURCE, worker);
    return { dir, worker, remove };
  } catch (error) {
    remove();
    throw error;
  }
}

/**
 * Calls started together per wave; each wave is awaited with `Promise.all`, then the event loop
 * turns once (`setImmediate`) before the next — `CONCURRENCY` requests arriving per loop turn.
 * 100, not 1,000: a wave is one synchronous block of the driver's own making (~100 × a traced
 * call), and it must stay well under the 20 ms p99 budget or the delay measured is the driver's,
 * not the exporter's. (At 1,000 the waves alone take ~15 ms with tracewire.)
 */
const CONCURRENCY = 100;
const SMALL = 20_000;
const MEDIUM = 100_000;
const LARGE = 1_000_000;

/**
 * What runs, in order. langsmith 0.12 moves ~1,000-1,700 runs/s here: 1M runs would take 10 to 17
 * minutes, so it is measured at 20k and 100k only, and tracewire at 100k too so that size has a
 * like-for-like comparison. tracewire's short runs (a fraction of a second) move ±10% from one
 * process to the next on this shared machine: they run three times and the median run is reported.
 */
const PLAN: readonly { lib: ExporterLib; n: number; repeats: number }[] = [
  { lib: "tracewire", n: SMALL, repeats: 3 },
  { lib: "langsmith", n: SMALL, repeats: 1 },
  { lib: "tracewire", n: MEDIUM, repeats: 3 },
  { lib: "langsmith", n: MEDIUM, repeats: 1 },
  { lib: "tracewire", n: LARGE, repeats: 1 },
];

const THROUGHPUT_GOAL = 100_000;
const RSS_GOAL_MIB = 150;
/** "Flat": the median RSS of a run's last tenth may exceed that of its second tenth by at most this. */
const FLAT_RSS_GROWTH_MIB = 24;
const P99_GOAL_MS = 20;

/**
 * A ceiling per worker so that a hung exporter cannot hang the bench: tracewire 60 s + 0.1 ms a
 * run (a timeout is a failure), langsmith 240 s (a timeout leaves its column empty, with a note).
 */
function timeoutMs(lib: ExporterLib, n: number): number {
  return lib === "tracewire" ? 60_000 + n / 10 : 240_000;
}

class WorkerTimeout extends Error {}

function isWorkerResult(value: unknown): value is WorkerResult {
  const v = value as Partial<WorkerResult> | null;
  return (
    typeof v === "object" &&
    v !== null &&
    (v.lib === "tracewire" || v.lib === "langsmith") &&
    typeof v.n === "number" &&
    typeof v.seconds === "number" &&
    typeof v.cpuSeconds === "number" &&
    typeof v.runsPerSec === "number" &&
    typeof v.peakRssMiB === "number" &&
    Array.isArray(v.rssMedianByTenthMiB) &&
    typeof v.p99DelayMs === "number" &&
    typeof v.delaySamples === "number" &&
    Array.isArray(v.nonLoopback)
  );
}

/**
 * The parent's environment without a loader (`NODE_OPTIONS`: tsx would add ~30 MiB to each
 * worker). `LANGSMITH_*`/`LANGCHAIN_*` are already gone: `run.ts` scrubs them before any suite.
 */
function workerEnv(): NodeJS.ProcessEnv {
  const { NODE_OPTIONS: _loader, ...env } = process.env;
  return env;
}

/** Runs one worker to completion and returns its JSON line. Kills it on timeout. */
function runWorker(snapshot: Snapshot, lib: ExporterLib, n: number, apiUrl: string): Promise<WorkerResult> {
  return new Promise((resolve, reject) => {
    // Not pinned (see lib/placement.ts): at 100k+ runs/s the backend, parsing every run, needs
    // whatever processor is free; on one of its own it became what this row measured.
    const child = spawn(process.execPath, [snapshot.worker, lib, String(n), apiUrl, String(CONCURRENCY)], {
      cwd: snapshot.dir,
      env: workerEnv(),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (text: string) => {
      stdout += text;
    });
    child.stderr.setEncoding("utf8").on("data", (text: string) => {
      stderr += text;
      if (stderr.length > 64_000) stderr = stderr.slice(-32_000);
    });
    const limit = timeoutMs(lib, n);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
      reject(new WorkerTimeout(`exporter.bench: ${lib} ×${n} did not finish within ${limit / 1000} s (killed)\n${stderr}`));
    }, limit);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      if (timedOut) return; // already rejected
      if (code !== 0) {
        reject(new Error(`exporter.bench: ${lib} ×${n} worker exited with ${code ?? signal}\n${stderr}`));
        return;
      }
      const line = stdout.trim().split("\n").pop() ?? "";
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        reject(new Error(`exporter.bench: ${lib} ×${n} worker printed no JSON result:\n${stdout}\n${stderr}`));
        return;
      }
      if (!isWorkerResult(parsed)) {
        reject(new Error(`exporter.bench: ${lib} ×${n} worker result malformed: ${line}`));
        return;
      }
      resolve(parsed);
    });
  });
}

/** What a size's rows say about langsmith when it has no figures there. */
type Missing = { kind: "not run"; estimate?: string } | { kind: "timed out"; message: string };

async function measure(
  ctx: BenchContext,
  snapshot: Snapshot,
  collector: Collector,
  lib: ExporterLib,
  n: number,
): Promise<Measured> {
  ctx.log(`  exporter · ${lib} · ${formatNumber(n)} runs (waves of ${CONCURRENCY})`);
  collector.reset();
  const worker = await runWorker(snapshot, lib, n, collector.url);
  // The worker's flush resolved (every request acknowledged) before it printed, and the collector
  // counts a request before acknowledging it: everything this worker delivered is counted.
  const counts = collector.counts();
  ctx.log(
    `    ${formatNumber(worker.runsPerSec)} runs/s, ${worker.seconds.toFixed(2)} s (CPU ${worker.cpuSeconds.toFixed(2)} s), peak RSS ${worker.peakRssMiB.toFixed(0)} MiB, ` +
      `p99 ${worker.p99DelayMs.toFixed(1)} ms; collector: ${formatNumber(counts.completeRuns)}/${formatNumber(n)} complete runs, ` +
      `${formatNumber(counts.requests)} requests, ${(counts.bytes / 2 ** 20).toFixed(1)} MiB`,
  );
  if (worker.nonLoopback.length > 0) {
    throw new Error(`exporter.bench: ${lib} worker connected off loopback: ${worker.nonLoopback.join(", ")}`);
  }
  if (lib === "tracewire" && (counts.runs !== n || counts.completeRuns !== n || counts.undecodableBodies > 0)) {
    throw new Error(
      `exporter.bench: LOST RUNS — tracewire traced ${n} root runs and flush() resolved, but the collector received ` +
        `${counts.runs} distinct runs, ${counts.completeRuns} of them complete (with end_time); ` +
        `${counts.undecodableBodies} undecodable bodies, ${counts.abortedRequests} aborted requests.\n` +
        `client.stats() after flush: ${JSON.stringify(worker.stats)}\ncollector: ${JSON.stringify(counts)}`,
    );
  }
  return { worker, collector: counts };
}

function sizeLabel(n: number): string {
  return n >= 1_000_000 ? `${n / 1_000_000}M` : `${n / 1_000}k`;
}

function langsmithDelivery(n: number, ls: Measured | Missing): string {
  if ("worker" in ls) {
    const c = ls.collector;
    return (
      `langsmith delivered ${formatNumber(c.completeRuns)}/${formatNumber(n)} runs complete ` +
      `(${formatNumber(c.runs)} distinct ids${c.otherRequests > 0 ? `; ${c.otherRequests} other requests: ${c.otherExamples.join(", ")}` : ""})`
    );
  }
  if (ls.kind === "timed out") return `langsmith: ${ls.message}`;
  return `langsmith not run at this size${ls.estimate ? ` (${ls.estimate})` : ""}`;
}

/** The rows of one size. */
function rowsFor(n: number, tw: Measured, ls: Measured | Missing, rssGoal: Goal | undefined): ResultRow[] {
  const label = sizeLabel(n);
  const op = (metric: string): string => `${formatNumber(n)} runs → collector: ${metric}`;
  const lsm = "worker" in ls ? ls : undefined;
  const both = (pick: (m: Measured) => number): ResultRow["values"] => ({
    tracewire: { value: pick(tw) },
    ...(lsm ? { langsmith: { value: pick(lsm) } } : {}),
  });
  const perRun = (m: Measured): string => `${formatNumber(m.collector.bytes / n)} B/run`;
  const timing = (m: Measured): string =>
    `${m.worker.seconds.toFixed(2)} s (flush after the last call ${formatNumber((m.worker.seconds - m.worker.callSeconds) * 1000)} ms; ` +
    `worker CPU ${m.worker.cpuSeconds.toFixed(2)} s = ${formatNumber((m.worker.cpuSeconds * 1e6) / n)} µs/run` +
    (m.repeats ? `; the median of ${m.repeats.length} processes: ${m.repeats.map((r) => formatNumber(r)).join(" / ")} runs/s` : "") +
    ")";
  return [
    {
      id: `exporter.${label}.throughput`,
      op: op("throughput"),
      metric: "throughput",
      unit: "runs/s",
      better: "higher",
      values: both((m) => m.worker.runsPerSec),
      goals: [{ kind: "absolute", min: THROUGHPUT_GOAL }],
      note:
        `n ÷ wall time from the first call until flush() (langsmith: awaitPendingTraceBatches()) resolved; calls in waves of ` +
        `${formatNumber(CONCURRENCY)} started together, awaited with Promise.all, one setImmediate between waves; ` +
        `a fresh process per measurement, timed from 250 ms after the client was constructed (start-up is not traffic). tracewire ${timing(tw)}` +
        (lsm ? `, langsmith ${timing(lsm)}` : "") +
        `. tracewire delivered all ${formatNumber(n)} runs complete; ${langsmithDelivery(n, ls)}`,
    },
    {
      id: `exporter.${label}.peakRss`,
      op: op("peak RSS"),
      metric: "peak RSS",
      unit: "MiB",
      better: "lower",
      values: both((m) => m.worker.peakRssMiB),
      goals: rssGoal ? [rssGoal] : undefined,
      note:
        `the worker process's peak resident set (getrusage maxrss); after imports and client ` +
        `construction it was ${tw.worker.baselineRssMiB.toFixed(0)} MiB (tracewire)` +
        (lsm ? ` / ${lsm.worker.baselineRssMiB.toFixed(0)} MiB (langsmith)` : ""),
    },
    {
      id: `exporter.${label}.loopDelay`,
      op: op("event-loop p99 delay"),
      metric: "event-loop p99 delay",
      unit: "ms",
      better: "lower",
      values: both((m) => m.worker.p99DelayMs),
      goals: [{ kind: "absolute", max: P99_GOAL_MS }],
      note:
        `monitorEventLoopDelay({ resolution: 10 }) in the worker from the first call until flush resolved, p99 ` +
        `(with few samples, p99 is close to the max); tracewire max ${tw.worker.maxDelayMs.toFixed(0)} ms of ` +
        `${formatNumber(tw.worker.delaySamples)} samples` +
        (lsm ? `, langsmith max ${lsm.worker.maxDelayMs.toFixed(0)} ms of ${formatNumber(lsm.worker.delaySamples)} samples` : ""),
    },
    {
      id: `exporter.${label}.requests`,
      op: op("ingest requests"),
      metric: "ingest requests",
      unit: "requests",
      better: "lower",
      values: both((m) => m.collector.requests),
      note: "POST /runs/multipart and /runs/batch requests the collector acknowledged (202); no target",
    },
    {
      id: `exporter.${label}.bytes`,
      op: op("body bytes"),
      metric: "body bytes",
      unit: "bytes",
      better: "lower",
      values: both((m) => m.collector.bytes),
      note:
        `request bodies as received, uncompressed (the collector's /info offers no compression): ${perRun(tw)} tracewire` +
        (lsm ? `, ${perRun(lsm)} langsmith` : "") +
        "; no target",
    },
  ];
}

export default defineBench({
  title: "Exporter end to end",
  description:
    "N traced root calls (`traceable(async (i) => ({ out: i }))`) through each library's Client to a loopback collector in the bench process, until the client's flush resolves: throughput, the worker's peak RSS and event-loop p99 delay, and what the collector received. Each measurement is a fresh `node` process (`bench/exporter-worker.mjs`); tracewire from the built package, langsmith 0.12 with its defaults. tracewire must deliver every run complete or the bench fails.",
  async run(ctx) {
    const snapshot = snapshotBuild();
    const collector = await startCollector().catch((error: unknown) => {
      snapshot.remove();
      throw error;
    });
    try {
      const measured = new Map<string, Measured | Missing>();
      for (const { lib, n, repeats } of PLAN) {
        let result: Measured | Missing;
        try {
          const runs: Measured[] = [];
          for (let i = 0; i < repeats; i++) runs.push(await measure(ctx, snapshot, collector, lib, n));
          runs.sort((a, b) => a.worker.runsPerSec - b.worker.runsPerSec);
          result = runs[Math.floor(runs.length / 2)] as Measured;
          if (repeats > 1) result.repeats = runs.map((r) => r.worker.runsPerSec);
        } catch (error) {
          // Only langsmith may time out without failing the bench; its column is left empty.
          if (lib !== "langsmith" || !(error instanceof WorkerTimeout)) throw error;
          ctx.log(`    ${error.message.split("\n")[0] ?? ""}`);
          result = { kind: "timed out", message: `killed after ${timeoutMs(lib, n) / 1000} s without finishing` };
        }
        measured.set(`${lib}:${n}`, result);
      }
      const tw = (n: number): Measured => {
        const m = measured.get(`tracewire:${n}`);
        if (!m || !("worker" in m)) throw new Error(`exporter.bench: tracewire ×${n} was not measured`);
        return m;
      };
      const ls = (n: number): Measured | Missing => {
        const m = measured.get(`langsmith:${n}`);
        if (m) return m;
        // Not in the plan: say how long it would have taken at the rate measured at the largest size run.
        const largest = [...measured.entries()]
          .filter(([key, value]) => key.startsWith("langsmith:") && "worker" in value)
          .map(([, value]) => value as Measured)
          .pop();
        if (!largest) return { kind: "not run" };
        const minutes = n / largest.worker.runsPerSec / 60;
        return {
          kind: "not run",
          estimate:
            `at the ${formatNumber(largest.worker.runsPerSec)} runs/s it reached at ${formatNumber(largest.worker.n)} runs, ` +
            `${formatNumber(n)} would take ~${minutes.toFixed(0)} minutes`,
        };
      };

      const small = tw(SMALL);
      const large = tw(LARGE);
      const tenths = large.worker.rssMedianByTenthMiB;
      const growth = (tenths[9] ?? 0) - (tenths[1] ?? 0);
      return [
        ...rowsFor(SMALL, small, ls(SMALL), { kind: "absolute", max: RSS_GOAL_MIB }),
        ...rowsFor(MEDIUM, tw(MEDIUM), ls(MEDIUM), undefined),
        ...rowsFor(LARGE, large, ls(LARGE), undefined),
        {
          id: "exporter.1m.rssGrowth",
          op: `${formatNumber(LARGE)} runs → collector: RSS growth over the run`,
          metric: "RSS growth",
          unit: "MiB",
          better: "lower",
          values: { tracewire: { value: growth } },
          goals: [{ kind: "absolute", max: FLAT_RSS_GROWTH_MIB, text: `flat: ≤ ${FLAT_RSS_GROWTH_MIB} MiB` }],
          note:
            `memory bounded by the exporter's queue, not by the number of runs: the median RSS sampled during the last ` +
            `tenth of the runs minus that during the second tenth (the first holds start-up growth); medians per tenth: ` +
            `${tenths.map((m) => m.toFixed(0)).join(" · ")} MiB (the 20k run peaked at ${small.worker.peakRssMiB.toFixed(0)} MiB)`,
        },
      ];
    } finally {
      await collector.close();
      snapshot.remove();
    }
  },
});
