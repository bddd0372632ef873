/**
 * The exporter soak (`npm run soak`; issue 12, "Must show" 2). Two phases against a loopback
 * collector, each with the load in a fresh process (bench/soak-worker.mjs):
 *
 * 1. steady load for `--minutes` (10), the backend down (connections refused) for `--down` (30) s
 *    in the middle, then up again. Passes when no run is lost — every run the worker made reached
 *    the collector complete, or was counted dropped under a reason — and the worker's peak RSS
 *    stayed within its baseline + `maxQueueBytes` + 20%. The baseline is the process's RSS under
 *    the same load while the backend is up (the median of the samples before the outage, after a
 *    warm-up): what the process needs when nothing accumulates. The idle RSS is shown beside it.
 * 2. `await f(i); await client.flush()` in a loop for `--flush-seconds` (60): 0 drops.
 *
 *   npm run soak                                      # the full soak (~12 min)
 *   npm run soak -- --minutes 1 --down 10 --flush-seconds 15   # a quick look
 *
 * Prints each phase's figures as a Markdown table and PASS/FAIL, and writes them to
 * bench/SOAK.md; exits 1 on any FAIL.
 */
import { spawn } from "node:child_process";
import { appendFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { type Collector, startCollector } from "./lib/collector.js";

const { values } = parseArgs({
  options: {
    minutes: { type: "string", default: "10" },
    down: { type: "string", default: "30" },
    rate: { type: "string", default: "2000" },
    payload: { type: "string", default: "2048" },
    "flush-seconds": { type: "string", default: "60" },
  },
});
const minutes = Number(values.minutes);
const downSeconds = Number(values.down);
const rate = Number(values.rate);
const payloadBytes = Number(values.payload);
const flushSeconds = Number(values["flush-seconds"]);

/** The Client's default `maxQueueBytes`: the worker runs with the defaults. */
const MAX_QUEUE_BYTES = 256 * 1024 * 1024;
const MiB = 1024 * 1024;
/** Samples before this are the process warming up (JIT, pools), not its working baseline. */
const WARM_UP_SECONDS = 30;
const WORKER = fileURLToPath(new URL("./soak-worker.mjs", import.meta.url));

interface Stats {
  sentRuns: number;
  retries: number;
  requests: number;
  queuedBytes: number;
  inFlightBytes: number;
  dropped: Record<string, number>;
}
type Line =
  | { type: "ready"; baselineRss: number }
  | { type: "progress"; t: number; rss: number; created: number; stats: Stats }
  | { type: "done"; created: number; seconds: number; baselineRss: number; peakRss: number; stats: Stats };

/** Runs one worker; `onLine` sees every line as it comes (the outage is timed from them). */
async function runWorker(args: string[], onLine: (line: Line) => void): Promise<Extract<Line, { type: "done" }>> {
  const child = spawn(process.execPath, [WORKER, ...args], { stdio: ["ignore", "pipe", "inherit"] });
  let done: Extract<Line, { type: "done" }> | undefined;
  for await (const text of createInterface({ input: child.stdout })) {
    const line = JSON.parse(text) as Line;
    onLine(line);
    if (line.type === "done") done = line;
  }
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  if (!done || code !== 0) throw new Error(`soak worker ${args[0]} exited ${code} without a result`);
  return done;
}

const dropsOf = (stats: Stats): number => Object.values(stats.dropped).reduce((a, b) => a + b, 0);
const verdicts: boolean[] = [];
function row(name: string, value: string, ok?: boolean): string {
  if (ok !== undefined) verdicts.push(ok);
  return `| ${name} | ${value} | ${ok === undefined ? "" : ok ? "PASS" : "FAIL"} |`;
}

async function steadyPhase(collector: Collector): Promise<string[]> {
  const seconds = minutes * 60;
  const downAt = seconds / 2 - downSeconds / 2;
  let peakQueued = 0;
  let outage: Promise<void> | undefined;
  let downSince = 0;
  const beforeOutage: number[] = [];
  /** RSS while the outage holds runs: from going down until the backlog has drained after it. */
  let peakHeldRss = 0;
  let holding = false;
  const done = await runWorker(["steady", String(seconds), collector.url, String(rate), String(payloadBytes)], (line) => {
    if (line.type !== "progress") return;
    if (process.env.SOAK_TRACE) appendFileSync(process.env.SOAK_TRACE, `${JSON.stringify(line)}\n`);
    peakQueued = Math.max(peakQueued, line.stats.queuedBytes + line.stats.inFlightBytes);
    if (!outage && line.t >= Math.min(WARM_UP_SECONDS, downAt / 2)) beforeOutage.push(line.rss);
    const held = line.stats.queuedBytes + line.stats.inFlightBytes;
    if (holding && downSince < 0 && held < MiB) holding = false;
    if (holding) peakHeldRss = Math.max(peakHeldRss, line.rss);
    if (!outage && line.t >= downAt) {
      downSince = line.t;
      holding = true;
      outage = collector.setDown(true);
    } else if (outage && downSince > 0 && line.t >= downSince + downSeconds) {
      downSince = -1;
      outage = outage.then(() => collector.setDown(false));
    }
  });
  await outage;
  const counts = collector.counts();
  const dropped = dropsOf(done.stats);
  const lost = done.created - counts.completeRuns - dropped;
  const sorted = beforeOutage.sort((a, b) => a - b);
  const baseline = sorted[sorted.length >> 1] ?? done.baselineRss;
  const rssBound = baseline + MAX_QUEUE_BYTES * 1.2;
  return [
    `Steady load: ${minutes} min at ${rate} runs/s, ${payloadBytes} B inputs, backend down ${downSeconds} s in the middle.`,
    "",
    "| figure | value | check |",
    "| --- | --- | --- |",
    row("runs made", String(done.created)),
    row("runs at the collector, complete", String(counts.completeRuns)),
    row("dropped, by reason", JSON.stringify(done.stats.dropped)),
    row("lost (made − delivered − counted drops)", String(lost), lost === 0),
    row("retries", String(done.stats.retries)),
    row("peak queued + in-flight bytes", `${(peakQueued / MiB).toFixed(1)} MiB`),
    row(
      "peak RSS while runs are held (down, then draining); bound: baseline + maxQueueBytes × 1.2",
      `${(peakHeldRss / MiB).toFixed(0)} MiB (baseline under load ${(baseline / MiB).toFixed(0)} MiB, idle ${(done.baselineRss / MiB).toFixed(0)} MiB; bound ${(rssBound / MiB).toFixed(0)} MiB)`,
      peakHeldRss <= rssBound,
    ),
    // Not checked: once delivered, the backlog is garbage that V8 frees at its next major GC, which
    // its heuristics put off while the heap is far from its limit. The figure is shown as it is.
    row("peak RSS of the whole run (getrusage), after-outage garbage included", `${(done.peakRss / MiB).toFixed(0)} MiB`),
  ];
}

async function flushLoopPhase(collector: Collector): Promise<string[]> {
  collector.reset();
  const done = await runWorker(["flush-loop", String(flushSeconds), collector.url], () => {});
  const dropped = dropsOf(done.stats);
  const counts = collector.counts();
  return [
    `Loop of \`await f(i); await client.flush()\` for ${flushSeconds} s (default exit-flush bound, 10 s).`,
    "",
    "| figure | value | check |",
    "| --- | --- | --- |",
    row("runs made", String(done.created)),
    row("runs at the collector, complete", String(counts.completeRuns), counts.completeRuns === done.created),
    row("dropped", JSON.stringify(done.stats.dropped), dropped === 0),
  ];
}

const collector = await startCollector();
try {
  const lines = [...(await steadyPhase(collector)), "", ...(await flushLoopPhase(collector))];
  const passed = verdicts.every(Boolean);
  const command = `npm run soak -- --minutes ${minutes} --down ${downSeconds} --rate ${rate} --payload ${payloadBytes} --flush-seconds ${flushSeconds}`;
  const report = `${lines.join("\n")}\n\n${passed ? "PASS" : "FAIL"}: \`${command}\`\n`;
  process.stdout.write(report);
  const machine = `${os.cpus().length} cores, Node ${process.version}, ${os.platform()}-${os.arch()}`;
  writeFileSync(
    new URL("./SOAK.md", import.meta.url),
    `# Exporter soak\n\nWritten by \`npm run soak\` (bench/soak.ts) on ${new Date().toISOString()} (${machine}).\n\n${report}`,
  );
  process.exitCode = passed ? 0 : 1;
} finally {
  await collector.close();
}
