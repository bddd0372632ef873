/**
 * The exporter against a real loopback ingest server that misbehaves (SPEC §5 "Failures"): down
 * for a while, rate limiting with Retry-After, 5xx bursts, cut connections, rejections, a server
 * that never recovers, one that never answers. Every test ends with an exact account: each run
 * created was delivered or counted under one drop reason — none lost silently.
 *
 * No sleeps: tests wait on the server's "change" events, on `client.flush()`, or poll
 * `client.stats()` once per event-loop turn. Time is measured only for Retry-After, from the
 * server's own arrival stamps.
 */
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { DropReason, DroppedRun } from "../../src/config/options.js";
import { Client } from "../../src/export/client.js";
import { RunTree } from "../../src/run-tree/run-tree.js";
import { CaptureServer, type Reply, startCaptureServer } from "../helpers/capture-server.js";
import { waitFor } from "../helpers/wait.js";
import { NO_DROPS, postEnded } from "../helpers/runs.js";

let server: CaptureServer;
const cleanups: (() => Promise<unknown>)[] = [];

beforeEach(async () => {
  server = await startCaptureServer();
});
afterEach(async () => {
  await server.close();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Fast retries, and no timer-driven batches unless a test asks: sends happen on count or flush. */
const FAST = { retryBaseDelayMs: 5, retryMaxDelayMs: 20, flushDelayMs: 60_000 } as const;

/** Records every onDrop call. */
function dropLog(): { calls: { reason: DropReason; runs: DroppedRun[] }[]; onDrop: (reason: DropReason, runs: readonly DroppedRun[]) => void; ids: (reason: DropReason) => string[] } {
  const calls: { reason: DropReason; runs: DroppedRun[] }[] = [];
  return {
    calls,
    onDrop: (reason, runs) => calls.push({ reason, runs: [...runs] }),
    ids: (reason) => calls.filter((c) => c.reason === reason).flatMap((c) => c.runs.map((r) => r.id)),
  };
}

/** Runs created and patched separately (the update merges into its create while still queued). */
async function postAndPatch(client: Client, count: number, prefix = "run"): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const run = new RunTree({ name: `${prefix}-${i}`, client, inputs: { i } });
    await run.postRun();
    run.end({ out: i });
    await run.patchRun();
    ids.push(run.id);
  }
  return ids;
}

function endedIds(s: CaptureServer): string[] {
  return [...s.runs.values()].filter((r) => typeof r.end_time === "string").map((r) => r.id);
}

function sorted(ids: Iterable<string>): string[] {
  return [...ids].sort();
}

describe("server down, then back", () => {
  it("holds 200 runs through refused connections and delivers all of them once the server listens", async () => {
    const probe = await startCaptureServer();
    const port = probe.port;
    await probe.close();
    const client = new Client({ apiUrl: `http://127.0.0.1:${port}`, ...FAST, maxBatchRuns: 50 });
    const ids = await postAndPatch(client, 200);
    const flushed = client.flush();
    // Nothing listens: at least one attempt must have failed before the server comes up.
    await waitFor(() => client.stats().retries > 0, { timeoutMs: 10_000, what: "a failed attempt" });
    expect(client.stats().sentRuns).toBe(0);
    const revived = await new CaptureServer().listen(port);
    cleanups.push(() => revived.close());
    await flushed;
    expect(sorted(endedIds(revived))).toEqual(sorted(ids));
    const stats = client.stats();
    expect(stats.dropped).toEqual(NO_DROPS);
    expect(stats.queuedRuns + stats.inFlightRuns).toBe(0);
    for (const run of revived.runs.values()) expect(run).toMatchObject({ outputs: { out: Number(String(run.name).split("-")[1]) } });
    await client.shutdown();
  });
});

