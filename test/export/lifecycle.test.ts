/**
 * A process that is still working is never cut short by the exit flush, and every promise a user
 * awaits settles (issue 12). Real child processes import the built package (`npm run build`).
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:http";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ClientStats } from "../../src/export/client.js";
import { type CaptureServer, startCaptureServer } from "../helpers/capture-server.js";
import { killChildren, lineJson, runFixture } from "../helpers/child-process.js";
import { NO_DROPS } from "../helpers/runs.js";
import { closeServer, originOf } from "../helpers/servers.js";

const FLUSH_LOOP = fileURLToPath(new URL("../fixtures/flush-loop.mjs", import.meta.url));
const LIFECYCLE = fileURLToPath(new URL("../fixtures/lifecycle-child.mjs", import.meta.url));
const EXIT_CHILD = fileURLToPath(new URL("../fixtures/exit-child.mjs", import.meta.url));

interface LoopResult {
  iterations: number;
  elapsedMs: number;
  stats: ClientStats;
}

let server: CaptureServer;
beforeEach(async () => {
  server = await startCaptureServer();
});
afterEach(async () => {
  killChildren();
  await server.close();
});

/**
 * The backend answers each ingest request 202 after `latencyMs` (a slow, healthy backend). Such
 * answers are not parsed into `server.runs`: count `server.requests` instead.
 */
function answerAfter(latencyMs: number): void {
  server.reply = () => {
    setTimeout(() => server.release(202), latencyMs);
    return "hang";
  };
}

describe("a process awaiting flush() is still working", () => {
  it("[12.1] a loop of `await traced(i); await client.flush()` outlives exitFlushTimeoutMs and loses nothing", async () => {
    // 20 steps of 25 ms of work: at least 500 ms of loop, well past the 300 ms exit bound.
    const settings = { runs: 20, workMs: 25, client: { exitFlushTimeoutMs: 300 } };
    const exit = await runFixture(FLUSH_LOOP, [server.url, JSON.stringify(settings)]);
    expect({ code: exit.code, stderr: exit.stderr }).toEqual({ code: 0, stderr: "" });
    const result = lineJson<LoopResult>(exit.stdout, "result");
    expect(result?.elapsedMs).toBeGreaterThan(300);
    expect(result?.stats).toMatchObject({ sentRuns: 20, retries: 0, dropped: NO_DROPS });
    expect(exit.stdout).not.toMatch(/^dropped/m);
    expect(server.runs.size).toBe(20);
  });

  it("[12.1] awaitPendingTraceBatches() waits for a backend slower than exitFlushTimeoutMs", async () => {
    answerAfter(600);
    const settings = { runs: 2, alias: true, client: { exitFlushTimeoutMs: 300 } };
    const exit = await runFixture(FLUSH_LOOP, [server.url, JSON.stringify(settings)]);
    expect({ code: exit.code, stderr: exit.stderr }).toEqual({ code: 0, stderr: "" });
    expect(lineJson<LoopResult>(exit.stdout, "result")?.stats).toMatchObject({ sentRuns: 2, dropped: NO_DROPS });
    expect(server.requests).toHaveLength(2);
  });

  it("[12.1] an exit deadline ends with its exit flush: work resumed after it gets a bound of its own", async () => {
    // The first exit flush is over at once; the work resumed 400 ms later (past the 300 ms bound
    // of that first exit) is flushed at the next exit, not abandoned under the old deadline.
    const exit = await runFixture(LIFECYCLE, [server.url, "resume-at-exit", JSON.stringify({ exitFlushTimeoutMs: 300 })]);
    expect({ code: exit.code, stderr: exit.stderr }).toEqual({ code: 0, stderr: "" });
    expect(lineJson<ClientStats>(exit.stdout, "stats")).toMatchObject({ sentRuns: 10, queuedRuns: 0, dropped: NO_DROPS });
    expect([...server.runs.values()].map((r) => r.name).sort()).toEqual(
      ["first", "resumed"].flatMap((prefix) => Array.from({ length: 5 }, (_, i) => `${prefix}-${i}`)).sort(),
    );
  });
});

