/**
 * The dev collector at scale (issue 16): 1,000,000 runs ingested through tracewire's Client
 * (multipart, gzip as `/info` allows) into a real `tracewire dev` in its own process, stored
 * durably (fsync before each 202). Then: the collector's RSS, the first page and a filtered
 * search over the million runs, and a restart (the time to open the log and answer again).
 *
 * Both processes run from a private copy of the build, as the exporter bench does; the worker
 * (`collector-ingest-worker.mjs`) makes waves of 100 traced root calls and awaits the client's
 * flush every 50,000, so it never outruns the collector: nothing may be dropped.
 * `COLLECTOR_BENCH_RUNS` shrinks the run count for a quick look.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { copyFileSync, cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { REPO_ROOT } from "./lib/libs.js";
import { serving, underTest } from "./lib/placement.js";
import { formatNumber } from "./lib/report.js";
import { type ResultRow, defineBench } from "./lib/types.js";

const RUNS = Number(process.env.COLLECTOR_BENCH_RUNS ?? 1_000_000);
const WORKER_SOURCE = fileURLToPath(new URL("./collector-ingest-worker.mjs", import.meta.url));
const MiB = 1024 * 1024;

interface Snapshot {
  dir: string;
  remove(): void;
}

function snapshotBuild(): Snapshot {
  const dir = mkdtempSync(join(tmpdir(), "tracewire-collector-bench-"));
  copyFileSync(join(REPO_ROOT, "package.json"), join(dir, "package.json"));
  cpSync(join(REPO_ROOT, "dist"), join(dir, "dist"), { recursive: true });
  symlinkSync(join(REPO_ROOT, "node_modules"), join(dir, "node_modules"), "dir");
  copyFileSync(WORKER_SOURCE, join(dir, "collector-ingest-worker.mjs"));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

interface Running {
  child: ChildProcess;
  url: string;
  /** Milliseconds from spawn to the collector's first line (its log opened, listening). */
  startMs: number;
  /** The runs it said it opened with. */
  runs: number;
}

/** `tracewire dev --port 0` in its own process; resolves once it prints its URL. */
async function startCollector(snapshot: Snapshot, dataDir: string): Promise<Running> {
  const started = performance.now();
  const [command, args] = underTest([join(snapshot.dir, "dist", "cli.js"), "dev", "--port", "0", "--data-dir", dataDir]);
  const child = spawn(command, args, {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let output = "";
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
      const match = /(http:\/\/127\.0\.0\.1:\d+) \((\d+) runs/.exec(output);
      if (match) resolve(match[0]);
    });
    child.once("exit", (code) => reject(new Error(`collector exited (${code}) before listening: ${output}`)));
  });
  const startMs = performance.now() - started;
  child.stdout?.resume();
  const [, base, runs] = /(http:\/\/127\.0\.0\.1:\d+) \((\d+) runs/.exec(url) as RegExpExecArray;
  return { child, url: base as string, startMs, runs: Number(runs) };
}

async function stop(running: Running): Promise<void> {
  if (running.child.exitCode !== null) return;
  const exited = once(running.child, "exit");
  running.child.kill("SIGTERM");
  await exited;
}

/** Current and peak resident set of a process (Linux /proc), in MiB. */
function rssOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? Number.NaN);
  return { rss: (kib("VmRSS") * 1024) / MiB, peak: (kib("VmHWM") * 1024) / MiB };
}

interface IngestResult {
  runsPerSec: number;
  seconds: number;
  stats: { dropped?: Record<string, number> };
}

