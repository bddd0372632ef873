/**
 * `maxQueueBytes` is a memory bound (issue 12.4, SPEC §9): what a queued or in-flight run is
 * counted for is at least what it really holds, whatever its shape, so a process whose backend
 * is down holds no more than the bound (+20%) above its baseline, and every run past it is
 * counted `queue_full`. Measured in a child process (--expose-gc, so held memory is measured
 * after a full collection, not the garbage a collector has yet to reclaim; a pinned young
 * generation, whose size is V8's choice and not held memory).
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:http";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { ClientStats } from "../../src/export/client.js";
import { closeServer, originOf } from "../helpers/servers.js";
import { NO_DROPS } from "../helpers/runs.js";

const CHILD = fileURLToPath(new URL("../fixtures/queue-rss-child.ts", import.meta.url));
const BOUND = 16 * 1024 * 1024;
/** What else a process may gain meanwhile (connection state, compiled code): not the runs. */
const SLACK_BYTES = 512 * 1024;

interface Measure {
  records: number;
  baseline: number;
  peak: number;
  after: number;
  retained: number;
  counted: number;
  stats: ClientStats;
}

/** A loopback URL nothing listens on: every send is refused, every run stays held. */
async function refusingUrl(): Promise<string> {
  const server = createServer().listen(0, "127.0.0.1");
  const url = await originOf(server);
  await closeServer(server);
  return url;
}

async function measure(shape: string, runs: number): Promise<Measure> {
  const args = ["--expose-gc", "--max-semi-space-size=1", "--import", "tsx", CHILD, await refusingUrl(), shape, String(BOUND), String(runs)];
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const [code] = (await once(child, "close")) as [number | null];
  expect(code, stderr).toBe(0);
  return JSON.parse(stdout) as Measure;
}

const MiB = (bytes: number): string => `${(bytes / 1048576).toFixed(1)} MiB`;

describe("the queue bound is a memory bound, backend down", () => {
  it.each([
    { title: "big tags (16 × 4 KiB per run)", shape: "bigTags", runs: 1_500 },
    { title: "non-ASCII inputs, name and tags", shape: "nonAscii", runs: 8_000 },
    { title: "2 KiB payloads", shape: "small2k", runs: 12_000 },
    { title: "deep objects", shape: "deep", runs: 8_000 },
    { title: "runs 120 levels down a trace (long dotted orders)", shape: "deepTrace", runs: 6_000 },
  ])(
    "[12.4] $title: counted bytes cover what is held, RSS stays within the bound + 20%, the rest is `queue_full`",
    // One more attempt (a fresh child process): RSS after a full GC is the OS's figure, and with
    // the other test worker busy it once came out 18% over for one shape; twice over is a failure.
    { retry: 1 },
    async ({ shape, runs }) => {
      const m = await measure(shape, runs);
      const report = `retained ${MiB(m.retained)}, counted ${MiB(m.counted)}, RSS +${MiB(m.after - m.baseline)} (peak +${MiB(m.peak - m.baseline)}) over ${MiB(m.baseline)}`;
      // Every run is held or counted, and the bound was reached (not a vacuous test).
      const { queuedRuns, inFlightRuns, dropped } = m.stats;
      expect(queuedRuns + inFlightRuns + dropped.queue_full).toBe(m.records);
      expect(dropped).toEqual({ ...NO_DROPS, queue_full: dropped.queue_full });
      expect(dropped.queue_full, report).toBeGreaterThan(runs / 4);
      // What is counted is what is held: never less.
      expect(m.retained, report).toBeLessThanOrEqual(m.counted + SLACK_BYTES);
      expect(m.counted, report).toBeLessThanOrEqual(BOUND * 1.1);
      expect(m.after - m.baseline, report).toBeLessThanOrEqual(BOUND * 1.2);
    },
  );
});
