import { randomUUID } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { finished } from "node:stream/promises";
import { constants } from "node:buffer";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RunStore } from "../../src/collector/run-store.js";

let dir: string;
let store: RunStore | undefined;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "tracewire-large-log-"));
});
afterEach(async () => {
  await store?.close();
  store = undefined;
  await rm(dir, { recursive: true, force: true });
});

/** Writes a log in the store's format: `big` runs with a 1 MiB input each, then `small` small runs. */
async function writeLog(path: string, big: number, small: number): Promise<string[]> {
  const out = createWriteStream(path);
  const payload = "x".repeat(1024 * 1024);
  const ids: string[] = [];
  const write = async (text: string): Promise<void> => {
    if (!out.write(text)) await new Promise<void>((resolve) => out.once("drain", () => resolve()));
  };
  for (let i = 0; i < big + small; i++) {
    const id = randomUUID();
    ids.push(id);
    const head = `{"op":"post","run":{"id":"${id}","trace_id":"${id}","name":"run-${i}","start_time":"2026-01-01T00:00:00.000Z","inputs":{"text":"`;
    await write(head);
    if (i < big) await write(payload);
    await write(`"}}}\n`);
  }
  out.end();
  await finished(out);
  return ids;
}

describe("a large run log", () => {
  it("[12.16] a log over V8's string limit opens with all its runs (read in chunks, not as one string)", async () => {
    const big = Math.ceil(constants.MAX_STRING_LENGTH / (1024 * 1024)) + 8;
    const ids = await writeLog(join(dir, "runs.jsonl"), big, 2000);
    expect((await stat(join(dir, "runs.jsonl"))).size).toBeGreaterThan(constants.MAX_STRING_LENGTH);
    store = await RunStore.open(dir);
    expect(store.size).toBe(ids.length);
    expect(store.opened).toMatchObject({ entries: ids.length, setAside: 0 });
    const [first] = (await store.trace(ids[0] as string)) ?? [];
    expect(String((first?.inputs as { text?: string } | undefined)?.text).length).toBe(1024 * 1024);
    expect((await store.trace(ids.at(-1) as string))?.[0]).toMatchObject({ name: `run-${ids.length - 1}` });
  });
});
