/**
 * A process with runs still pending exits promptly once its work is done, having delivered them
 * (SPEC §5: pending runs are flushed on `beforeExit`; a process never hangs on the exporter).
 * The child imports the built package (`npm run build` runs before the tests in `npm test`).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ClientStats } from "../../src/export/client.js";
import { type CaptureServer, startCaptureServer } from "../helpers/capture-server.js";
import { NO_DROPS } from "../helpers/runs.js";

const FIXTURE = fileURLToPath(new URL("../fixtures/exit-child.mjs", import.meta.url));

let server: CaptureServer;
const children: ChildProcess[] = [];
beforeEach(async () => {
  server = await startCaptureServer();
});
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  await server.close();
});

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** When the parent saw the child exit, and when the child said its work was done. */
  exitedAt: number;
  workDoneAt: number;
  stdout: string;
  stderr: string;
  /** The child's `client.stats()` as it exited, and its clock then. */
  stats: ClientStats & { exitAt: number };
  /** Run ids the child's onDrop hook was given. */
  droppedIds: string[];
}

/**
 * Runs the fixture and resolves when it has exited. `whileRunning` may act on the live child
 * (e.g. let it finish through stdin); the child's stdin is closed otherwise.
 */
async function runChild(args: string[], whileRunning?: (child: ChildProcess) => Promise<void>): Promise<Exit> {
  const child = spawn(process.execPath, [FIXTURE, ...args], { stdio: ["pipe", "pipe", "pipe"] });
  children.push(child);
  let stdout = "";
  let stderr = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const exited = once(child, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
  if (whileRunning) await whileRunning(child);
  else child.stdin?.end();
  const [code, signal] = await exited;
  const exitedAt = Date.now();
  // Output may still be in the pipe when "exit" fires.
  if (child.stdout && !child.stdout.readableEnded) await once(child.stdout, "end");
  const match = /^work-done (\d+)$/m.exec(stdout);
  const stats = /^stats (.*)$/m.exec(stdout);
  expect(match && stats, `child output: ${stdout}${stderr}`).toBeTruthy();
  const droppedIds = [...stdout.matchAll(/^dropped retries_exhausted (.*)$/gm)].flatMap((m) => (m[1] as string).split(","));
  return {
    code,
    signal,
    exitedAt,
    workDoneAt: Number(match?.[1]),
    stdout,
    stderr,
    stats: JSON.parse(stats?.[1] as string) as Exit["stats"],
    droppedIds,
  };
}

/** Every run the child created was counted `retries_exhausted` and reported, none sent. */
function expectAllAbandoned(exit: Exit, runs: number): void {
  expect(exit.stats).toMatchObject({ sentRuns: 0, queuedRuns: 0, inFlightRuns: 0 });
  expect(exit.stats.dropped).toEqual({ ...NO_DROPS, retries_exhausted: exit.droppedIds.length });
  // Records, not runs: an update may travel apart from its create; every run is among them.
  expect(new Set(exit.droppedIds).size).toBe(runs);
}

describe("process exit", () => {
  it("a child that returns with 500 runs pending exits within a second, every run delivered", async () => {
    const exit = await runChild([server.url, "500"]);
    expect(exit.stderr).toBe("");
    expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 0, signal: null });
    const detail = `exit seen ${exit.exitedAt - exit.workDoneAt} ms after work-done (child's own exit handler: ${exit.stats.exitAt - exit.workDoneAt} ms)`;
    expect(exit.exitedAt - exit.workDoneAt, detail).toBeLessThanOrEqual(1000);
    const ended = [...server.runs.values()].filter((r) => typeof r.end_time === "string");
    expect(ended).toHaveLength(500);
    expect(new Set(ended.map((r) => r.name))).toEqual(new Set(Array.from({ length: 500 }, (_, i) => `child-${i}`)));
    for (const run of ended) expect(run.outputs).toEqual({ out: Number(String(run.name).slice("child-".length)) });
    expect(exit.stats).toMatchObject({ queuedRuns: 0, inFlightRuns: 0, dropped: NO_DROPS });
    expect(exit.droppedIds).toEqual([]);
  });

  it("a request a server never answers holds the process no longer than exitFlushTimeoutMs", async () => {
    server.reply = () => "hang";
    // The child finishes its work only once the server holds its request: the request is on
    // the wire, unanswered, when the process would exit.
    const exit = await runChild([server.url, "50", JSON.stringify({ exitFlushTimeoutMs: 300, flushDelayMs: 0 }), "wait-stdin"], async (child) => {
      await server.until(() => server.requests.length > 0, "the child's request");
      child.stdin?.end("go\n");
    });
    expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 0, signal: null });
    // 300 ms allowed; the request timeout (30 s) must not be what ends it.
    expect(exit.exitedAt - exit.workDoneAt).toBeLessThan(2000);
    // What it gave up on is not lost silently: all 50 runs counted and reported to onDrop.
    expectAllAbandoned(exit, 50);
  });

  it("runs still queued when a hung server is the only thing left are abandoned at the deadline too", async () => {
    server.reply = () => "hang";
    const exit = await runChild([server.url, "50", JSON.stringify({ exitFlushTimeoutMs: 300 })]);
    expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 0, signal: null });
    expect(exit.exitedAt - exit.workDoneAt).toBeLessThan(2000);
    expectAllAbandoned(exit, 50);
  });

  it("a top-level `await client.flush()` against a slow server still completes", async () => {
    server.reply = () => "hang";
    const exit = await runChild([server.url, "20", "{}", "flush"], async (child) => {
      child.stdin?.end();
      // Answer only once the child is waiting on its flush with nothing else to do.
      await server.until(() => server.requests.length > 0, "the child's request");
      server.release(202);
    });
    expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 0, signal: null });
    expect(exit.stdout).toMatch(/^flushed$/m);
    expect(exit.stats).toMatchObject({ sentRuns: 20, queuedRuns: 0, inFlightRuns: 0 });
    expect(exit.droppedIds).toEqual([]);
  });

  it("a backend that is down holds the process no longer than exitFlushTimeoutMs", async () => {
    const url = server.url;
    await server.close();
    // Many batches, many in flight: each sleeping in a retry, none may hold the process.
    const exit = await runChild([url, "50", JSON.stringify({ exitFlushTimeoutMs: 300, maxBatchRuns: 2, maxInFlightBatches: 16 })]);
    expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 0, signal: null });
    // No MaxListenersExceededWarning from abort listeners either; the abandoned runs are warned about.
    expect(exit.stderr).not.toContain("MaxListenersExceededWarning");
    expect(exit.stderr).toMatch(/^\[tracewire\] dropped \d+ runs \(retries_exhausted\)/m);
    expect(exit.exitedAt - exit.workDoneAt).toBeLessThan(2000);
    expect(exit.stats.retries).toBeGreaterThan(0);
    expectAllAbandoned(exit, 50);
  });

  it("with spillDirectory, what a hung server held at exit is written to disk instead", async () => {
    const directory = await mkdtemp(join(tmpdir(), "tracewire-exit-spill-"));
    try {
      server.reply = () => "hang";
      const exit = await runChild([server.url, "50", JSON.stringify({ exitFlushTimeoutMs: 300, spillDirectory: directory })]);
      expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 0, signal: null });
      expect(exit.exitedAt - exit.workDoneAt).toBeLessThan(2000);
      expect(exit.droppedIds).toEqual([]);
      expect(exit.stats.dropped).toEqual(NO_DROPS);
      const files = (await readdir(directory)).filter((f) => f.endsWith(".tracewire-batch.json"));
      const records = (await Promise.all(files.map(async (f) => (JSON.parse(await readFile(join(directory, f), "utf8")) as { runs: { id: string }[] }).runs))).flat();
      expect(records).toHaveLength(exit.stats.spilledRuns);
      expect(new Set(records.map((r) => r.id)).size).toBe(50);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