describe("Retry-After pauses all sending to the backend", () => {
  it.each([429, 503])("%i with Retry-After: 1 holds every batch, not just the one told, for a second", async (status) => {
    server.reply = (_req, index) => (index === 0 ? { status, headers: { "retry-after": "1" } } : { status: 202 });
    const client = new Client({ apiUrl: server.url, ...FAST, maxInFlightBatches: 4, maxBatchRuns: 10 });
    // The first batch leaves on its own (10 runs = a full batch) and is told to wait.
    const first = await postEnded(client, 10);
    await waitFor(() => client.stats().retries === 1, { timeoutMs: 10_000, what: "the throttled batch to back off" });
    // The client now knows. Four more batches: three take the free send slots at once, one waits
    // for a slot; with the throttled one, four batches are in flight and none may be sent.
    const rest = await postEnded(client, 40);
    const during = client.stats();
    expect(during.inFlightBatches).toBe(4);
    expect(during.inFlightRuns + during.queuedRuns).toBe(50);
    await client.flush();

    const [throttled, ...after] = server.requests;
    expect(throttled).toBeDefined();
    const pausedUntil = (throttled?.at ?? 0) + 1000;
    // Five batches, the throttled one sent twice.
    expect(after).toHaveLength(5);
    for (const request of after) expect(request.at).toBeGreaterThanOrEqual(pausedUntil);
    // ...and sending resumed once the pause was over (generous: well under the 60 s deadline).
    expect(Math.min(...after.map((r) => r.at))).toBeLessThan(pausedUntil + 5_000);
    expect(sorted(endedIds(server))).toEqual(sorted([...first, ...rest]));
    expect(client.stats()).toMatchObject({ retries: 1, sentRuns: 50, dropped: NO_DROPS });
    await client.shutdown();
  });

  it("a 503 without Retry-After is a plain retry: no pause for the other batches", async () => {
    server.reply = (_req, index) => (index === 0 ? { status: 503 } : { status: 202 });
    const client = new Client({ apiUrl: server.url, ...FAST, retryBaseDelayMs: 1, retryMaxDelayMs: 1, maxBatchRuns: 10 });
    const ids = await postEnded(client, 30);
    await client.flush();
    expect(sorted(endedIds(server))).toEqual(sorted(ids));
    expect(client.stats()).toMatchObject({ retries: 1, dropped: NO_DROPS });
    await client.shutdown();
  });
});

describe("transient failures are retried until delivered", () => {
  it("a burst of 500/502/503/504 and cut connections loses nothing", async () => {
    const script: Reply[] = [{ status: 500 }, { status: 502 }, "reset", { status: 503 }, { status: 504 }, "reset", { status: 500 }];
    server.reply = (_req, index) => script[index] ?? { status: 202 };
    const client = new Client({ apiUrl: server.url, ...FAST, maxBatchRuns: 25, maxInFlightBatches: 3 });
    const ids = await postAndPatch(client, 100);
    await client.flush();
    expect(sorted(endedIds(server))).toEqual(sorted(ids));
    const stats = client.stats();
    expect(stats.dropped).toEqual(NO_DROPS);
    // Each failed answer cost exactly one retry, and each retry is one more request.
    expect(stats.retries).toBe(script.length);
    expect(server.requests.length).toBe(stats.requests + script.length);
    await client.shutdown();
  });

  it("the same over the fetch transport (Bun, Deno, edge runtimes)", async () => {
    const script: Reply[] = [{ status: 502 }, "reset", { status: 503, headers: { "retry-after": "0" } }, "reset"];
    server.reply = (_req, index) => script[index] ?? { status: 202 };
    const client = new Client({ apiUrl: server.url, ...FAST, fetch: globalThis.fetch, maxBatchRuns: 20, maxInFlightBatches: 2 });
    const ids = await postAndPatch(client, 60);
    await client.flush();
    expect(sorted(endedIds(server))).toEqual(sorted(ids));
    expect(client.stats()).toMatchObject({ retries: script.length, dropped: NO_DROPS });
    await client.shutdown();
  });

  it.each([408, 425, 429, 500, 599])("%i is retried", async (status) => {
    server.reply = (_req, index) => (index === 0 ? { status } : { status: 202 });
    const drops = dropLog();
    const client = new Client({ apiUrl: server.url, ...FAST, onDrop: drops.onDrop });
    const ids = await postEnded(client, 5);
    await client.flush();
    expect(server.requests).toHaveLength(2);
    expect(sorted(endedIds(server))).toEqual(sorted(ids));
    expect(client.stats()).toMatchObject({ retries: 1, sentRuns: 5, dropped: NO_DROPS });
    expect(drops.calls).toEqual([]);
    await client.shutdown();
  });
});

