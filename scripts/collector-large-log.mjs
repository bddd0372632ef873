// Writes a run log of about --gb GiB (default 1) in the dev collector's format — small runs, a
// create and an update each, five runs a trace — opens it with the store from the source, and
// checks that every run is there. Prints runs, time and memory.
//   node --import tsx scripts/collector-large-log.mjs [--gb 1] [--keep]
import { createWriteStream } from "node:fs";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { finished } from "node:stream/promises";
import { parseArgs } from "node:util";
import { RunStore } from "../src/collector/run-store.ts";

const { values } = parseArgs({ options: { gb: { type: "string", default: "1" }, keep: { type: "boolean", default: false } } });
const targetBytes = Number(values.gb) * 1024 ** 3;
const RUNS_PER_TRACE = 5;

/** Run ids from a counter, so the check needs no list of them. */
const idOf = (i) => `00000000-0000-4000-8000-${i.toString(16).padStart(12, "0")}`;
const stampOf = (i) => `2026-01-01T00:00:00.${String(i % 1000).padStart(3, "0")}Z`;

function linesOf(i) {
  const id = idOf(i);
  const root = i - (i % RUNS_PER_TRACE);
  const traceId = idOf(root);
  const dotted = i === root ? `20260101T000000000000Z${traceId}` : `20260101T000000000000Z${traceId}.20260101T000000000001Z${id}`;
  const parent = i === root ? "" : `,"parent_run_id":"${traceId}"`;
  const post = `{"op":"post","run":{"id":"${id}","trace_id":"${traceId}"${parent},"dotted_order":"${dotted}","name":"step-${i % 7}","run_type":"chain","session_name":"load","start_time":"${stampOf(i)}","inputs":{"question":"what is the answer to question number ${i}?"},"extra":{"metadata":{"user":"ada"}},"tags":["bench"]}}\n`;
  const patch = `{"op":"patch","run":{"id":"${id}","trace_id":"${traceId}","dotted_order":"${dotted}","end_time":"${stampOf(i + 1)}","outputs":{"answer":"${i * 2}"}}}\n`;
  return post + patch;
}

const dir = await mkdtemp(join(tmpdir(), "tracewire-large-log-"));
const path = join(dir, "runs.jsonl");
try {
  let runs = 0;
  let bytes = 0;
  const out = createWriteStream(path, { highWaterMark: 4 * 1024 * 1024 });
  while (bytes < targetBytes || runs % RUNS_PER_TRACE !== 0) {
    const text = linesOf(runs++);
    bytes += Buffer.byteLength(text);
    if (!out.write(text)) await new Promise((resolve) => out.once("drain", resolve));
  }
  out.end();
  await finished(out);
  const size = (await stat(path)).size;
  const rssBefore = process.memoryUsage().rss;

  const started = performance.now();
  const store = await RunStore.open(dir);
  const openMs = performance.now() - started;
  globalThis.gc?.();
  const memory = process.memoryUsage();

  let missing = 0;
  for (let i = 0; i < runs; i++) if (!store.has(idOf(i))) missing++;
  // Read a few traces back from the log, whole.
  let checkedTraces = 0;
  for (let i = 0; i < runs; i += Math.floor(runs / 10 / RUNS_PER_TRACE) * RUNS_PER_TRACE || RUNS_PER_TRACE) {
    const trace = await store.trace(idOf(i));
    const ok = trace?.length === RUNS_PER_TRACE && trace.every((r) => r.outputs?.answer !== undefined && r.inputs?.question !== undefined);
    if (!ok) throw new Error(`trace ${idOf(i)} did not read back whole`);
    checkedTraces++;
  }
  const summaries = store.traces(5);
  await store.close();

  const mib = (n) => `${(n / 1024 ** 2).toFixed(0)} MiB`;
  console.log(
    JSON.stringify(
      {
        logBytes: size,
        log: mib(size),
        runs,
        entries: store.opened.entries,
        inStore: store.size,
        missing,
        setAside: store.opened.setAside,
        tracesReadBack: checkedTraces,
        traceList: summaries.length,
        openSeconds: +(openMs / 1000).toFixed(1),
        rssBeforeOpen: mib(rssBefore),
        rssAfterOpen: mib(memory.rss),
        heapUsedAfterOpen: mib(memory.heapUsed),
        peakRss: mib(process.resourceUsage().maxRSS * 1024),
      },
      null,
      2,
    ),
  );
  if (missing > 0 || store.size !== runs) process.exitCode = 1;
} finally {
  if (!values.keep) await rm(dir, { recursive: true, force: true });
  else console.log(`kept ${dir}`);
}
