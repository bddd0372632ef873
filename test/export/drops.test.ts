/**
 * Drops are never silent, and a batch the backend finds too big is split rather than dropped
 * (issue 12.5, 12.6). A real loopback server answers as each test scripts; warnings are read
 * from a child process's real stderr, or through the `onWarning` hook.
 */
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type ChildExit, runProcess } from "../helpers/child-process.js";
import type { DropWarning } from "../../src/config/options.js";
import { Client } from "../../src/export/client.js";
import { type CaptureServer, startCaptureServer } from "../helpers/capture-server.js";
import { NO_DROPS, postEnded } from "../helpers/runs.js";
import { waitFor } from "../helpers/wait.js";

const CHILD = fileURLToPath(new URL("../fixtures/drop-warnings-child.ts", import.meta.url));
const KEY = "lsv2_pt_0123456789abcdef0123456789abcdef";

let server: CaptureServer;
beforeEach(async () => {
  server = await startCaptureServer();
});
afterEach(async () => {
  await server.close();
});

/** Sends on flush only, retries fast. */
const FAST = { retryBaseDelayMs: 1, retryMaxDelayMs: 5, flushDelayMs: 60_000 } as const;

const runChild = (env: Record<string, string> = {}, args: string[] = []): Promise<ChildExit> =>
  runProcess(process.execPath, ["--import", "tsx", CHILD, server.url, KEY, ...args], { env: { ...process.env, ...env } });

describe("drop warnings", () => {
  it("[12.5] a wrong API key (401) prints one warning on stderr: the count, the status and the server's message, never the key; TRACEWIRE_WARNINGS=false silences it", async () => {
    server.reply = () => ({ status: 401, body: JSON.stringify({ detail: `Invalid API key ${KEY}` }) });
    const { code, stdout, stderr } = await runChild();
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/"rejected":12/);
    // Twelve runs refused in two batches within the minute: a line for the first batch at once,
    // and one for the rest when the process exits (before the minute is over).
    const lines = stderr.split("\n").filter((line) => line !== "");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\[tracewire\] dropped 7 runs \(rejected\): .*HTTP 401.*Invalid API key \[redacted\]/);
    expect(lines[0]).toMatch(/warnings: false/);
    expect(lines[1]).toMatch(/^\[tracewire\] dropped 5 runs since the last warning \(rejected\): .*HTTP 401/);
    expect(stderr).not.toContain(KEY);
    expect(stderr).not.toContain(KEY.slice(8, 24));

    const silenced = await runChild({ TRACEWIRE_WARNINGS: "false" });
    expect(silenced.code, silenced.stderr).toBe(0);
    expect(silenced.stdout).toMatch(/"rejected":12/);
    expect(silenced.stderr).toBe("");
  });

  it("[12.5] a process that exits within the interval still says how many runs it dropped in all", async () => {
    server.reply = () => "hang";
    const options = { maxQueueBytes: 64 * 1024, maxInFlightBatches: 1, exitFlushTimeoutMs: 0 };
    const { code, stdout, stderr } = await runChild({}, ["burst", JSON.stringify(options)]);
    expect(code, stderr).toBe(0);
    const stats = JSON.parse(/^stats (.*)$/m.exec(stdout)?.[1] ?? "{}") as { dropped: { queue_full: number } };
    expect(stats.dropped.queue_full).toBeGreaterThan(1_000);
    const said = [...stderr.matchAll(/^\[tracewire\] dropped (\d+) runs?( since the last warning)? \(queue_full\)/gm)];
    // The first drop at once, and the rest at exit: not "dropped 1 run" as the last word.
    expect(said.map((m) => Number(m[1]))).toEqual([1, stats.dropped.queue_full - 1]);
    expect(said[1]?.[2]).toBe(" since the last warning");
  });

  it("[12.5] `warnings: false` silences them, `onWarning` receives them instead of stderr", async () => {
    server.reply = () => ({ status: 403 });
    const silenced: DropWarning[] = [];
    const quiet = new Client({ apiUrl: server.url, ...FAST, warnings: false, onWarning: (w) => silenced.push(w) });
    await postEnded(quiet, 3);
    await quiet.flush();
    expect(quiet.stats().dropped.rejected).toBe(3);
    expect(silenced).toEqual([]);
    await quiet.shutdown();

    const heard: DropWarning[] = [];
    const hooked = new Client({ apiUrl: server.url, ...FAST, onWarning: (w) => heard.push(w) });
    await postEnded(hooked, 3);
    await hooked.flush();
    expect(heard).toEqual([expect.objectContaining({ reason: "rejected", runs: 3, status: 403 })]);
    await hooked.shutdown();
  });

  it("[12.5] one warning per reason per interval, the next one counting every run dropped since", async () => {
    server.reply = () => "hang";
    const heard: DropWarning[] = [];
    const client = new Client({
      apiUrl: server.url,
      ...FAST,
      maxQueueBytes: 64 * 1024,
      maxInFlightBatches: 1,
      warningIntervalMs: 100,
      onWarning: (w) => heard.push(w),
    });
    // All in one task: no timer can fire between these runs.
    await postEnded(client, 500, (i) => ({ pad: "x".repeat(1024), i }));
    const dropped = client.stats().dropped.queue_full;
    expect(dropped).toBeGreaterThan(100);
    expect(heard).toEqual([expect.objectContaining({ reason: "queue_full", runs: 1 })]);
    await waitFor(() => heard.length === 2, { timeoutMs: 5000, what: "the summary after the interval" });
    expect(heard[1]).toMatchObject({ reason: "queue_full", runs: dropped - 1 });
    expect(heard[1]?.message).toMatch(new RegExp(`^\\[tracewire\\] dropped ${dropped - 1} runs since the last warning \\(queue_full\\)`));
    expect(heard.reduce((sum, w) => sum + w.runs, 0)).toBe(dropped);
    server.reply = () => ({ status: 202 });
    server.release();
    await client.shutdown();
  });

  it("[12.5] the backend's message is cut to a few hundred characters, a key echoed across the cut redacted too", async () => {
    // The key straddles the 300-character cut: no part of it may survive.
    const body = `${"e".repeat(290)}${KEY}${"f".repeat(100_000)}`;
    server.reply = () => ({ status: 401, body });
    const heard: DropWarning[] = [];
    const client = new Client({ apiUrl: server.url, apiKey: KEY, ...FAST, onWarning: (w) => heard.push(w) });
    await postEnded(client, 1);
    await client.flush();
    expect(heard).toHaveLength(1);
    const detail = heard[0]?.detail ?? "";
    expect(detail.length).toBeLessThanOrEqual(301);
    expect(detail.startsWith("e".repeat(290))).toBe(true);
    expect(detail).not.toContain(KEY.slice(0, 6));
    expect(heard[0]?.message.length).toBeLessThan(700);
    await client.shutdown();
  });

  it("[12.5] retries exhausted: the warning says what kept failing", async () => {
    server.reply = () => ({ status: 503 });
    const heard: DropWarning[] = [];
    const client = new Client({ apiUrl: server.url, ...FAST, retryDeadlineMs: 0, onWarning: (w) => heard.push(w) });
    await postEnded(client, 4);
    await client.flush();
    expect(heard).toEqual([expect.objectContaining({ reason: "retries_exhausted", runs: 4, detail: "HTTP 503" })]);
    await client.shutdown();
  });
});