describe("rejections are final", () => {
  it.each([400, 401, 403, 422])("%i: one request, the batch counted `rejected` and reported, later batches still go", async (status) => {
    server.reply = (_req, index) => (index === 0 ? { status, body: "{\"detail\":\"no\"}" } : { status: 202 });
    const drops = dropLog();
    const client = new Client({ apiUrl: server.url, ...FAST, onDrop: drops.onDrop });
    const rejected = await postEnded(client, 7);
    await client.flush();
    expect(server.requests).toHaveLength(1);
    expect(client.stats()).toMatchObject({ retries: 0, sentRuns: 0, dropped: { ...NO_DROPS, rejected: 7 } });
    expect(drops.calls.map((c) => c.reason)).toEqual(["rejected"]);
    expect(sorted(drops.ids("rejected"))).toEqual(sorted(rejected));
    expect(drops.calls[0]?.runs.every((r) => r.traceId === r.id)).toBe(true);

    const accepted = await postEnded(client, 3);
    await client.flush();
    expect(server.requests).toHaveLength(2);
    expect(sorted(endedIds(server))).toEqual(sorted(accepted));
    expect(client.stats().dropped.rejected).toBe(7);
    await client.shutdown();
  });
});

describe("retries exhausted", () => {
  it("a server that stays 503 past the deadline: runs counted `retries_exhausted` and reported", async () => {
    server.reply = () => ({ status: 503 });
    const drops = dropLog();
    const client = new Client({ apiUrl: server.url, ...FAST, retryDeadlineMs: 300, maxBatchRuns: 10, onDrop: drops.onDrop });
    const ids = await postEnded(client, 25);
    await client.flush();
    expect(server.requests.length).toBeGreaterThan(3);
    expect(server.runs.size).toBe(0);
    const stats = client.stats();
    expect(stats.dropped).toEqual({ ...NO_DROPS, retries_exhausted: 25 });
    expect(stats).toMatchObject({ sentRuns: 0, spilledRuns: 0, queuedRuns: 0, inFlightRuns: 0 });
    expect(sorted(drops.ids("retries_exhausted"))).toEqual(sorted(ids));
    expect(drops.calls.map((c) => c.runs.length).sort()).toEqual([10, 10, 5].sort());
    await client.shutdown();
  });

  it("with spillDirectory the batches go to disk instead, and replaySpilled() delivers them once the server recovers", async () => {
    const directory = await mkdtemp(join(tmpdir(), "tracewire-spill-"));
    cleanups.push(() => rm(directory, { recursive: true, force: true }));
    server.reply = () => ({ status: 503 });
    const drops = dropLog();
    const client = new Client({
      apiUrl: server.url,
      apiKey: "sk-secret-key-123",
      ...FAST,
      retryDeadlineMs: 300,
      maxBatchRuns: 10,
      spillDirectory: directory,
      onDrop: drops.onDrop,
    });
    const ids = await postAndPatch(client, 25);
    await client.flush();
    // Records, not runs: an update that missed its create's batch is a record of its own.
    const spilled = client.stats().spilledRuns;
    expect(spilled).toBeGreaterThanOrEqual(25);
    expect(client.stats()).toMatchObject({ sentRuns: 0, queuedRuns: 0, inFlightRuns: 0, dropped: NO_DROPS });
    expect(drops.calls).toEqual([]);
    const files = (await readdir(directory)).filter((f) => f.endsWith(".tracewire-batch.json"));
    expect(files.length).toBe(3);
    expect(await readdir(directory)).toEqual(files); // no temporary files left behind
    for (const file of files) expect(await readFile(join(directory, file), "utf8")).not.toContain("sk-secret-key-123");
    expect(server.runs.size).toBe(0);

    // Replaying while the server still fails loses nothing: each batch is spilled again.
    const stillDown = await client.replaySpilled();
    expect(stillDown).toEqual({ replayedRuns: 0, failedBatches: files.length });
    expect((await readdir(directory)).filter((f) => f.endsWith(".tracewire-batch.json"))).toHaveLength(files.length);
    expect(client.stats()).toMatchObject({ spilledRuns: 2 * spilled, dropped: NO_DROPS });

    server.reply = () => ({ status: 202 });
    expect(await client.replaySpilled()).toEqual({ replayedRuns: spilled, failedBatches: 0 });
    expect(sorted(endedIds(server))).toEqual(sorted(ids));
    for (const run of server.runs.values()) expect(run).toMatchObject({ outputs: { out: Number(String(run.name).split("-")[1]) } });
    expect(await readdir(directory)).toEqual([]);
    expect(client.stats().dropped).toEqual(NO_DROPS);
    await client.shutdown();
  });
});

