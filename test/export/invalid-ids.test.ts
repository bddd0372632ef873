/**
 * Run ids that are not UUIDs. LangSmith requires UUIDs, and a run's id is written into its
 * multipart part names (`name="post.<id>"`): a quote or a line break in one would corrupt the
 * body for every run of its batch (langsmith 0.12 sends such a create as it is, and its batch is
 * lost; its `updateRun` throws "Invalid UUID"). tracewire drops the run alone, counts it
 * `invalid_id`, says so once on stderr, and sends the rest of the batch intact. Real HTTP to a
 * loopback backend that keeps bodies as sent, read by two multipart parsers that must agree.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { DropReason, DropWarning } from "../../src/config/options.js";
import { Client } from "../../src/export/client.js";
import { RunTree } from "../../src/run-tree/run-tree.js";
import { type RawBackend, type WirePart, readParts, startRawBackend } from "../helpers/multipart-backend.js";
import { NO_DROPS } from "../helpers/runs.js";

let backend: RawBackend;
beforeEach(async () => {
  backend = await startRawBackend();
});
afterEach(async () => {
  vi.restoreAllMocks();
  await backend.close();
});

/** Sends on flush only: every run of a test goes in one batch. */
const ONE_BATCH = { apiKey: "test", flushDelayMs: 60_000 } as const;

function recorder(): { drops: { reason: DropReason; ids: string[] }[]; heard: DropWarning[]; options: Record<string, unknown> } {
  const drops: { reason: DropReason; ids: string[] }[] = [];
  const heard: DropWarning[] = [];
  return {
    drops,
    heard,
    options: { onDrop: (reason: DropReason, runs: readonly { id: string }[]) => drops.push({ reason, ids: runs.map((r) => r.id) }), onWarning: (w: DropWarning) => heard.push(w) },
  };
}

/** A run posted, ended and patched, as `traceable` does it; its create waits for its end. */
async function traced(client: Client, config: Record<string, unknown>, parent?: RunTree): Promise<RunTree> {
  const run = parent ? parent.createChild({ inputs: { q: "¿qué?" }, ...config } as never) : new RunTree({ client, inputs: { q: "¿qué?" }, ...config } as never);
  await run.postRun();
  return run;
}

async function end(run: RunTree, outputs: Record<string, unknown>): Promise<void> {
  run.end(outputs);
  await run.patchRun();
}

/** All parts the backend received, each body read by both parsers (which throw on a corrupt body). */
async function receivedParts(): Promise<WirePart[]> {
  expect(backend.received.map((r) => `${r.method} ${r.path}`)).toEqual(backend.received.map(() => "POST /runs/multipart"));
  return (await Promise.all(backend.received.map(readParts))).flat();
}