describe("every public promise settles", () => {
  it("[12.2] `await client.shutdown()` while the start-up /info is unanswered settles, and the script goes on", async () => {
    // /info is never answered; nothing else is asked.
    const silent = createServer(() => {});
    silent.listen(0, "127.0.0.1");
    try {
      const exit = await runFixture(LIFECYCLE, [await originOf(silent), "shutdown-during-probe"]);
      // Exit code 13 is Node's "unsettled top-level await": the shutdown promise was left pending.
      expect({ code: exit.code, stderr: exit.stderr }).toEqual({ code: 0, stderr: "" });
      expect(exit.stdout).toMatch(/^shut-down$/m);
    } finally {
      await closeServer(silent);
    }
  });

  it("[12.2] `await client.replaySpilled()` against a slow backend settles with what it delivered", async () => {
    const directory = await mkdtemp(join(tmpdir(), "tracewire-replay-slow-"));
    try {
      // The first batch fails (no retries: it goes to disk); the replay's is answered in 300 ms.
      server.reply = (_req, index) => {
        if (index === 0) return { status: 500 };
        setTimeout(() => server.release(202), 300);
        return "hang";
      };
      const options = { spillDirectory: directory, retryDeadlineMs: 0, exitFlushTimeoutMs: 100 };
      const exit = await runFixture(LIFECYCLE, [server.url, "replay", JSON.stringify(options)]);
      expect({ code: exit.code, stderr: exit.stderr }).toEqual({ code: 0, stderr: "" });
      expect(lineJson<ClientStats>(exit.stdout, "flushed")).toMatchObject({ spilledRuns: 5, sentRuns: 0 });
      expect(lineJson(exit.stdout, "replayed")).toEqual({ replayedRuns: 5, failedBatches: 0 });
      expect(lineJson<ClientStats>(exit.stdout, "stats")).toMatchObject({ sentRuns: 5, dropped: NO_DROPS });
      expect(server.requests).toHaveLength(2);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it("[12.2] runs waiting on an unanswered start-up /info are abandoned and counted at the exit bound", async () => {
    // Neither /info nor ingest is ever answered: each batch waits for the gzip answer first.
    const silent = createServer(() => {});
    silent.listen(0, "127.0.0.1");
    try {
      const exit = await runFixture(EXIT_CHILD, [await originOf(silent), "20", JSON.stringify({ exitFlushTimeoutMs: 300 })]);
      expect(exit.code).toBe(0);
      // The drop is said once on stderr (12.5), and nothing else is.
      expect(exit.stderr.trim().split("\n")).toEqual([expect.stringMatching(/^\[tracewire\] dropped \d+ runs? \(retries_exhausted\)/)]);
      // Every record is accounted for: none sent, none still pending, all counted as dropped.
      const stats = lineJson<ClientStats>(exit.stdout, "stats");
      expect(stats).toMatchObject({ sentRuns: 0, queuedRuns: 0, inFlightRuns: 0 });
      expect(stats?.dropped.retries_exhausted).toBeGreaterThanOrEqual(20);
    } finally {
      await closeServer(silent);
    }
  });
});

describe("stopping a server", () => {
  it("SIGTERM handled with `await client.shutdown()` delivers every queued run, then the process exits 0", async () => {
    const child = spawn(process.execPath, [LIFECYCLE, server.url, "sigterm", JSON.stringify({ flushDelayMs: 60_000 })], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    child.stdout.setEncoding("utf8");
    const ready = new Promise<void>((resolve) =>
      child.stdout.on("data", (chunk: string) => {
        stdout += chunk;
        if (stdout.includes("ready\n")) resolve();
      }),
    );
    const exited = once(child, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
    await ready;
    // Queued, not sent: the flush delay is a minute away.
    expect(server.runs.size).toBe(0);
    child.kill("SIGTERM");
    expect(await exited).toEqual([0, null]);
    expect(stdout).toContain("shut-down");
    expect(new Set([...server.runs.values()].map((r) => r.name))).toEqual(new Set([0, 1, 2, 3, 4].map((i) => `queued-${i}`)));
  });
});
