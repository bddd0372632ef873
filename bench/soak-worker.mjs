/**
 * The load side of the soak (`bench/soak.ts`), in a process of its own so that its RSS is the
 * exporter's and nothing else's:
 *
 *   node bench/soak-worker.mjs steady <seconds> <apiUrl> <runsPerSecond> <payloadBytes>
 *   node bench/soak-worker.mjs flush-loop <seconds> <apiUrl>
 *
 * `steady` starts traced root calls at a steady rate (a batch of them every 10 ms, as a service
 * under constant traffic does) with a `payloadBytes` input each, prints a progress line every
 * second, then flushes. `flush-loop` is issue 12's point 1: `await f(i); await client.flush()`
 * in a loop, with the default exit-flush bound (10 s) that used to drop everything after it.
 * Both print JSON lines on stdout; the last is `{"type":"done",...}`. The client is built with
 * the defaults a user gets (`new Client({ apiUrl })`), the bounds included.
 */
import { Client } from "tracewire";
import { traceable } from "tracewire/traceable";

const [mode, secondsText, apiUrl, rateText, payloadText] = process.argv.slice(2);
const seconds = Number(secondsText);
if ((mode !== "steady" && mode !== "flush-loop") || !(seconds > 0) || !apiUrl) {
  console.error("usage: node bench/soak-worker.mjs <steady|flush-loop> <seconds> <apiUrl> [runsPerSecond payloadBytes]");
  process.exit(2);
}

const client = new Client({ apiUrl });
const f = traceable(async (i, payload) => ({ done: i, size: payload.length }), { name: "soak", client, tracingEnabled: true });
const print = (line) => process.stdout.write(`${JSON.stringify(line)}\n`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

await sleep(250); // the client connects at construction: start-up is not load
const baselineRss = process.memoryUsage.rss();
print({ type: "ready", baselineRss });
const started = performance.now();
const elapsed = () => (performance.now() - started) / 1000;
let created = 0;

if (mode === "steady") {
  const rate = Number(rateText);
  const payload = "p".repeat(Number(payloadText));
  const TICK_MS = 10;
  let nextProgress = 1;
  // Calls are not awaited one by one: like requests, they arrive whether or not the last ended.
  const inFlight = new Set();
  while (elapsed() < seconds) {
    const due = Math.floor(elapsed() * rate) - created;
    for (let k = 0; k < due; k++) {
      const call = f(created++, payload);
      inFlight.add(call);
      void call.finally(() => inFlight.delete(call));
    }
    if (elapsed() >= nextProgress) {
      nextProgress++;
      const { rss, heapUsed, heapTotal, external, arrayBuffers } = process.memoryUsage();
      print({ type: "progress", t: elapsed(), rss, heapUsed, heapTotal, external, arrayBuffers, created, stats: client.stats() });
    }
    await sleep(TICK_MS);
  }
  await Promise.all(inFlight);
} else {
  while (elapsed() < seconds) {
    await f(created++, "x");
    await client.flush();
  }
}

await client.flush();
print({
  type: "done",
  created,
  seconds: elapsed(),
  baselineRss,
  peakRss: process.resourceUsage().maxRSS * 1024,
  stats: client.stats(),
});
process.exit(0);
