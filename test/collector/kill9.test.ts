import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RunStore } from "../../src/collector/run-store.js";
import { type CollectorProcess, spawnCollector } from "../helpers/collector-process.js";

const ROUNDS = 10;
const WORKERS = 6;
const RUNS_PER_BATCH = 20;
/** Batches acknowledged in a round before the kill: the rest are in flight when it lands. */
const ACKS_BEFORE_KILL = 25;

let dir: string;
let running: CollectorProcess | undefined;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "tracewire-kill9-"));
});
afterEach(async () => {
  running?.child.kill("SIGKILL");
  await running?.exited;
  running = undefined;
  await rm(dir, { recursive: true, force: true });
});

function batch(): { ids: string[]; body: string } {
  const post = Array.from({ length: RUNS_PER_BATCH }, () => {
    const id = randomUUID();
    return { id, trace_id: id, name: "load", run_type: "chain", start_time: new Date().toISOString(), inputs: { text: "x".repeat(200) } };
  });
  return { ids: post.map((r) => r.id), body: JSON.stringify({ post, patch: [] }) };
}

/** Posts batches until the collector stops answering; every id of a 2xx batch goes into `acked`. */
async function ingest(url: string, acked: Set<string>, onAck: () => void): Promise<void> {
  for (;;) {
    const { ids, body } = batch();
    let status: number;
    try {
      const res = await fetch(`${url}/runs/batch`, { method: "POST", body, headers: { "content-type": "application/json" } });
      status = res.status;
      await res.arrayBuffer();
    } catch {
      return; // Killed: this batch was never acknowledged.
    }
    expect(status).toBe(202);
    for (const id of ids) acked.add(id);
    onAck();
  }
}

describe("dev collector under kill -9", () => {
  it(`[12.16] kill -9 during heavy ingest, ${ROUNDS} rounds: every run acknowledged with 2xx is there after restart`, async () => {
    const acked = new Set<string>();
    for (let round = 0; round < ROUNDS; round++) {
      // Each start after the first takes over the lock the killed process left behind.
      const collector = (running = await spawnCollector(dir));
      expect(collector.runs).toBeGreaterThanOrEqual(acked.size);
      let acks = 0;
      const workers = Array.from({ length: WORKERS }, () =>
        ingest(collector.url, acked, () => {
          if (++acks === ACKS_BEFORE_KILL) collector.child.kill("SIGKILL");
        }),
      );
      await Promise.all(workers);
      expect(await collector.exited).toBe("SIGKILL");
      running = undefined;
    }
    expect(acked.size).toBeGreaterThanOrEqual(ROUNDS * ACKS_BEFORE_KILL * RUNS_PER_BATCH);
    const store = await RunStore.open(dir);
    try {
      const missing: string[] = [];
      for (const id of acked) if (!(await store.trace(id))) missing.push(id);
      expect(missing).toEqual([]);
      // Spot check: a run reads back whole, from the log.
      const [first] = acked;
      expect((await store.trace(first as string))?.[0]).toMatchObject({ id: first, name: "load" });
    } finally {
      await store.close();
    }
  });
});
