/**
 * The ingest side of `bench/collector-ingest.bench.ts`, in its own process:
 *
 *   node bench/collector-ingest-worker.mjs <runs> <collectorUrl>
 *
 * Calls a traced async function `<runs>` times (each a root run with small inputs and outputs)
 * through tracewire's Client, in waves of 100 started together, and awaits `client.flush()`
 * after every 50,000 calls: a producer that waits for its backend instead of outrunning it, so
 * the rate measured is what the collector sustains, with nothing dropped. Prints one JSON line.
 * tracewire is imported as the built package (self-reference, as `exporter-worker.mjs` does).
 */
const [runsText, apiUrl] = process.argv.slice(2);
const runs = Number(runsText);
if (!Number.isSafeInteger(runs) || runs <= 0 || !apiUrl) {
  console.error("usage: node bench/collector-ingest-worker.mjs <runs> <collectorUrl>");
  process.exit(2);
}
const WAVE = 100;
const FLUSH_EVERY = 50_000;

const { Client } = await import("tracewire");
const { traceable } = await import("tracewire/traceable");
const client = new Client({ apiUrl, warnings: false });
const f = traceable(async (i) => ({ out: i }), { name: "root", client, tracingEnabled: true, tags: ["bench"], metadata: { shard: "a" } });
await new Promise((resolve) => setTimeout(resolve, 250)); // the client's /info and connection first

const started = performance.now();
for (let done = 0; done < runs; ) {
  const wave = Math.min(WAVE, runs - done);
  const calls = new Array(wave);
  for (let k = 0; k < wave; k++) calls[k] = f(done + k);
  await Promise.all(calls);
  done += wave;
  if (done % FLUSH_EVERY === 0) await client.flush();
  await new Promise((resolve) => setImmediate(resolve));
}
await client.flush();
const seconds = (performance.now() - started) / 1000;
process.stdout.write(`${JSON.stringify({ n: runs, seconds, runsPerSec: runs / seconds, stats: client.stats() })}\n`);
process.exit(0);