describe("run ids that are not UUIDs", () => {
  it("a quote or a line break in a run id costs that run only: dropped `invalid_id`, the rest of its batch arrives intact", async () => {
    const { drops, heard, options } = recorder();
    const client = new Client({ apiUrl: backend.url, ...ONE_BATCH, ...options });
    const before = await traced(client, { name: "before" });
    const quote = await traced(client, { name: "quote", id: 'a"b' });
    const crlf = await traced(client, { name: "crlf", id: 'x"\r\nContent-Type: text/plain\r\n\r\nevil' });
    const child = await traced(client, { name: "child" }, before);
    // Upper-case hex is a UUID (langsmith's check and the backend take it): sent.
    const upper = await traced(client, { name: "upper", id: "0195A1B2-C3D4-7E5F-8A9B-0C1D2E3F4A5B" });
    for (const run of [crlf, child, quote, upper, before]) await end(run, { name: run.name, text: "ünïcode ✓" });
    await client.flush();

    // One request, whole: both parsers read it, and it holds exactly the valid runs' parts.
    expect(backend.received).toHaveLength(1);
    const parts = await receivedParts();
    const sent = [before, child, upper];
    expect(parts.map((p) => p.name).sort()).toEqual(sent.flatMap((r) => ["", ".inputs", ".outputs"].map((f) => `post.${r.id}${f}`)).sort());
    for (const part of parts) expect(part.contentType).toBe(`application/json; length=${part.bytes}`);
    for (const run of sent) {
      expect(parts.find((p) => p.name === `post.${run.id}`)?.json).toMatchObject({ id: run.id, name: run.name, trace_id: run.trace_id, dotted_order: run.dotted_order, end_time: run.end_time });
      expect(parts.find((p) => p.name === `post.${run.id}.outputs`)?.json).toEqual({ name: run.name, text: "ünïcode ✓" });
    }

    // Each bad run counted once (its update went with its dropped create), reported, warned once.
    expect(client.stats()).toMatchObject({ sentRuns: 3, dropped: { ...NO_DROPS, invalid_id: 2 } });
    expect(drops).toEqual([
      { reason: "invalid_id", ids: [quote.id] },
      { reason: "invalid_id", ids: [crlf.id] },
    ]);
    // The first drop is said at once; the second waits for the interval (one line a minute at most).
    expect(heard).toHaveLength(1);
    expect(heard[0]).toMatchObject({ reason: "invalid_id", runs: 1, detail: 'id "a\\"b" is not a UUID' });
    expect(heard[0]?.message).toMatch(/^\[tracewire\] dropped 1 run \(invalid_id\): a run's id, trace_id or parent_run_id is not a UUID/);
    await client.shutdown();
  });

  it("a non-UUID trace_id or parent_run_id drops the run too (a bad root takes its whole trace); nothing throws", async () => {
    const { drops, options } = recorder();
    const client = new Client({ apiUrl: backend.url, ...ONE_BATCH, ...options, warnings: false });
    const good = await traced(client, { name: "good" });
    const badTrace = await traced(client, { name: "bad-trace", trace_id: "not-a-uuid" });
    const badParent = await traced(client, { name: "bad-parent", parent_run_id: "p\n1", trace_id: good.id });
    const badRoot = await traced(client, { name: "bad-root", id: "root-1" });
    // Its child has a UUID of its own, but its trace and parent are the bad root.
    const orphan = await traced(client, { name: "orphan" }, badRoot);
    // The Client's own API, called directly: resolves, never throws.
    await expect(
      client.createRun({ id: "c 1", name: "direct", run_type: "chain", start_time: good.start_time, trace_id: "c 1", dotted_order: "x", session_name: "p", inputs: {}, extra: {}, tags: [], events: [] }),
    ).resolves.toBeUndefined();
    await expect(client.updateRun("c 1", { id: "c 1", trace_id: "c 1", dotted_order: "x", session_name: "p", end_time: good.start_time, extra: {}, tags: [], events: [] })).resolves.toBeUndefined();
    for (const run of [orphan, badRoot, badParent, badTrace, good]) await end(run, { ok: true });
    await client.flush();

    expect((await receivedParts()).map((p) => p.name)).toEqual([`post.${good.id}`, `post.${good.id}.inputs`, `post.${good.id}.outputs`]);
    expect(client.stats().dropped).toEqual({ ...NO_DROPS, invalid_id: 5 });
    expect(drops.flatMap((d) => d.ids).sort()).toEqual([badTrace.id, badParent.id, badRoot.id, orphan.id, "c 1"].sort());
    await client.shutdown();
  });

  it("an update that comes after a flush, its create long dropped, is not counted a second time", async () => {
    const { options } = recorder();
    const client = new Client({ apiUrl: backend.url, ...ONE_BATCH, ...options, warnings: false });
    const good = await traced(client, { name: "good" });
    const bad = await traced(client, { name: "bad", id: "bad\r\nid" });
    await client.flush();
    await end(bad, { late: true });
    await end(good, { late: true });
    await client.flush();
    const parts = await receivedParts();
    expect(parts.map((p) => p.name)).toEqual([`post.${good.id}`, `post.${good.id}.inputs`, `patch.${good.id}`, `patch.${good.id}.outputs`]);
    expect(client.stats().dropped).toEqual({ ...NO_DROPS, invalid_id: 1 });
    await client.shutdown();
  });

  it("is said on stderr, once, naming the id with its quotes and line breaks escaped", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const client = new Client({ apiUrl: backend.url, ...ONE_BATCH });
    const bad = await traced(client, { name: "bad", id: 'say "hi"\nthere' });
    await end(bad, {});
    await client.flush();
    expect(warn).toHaveBeenCalledTimes(1);
    const line = String(warn.mock.calls[0]?.[0]);
    expect(line).toMatch(/^\[tracewire\] dropped 1 run \(invalid_id\): .*: id "say \\"hi\\"\\nthere" is not a UUID\. Counted in client\.stats\(\)\.dropped/);
    expect(line).not.toContain("\n");
    expect(backend.received).toHaveLength(0);
    await client.shutdown();
  });
});