describe("413: the batch is split, not dropped", () => {
  /** A backend that refuses bodies over `limit` bytes with 413. */
  function bodyLimit(limit: number): void {
    server.reply = (req) => (req.bodyBytes > limit ? { status: 413, body: "Request Entity Too Large" } : { status: 202 });
  }

  it("[12.6] a 413 splits the batch and resends the halves until the backend takes them: every run delivered", async () => {
    bodyLimit(8 * 1024);
    const client = new Client({ apiUrl: server.url, ...FAST, warnings: false });
    const ids = await postEnded(client, 40, (i) => ({ pad: "p".repeat(700), i }));
    await client.flush();
    expect(client.stats().dropped).toEqual(NO_DROPS);
    expect([...server.runs.keys()].sort()).toEqual([...ids].sort());
    expect(server.requests.filter((r) => r.bodyBytes > 8 * 1024).length).toBeGreaterThan(0);
    await client.shutdown();
  });

  it("[12.6] a run the backend refuses even alone is `too_large`; the rest of its batch is delivered", async () => {
    bodyLimit(16 * 1024);
    const heard: DropWarning[] = [];
    const dropped: string[] = [];
    const client = new Client({
      apiUrl: server.url,
      ...FAST,
      onWarning: (w) => heard.push(w),
      onDrop: (_reason, runs) => dropped.push(...runs.map((r) => r.id)),
    });
    const before = await postEnded(client, 9);
    const [huge] = await postEnded(client, 1, () => ({ blob: "z".repeat(32 * 1024) }));
    const after = await postEnded(client, 9);
    await client.flush();
    expect(client.stats().dropped).toEqual({ ...NO_DROPS, too_large: 1 });
    expect(dropped).toEqual([huge]);
    expect([...server.runs.keys()].sort()).toEqual([...before, ...after].sort());
    expect(heard).toEqual([expect.objectContaining({ reason: "too_large", runs: 1, status: 413 })]);
    await client.shutdown();
  });

  it("507 (a collector whose disk is full) is retried, not dropped", async () => {
    server.reply = (_req, index) => (index < 2 ? { status: 507 } : { status: 202 });
    const client = new Client({ apiUrl: server.url, ...FAST });
    const ids = await postEnded(client, 5);
    await client.flush();
    expect(client.stats()).toMatchObject({ retries: 2, sentRuns: 5, dropped: NO_DROPS });
    expect([...server.runs.keys()].sort()).toEqual([...ids].sort());
    await client.shutdown();
  });
});
