/**
 * One exporter measurement in a fresh process (spawned by `bench/exporter.bench.ts`), so that
 * peak RSS is this library's, at this size, and nothing else's:
 *
 *   node bench/exporter-worker.mjs <tracewire|langsmith> <runs> <collectorUrl> [concurrency]
 *
 * After the client is constructed and a 250 ms start-up pause, calls a traced async function
 * `<runs>` times — each call a root run — in waves of
 * `concurrency` calls started together and awaited with `Promise.all` (default 100), with one
 * turn of the event loop (`setImmediate`) between waves, then waits for the client to report
 * everything sent (`flush()` / `awaitPendingTraceBatches()`).
 * Prints one JSON line on stdout and exits.
 *
 * Plain `.mjs` on purpose: `tsx` would add ~30 MiB of loader to every worker's RSS.
 * tracewire is imported as the BUILT package through its own `exports` (self-reference:
 * `tracewire` → `dist/`), exactly as a user gets it; langsmith from node_modules. The bench runs
 * it from a private copy of the build (see `snapshotBuild` in `exporter.bench.ts`); it also runs
 * as is from the repository.
 */
import diagnosticsChannel from "node:diagnostics_channel";
import { monitorEventLoopDelay } from "node:perf_hooks";

const [lib, runsText, apiUrl, concurrencyText] = process.argv.slice(2);
const runs = Number(runsText);
const concurrency = Number(concurrencyText ?? 100);
if ((lib !== "tracewire" && lib !== "langsmith") || !Number.isSafeInteger(runs) || runs <= 0 || !apiUrl) {
  console.error("usage: node bench/exporter-worker.mjs <tracewire|langsmith> <runs> <collectorUrl> [concurrency]");
  process.exit(2);
}
if (!Number.isSafeInteger(concurrency) || concurrency <= 0) {
  console.error(`concurrency must be a positive integer, got ${concurrencyText}`);
  process.exit(2);
}

// Loopback only: every outgoing TCP connection is audited and reported to the parent, which fails
// the bench on any other destination. (The parent also scrubs LANGSMITH_*/LANGCHAIN_* from our env.)
const LOOPBACK = /^(127\.|::1$|::ffff:127\.)/;
const nonLoopback = [];
diagnosticsChannel.subscribe("net.client.socket", (message) => {
  const socket = message.socket;
  socket?.once("connect", () => {
    const address = socket.remoteAddress ?? "?";
    if (!LOOPBACK.test(address)) nonLoopback.push(`${address}:${socket.remotePort ?? "?"}`);
  });
});

const MiB = 1024 * 1024;

/** Builds the traced function and the flush for one library; the client is created here. */
async function setup() {
  if (lib === "tracewire") {
    const { Client } = await import("tracewire");
    const { traceable } = await import("tracewire/traceable");
    const client = new Client({ apiUrl });
    const f = traceable(async (i) => ({ out: i }), { name: "root", client, tracingEnabled: true });
    return { f, flush: () => client.flush(), stats: () => client.stats() };
  }
  const { Client } = await import("langsmith");
  const { traceable } = await import("langsmith/traceable");
  const client = new Client({ apiUrl, apiKey: "bench" });
  const f = traceable(async (i) => ({ out: i }), { name: "root", client, tracingEnabled: true });
  return { f, flush: () => client.awaitPendingTraceBatches(), stats: () => undefined };
}

const { f, flush, stats } = await setup();
const baselineRss = process.memoryUsage.rss();

const RESOLUTION_MS = 10;
const loop = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
loop.enable();
// Timing starts once the client has had START_UP_MS to itself, as in a service that builds its
// client at boot and serves traffic later: start-up work a client does on construction (tracewire
// loads its HTTP client and connects; langsmith defers that to its first batch) is not traffic.
// It also lets the histogram's timer tick first: it only records a delay from its second tick on.
const START_UP_MS = 250;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
await sleep(START_UP_MS);
loop.reset();

const cpuBefore = process.cpuUsage();
const started = performance.now();
// RSS sampled through the run (about 100 samples, at wave boundaries), grouped by the tenth of
// the runs it was taken in: the medians per tenth show whether memory keeps growing with the
// number of runs or levels off, without the transient peaks a single reading can catch.
const tenth = Math.ceil(runs / 10);
const sampleEveryWaves = Math.max(1, Math.floor(runs / concurrency / 100));
const rssByTenth = Array.from({ length: 10 }, () => []);
let waveCount = 0;
for (let done = 0; done < runs; ) {
  const wave = Math.min(concurrency, runs - done);
  const calls = new Array(wave);
  for (let k = 0; k < wave; k++) calls[k] = f(done + k);
  await Promise.all(calls);
  done += wave;
  if (++waveCount % sampleEveryWaves === 0) rssByTenth[Math.min(9, Math.floor((done - 1) / tenth))].push(process.memoryUsage.rss());
  // A traced call that does no I/O settles in microtasks only: without this turn of the event
  // loop the whole call phase would be one macrotask, and no exporter could send (or a timer
  // fire) until it ended. Each wave models `concurrency` requests arriving in one loop turn.
  await new Promise((resolve) => setImmediate(resolve));
}
const called = performance.now();
await flush();
const finished = performance.now();
const cpu = process.cpuUsage(cpuBefore);

// One more tick so that a block just before flush resolved is recorded too (outside the timing).
await sleep(2 * RESOLUTION_MS);
loop.disable();
// getrusage's maxrss (KiB): the process's true peak resident set, not a sample of it.
const maxRss = process.resourceUsage().maxRSS * 1024;

const seconds = (finished - started) / 1000;
const result = {
  lib,
  n: runs,
  concurrency,
  seconds,
  callSeconds: (called - started) / 1000,
  // CPU time of the whole process (all threads: main, GC helpers, libuv) over the same interval.
  cpuSeconds: (cpu.user + cpu.system) / 1e6,
  runsPerSec: runs / seconds,
  peakRssMiB: maxRss / MiB,
  rssMedianByTenthMiB: rssByTenth.map((samples) => {
    const sorted = [...samples].sort((a, b) => a - b);
    return sorted.length === 0 ? 0 : sorted[Math.floor(sorted.length / 2)] / MiB;
  }),
  baselineRssMiB: baselineRss / MiB,
  p99DelayMs: loop.percentile(99) / 1e6,
  maxDelayMs: loop.max / 1e6,
  delaySamples: loop.count,
  stats: stats(),
  nonLoopback,
};
process.stdout.write(`${JSON.stringify(result)}\n`);
// Exit now: a library's keep-alive sockets or timers must not hold the measurement up.
process.exit(0);