async function runWorker(snapshot: Snapshot, url: string): Promise<IngestResult> {
  const [command, args] = serving([join(snapshot.dir, "collector-ingest-worker.mjs"), String(RUNS), url]);
  const child = spawn(command, args, {
    cwd: snapshot.dir,
    stdio: ["ignore", "pipe", "inherit"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
  });
  const [code] = (await once(child, "exit")) as [number | null];
  if (code !== 0) throw new Error(`ingest worker exited ${code}: ${output}`);
  return JSON.parse(output.trim().split("\n").at(-1) as string) as IngestResult;
}

/** Milliseconds of one GET, and its JSON. */
async function timedGet(url: string): Promise<{ ms: number; body: { traces?: unknown[] } }> {
  const started = performance.now();
  const response = await fetch(url);
  const body = (await response.json()) as { traces?: unknown[] };
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return { ms: performance.now() - started, body };
}

/** The first call (which may settle the order) and the median of five more, for each query. */
async function queryTimes(base: string): Promise<{ first: number; page: number; filtered: number; pageCount: number }> {
  const page = `${base}/api/traces?limit=50`;
  // A search that matches no trace scans every one: the worst case of a filtered first page.
  const filtered = `${base}/api/traces?limit=50&q=no-such-name&error=false&min_ms=0`;
  const first = await timedGet(page);
  const median = async (url: string): Promise<number> => {
    const times: number[] = [];
    for (let i = 0; i < 5; i++) times.push((await timedGet(url)).ms);
    return times.sort((a, b) => a - b)[2] as number;
  };
  return { first: first.ms, page: await median(page), filtered: await median(filtered), pageCount: first.body.traces?.length ?? 0 };
}

export default defineBench({
  title: "Dev collector at scale",
  description:
    `${formatNumber(RUNS)} traced root calls through tracewire's Client (exporter-worker.mjs) into \`tracewire dev\` in its own process ` +
    "(every batch fsync'd before its 202), then the collector's RSS, the trace list's first page and a filtered search, and a restart.",
  async run(ctx) {
    const snapshot = snapshotBuild();
    const dataDir = mkdtempSync(join(tmpdir(), "tracewire-collector-bench-data-"));
    let running: Running | undefined;
    try {
      running = await startCollector(snapshot, dataDir);
      ctx.log(`collector on ${running.url}; ingesting ${formatNumber(RUNS)} runs`);
      const ingest = await runWorker(snapshot, running.url);
      const afterIngest = rssOf(running.child.pid as number);
      const before = await queryTimes(running.url);
      if (before.pageCount !== 50 && RUNS >= 50) throw new Error(`first page has ${before.pageCount} traces`);
      await stop(running);
      running = await startCollector(snapshot, dataDir);
      const dropped = Object.values(ingest.stats.dropped ?? {}).reduce((a, b) => a + b, 0);
      if (running.runs !== RUNS || dropped > 0) throw new Error(`LOST RUNS: ${running.runs} of ${RUNS} stored, client dropped ${dropped}`);
      const reopened = rssOf(running.child.pid as number);
      const after = await queryTimes(running.url);
      ctx.log(`ingest ${formatNumber(ingest.runsPerSec)} runs/s; restart ${running.startMs.toFixed(0)} ms; rss ${JSON.stringify({ afterIngest, reopened })}`);
      const op = (what: string): string => `${formatNumber(RUNS)} runs in the collector: ${what}`;
      const row = (id: string, what: string, metric: string, unit: string, value: number, max: number, note: string): ResultRow => ({
        id: `collector.${id}`,
        op: op(what),
        metric,
        unit,
        better: "lower",
        values: { tracewire: { value } },
        goals: [{ kind: "absolute", max }],
        note,
      });
      return [
        {
          id: "collector.ingest",
          op: op("ingest through the Client (multipart, durable before each 202)"),
          metric: "throughput",
          unit: "runs/s",
          better: "higher",
          values: { tracewire: { value: ingest.runsPerSec } },
          goals: [{ kind: "absolute", min: 50_000 }],
          note: `first call to the last flush() resolved: ${ingest.seconds.toFixed(1)} s; all ${formatNumber(RUNS)} runs there after the restart, none dropped`,
        },
        row("rss", "collector peak RSS (ingest and queries)", "peak RSS", "MiB", rssOf(running.child.pid as number).peak > afterIngest.peak ? rssOf(running.child.pid as number).peak : afterIngest.peak, 300,
          `after ingest ${afterIngest.rss.toFixed(0)} MiB (peak ${afterIngest.peak.toFixed(0)}); after restart ${reopened.rss.toFixed(0)} MiB (peak ${reopened.peak.toFixed(0)})`),
        row("restart", "restart (open the log, listening)", "time", "ms", running.startMs, 5000, "spawn to the collector's first line, process start included"),
        row("first-page", "first page (`/api/traces?limit=50`)", "latency", "ms", Math.max(before.first, after.first), 100,
          `first request after ingest ${before.first.toFixed(1)} ms and after restart ${after.first.toFixed(1)} ms (the larger is the value); median of 5 more ${before.page.toFixed(1)} / ${after.page.toFixed(1)} ms`),
        row("filtered", "filtered search matching nothing (every trace scanned)", "latency", "ms", Math.max(before.filtered, after.filtered), 100,
          `\`q=no-such-name&error=false&min_ms=0\`, median of 5: ${before.filtered.toFixed(1)} ms after ingest, ${after.filtered.toFixed(1)} ms after restart`),
      ];
    } finally {
      if (running) await stop(running);
      rmSync(dataDir, { recursive: true, force: true });
      snapshot.remove();
    }
  },
});