describe("bounded memory", () => {
  it("maxQueueBytes bounds queued + in-flight bytes while the server hangs; the excess is counted `queue_full`", async () => {
    const cap = 200 * 1024;
    server.reply = () => "hang";
    const drops = dropLog();
    const client = new Client({ apiUrl: server.url, ...FAST, maxQueueBytes: cap, maxBatchRuns: 20, maxInFlightBatches: 2, onDrop: drops.onDrop });
    const created = 600;
    const ids: string[] = [];
    for (let i = 0; i < created; i++) {
      ids.push(...(await postEnded(client, 1, () => ({ pad: "x".repeat(1024), i }))));
      const s = client.stats();
      expect(s.queuedBytes + s.inFlightBytes).toBeLessThanOrEqual(cap);
      expect(s.queuedRuns + s.inFlightRuns + s.dropped.queue_full).toBe(i + 1);
    }
    const full = client.stats();
    // The cap was reached (it is not a vacuous bound) and everything past it was refused. A body's
    // buffer is counted whole and grows in steps (its first buffer is at most an eighth of the
    // cap): the cap is reached to within a step.
    expect(full.dropped.queue_full).toBeGreaterThan(created / 2);
    expect(full.queuedBytes + full.inFlightBytes).toBeGreaterThan(cap - cap / 8);
    expect(full.dropped).toEqual({ ...NO_DROPS, queue_full: full.dropped.queue_full });
    expect(drops.ids("queue_full")).toHaveLength(full.dropped.queue_full);
    // The refused runs are the newest ones: FIFO, nothing already accepted was evicted.
    expect(drops.ids("queue_full")).toEqual(ids.slice(created - full.dropped.queue_full));

    // Two batches are held by the server (the second no larger than the room left for its body);
    // the rest wait in memory.
    await server.until(() => server.requests.length === 2, "two hanging requests");
    expect(full.inFlightBatches).toBe(2);
    const flushed = client.flush();
    server.reply = () => ({ status: 202 });
    server.release();
    await flushed;
    const after = client.stats();
    expect(after.sentRuns + after.dropped.queue_full).toBe(created);
    expect(after).toMatchObject({ queuedRuns: 0, queuedBytes: 0, inFlightRuns: 0, inFlightBytes: 0 });
    // The held requests were acknowledged without being stored; everything after them was stored.
    const accepted = ids.slice(0, created - full.dropped.queue_full);
    expect(full.inFlightRuns).toBeGreaterThan(20);
    expect(sorted(endedIds(server))).toEqual(sorted(accepted.slice(full.inFlightRuns)));
    await client.shutdown();
  });

  it("a single run larger than maxBatchBytes is dropped `too_large`; its neighbours are sent", async () => {
    const drops = dropLog();
    const client = new Client({ apiUrl: server.url, ...FAST, maxBatchBytes: 16 * 1024, onDrop: drops.onDrop });
    const [before] = await postEnded(client, 1);
    const [huge] = await postEnded(client, 1, () => ({ blob: "z".repeat(64 * 1024) }));
    const [after] = await postEnded(client, 1);
    await client.flush();
    expect(client.stats().dropped).toEqual({ ...NO_DROPS, too_large: 1 });
    expect(drops.calls).toEqual([{ reason: "too_large", runs: [{ id: huge, traceId: huge }] }]);
    expect(sorted(endedIds(server))).toEqual(sorted([before as string, after as string]));
    expect(server.runs.has(huge as string)).toBe(false);
    await client.shutdown();
  });
});
