/**
 * Spilled batches hold users' inputs and outputs: they are private to the process's user
 * (issue 12.13). Real files, real modes, a real loopback server that keeps failing.
 */
import { chmod, mkdir, mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Client } from "../../src/export/client.js";
import { type CaptureServer, startCaptureServer } from "../helpers/capture-server.js";
import { NO_DROPS, postEnded } from "../helpers/runs.js";

let server: CaptureServer;
let root: string;
let umask: number;

beforeEach(async () => {
  server = await startCaptureServer();
  server.reply = () => ({ status: 503 });
  root = await mkdtemp(join(tmpdir(), "tracewire-spill-modes-"));
  umask = process.umask();
});
afterEach(async () => {
  process.umask(umask);
  await server.close();
  await rm(root, { recursive: true, force: true });
});

/** A client whose batches fail at once and are spilled to `directory`. */
function failingClient(directory: string): Client {
  return new Client({ apiUrl: server.url, retryDeadlineMs: 0, flushDelayMs: 60_000, spillDirectory: directory });
}

async function modeOf(path: string): Promise<number> {
  return (await stat(path)).mode & 0o7777;
}

describe.skipIf(process.platform === "win32")("spill files are private", () => {
  it("[12.13] a new spill directory is 0700 and its files 0600, even under umask 000", async () => {
    process.umask(0);
    const directory = join(root, "a", "spill");
    const client = failingClient(directory);
    await postEnded(client, 3);
    await client.flush();
    expect(client.stats()).toMatchObject({ spilledRuns: 3, dropped: NO_DROPS });
    expect(await modeOf(directory)).toBe(0o700);
    const files = await readdir(directory);
    expect(files).toHaveLength(1);
    for (const file of files) expect(await modeOf(join(directory, file))).toBe(0o600);
    await client.shutdown();
  });

  it("[12.13] an existing directory of ours open to others is tightened to 0700 before anything is written", async () => {
    const directory = join(root, "wide");
    await mkdir(directory);
    await chmod(directory, 0o777);
    const client = failingClient(directory);
    await postEnded(client, 2);
    await client.flush();
    expect(client.stats()).toMatchObject({ spilledRuns: 2, dropped: NO_DROPS });
    expect(await modeOf(directory)).toBe(0o700);
    for (const file of await readdir(directory)) expect(await modeOf(join(directory, file))).toBe(0o600);
    await client.shutdown();
  });

  it("[12.13] a shared (sticky, world-writable) directory is refused: nothing written, the runs counted `retries_exhausted`", async () => {
    const directory = join(root, "shared");
    await mkdir(directory);
    await chmod(directory, 0o1777);
    const client = failingClient(directory);
    await postEnded(client, 2);
    await client.flush();
    expect(client.stats()).toMatchObject({ spilledRuns: 0, dropped: { ...NO_DROPS, retries_exhausted: 2 } });
    expect(await readdir(directory)).toEqual([]);
    expect(await modeOf(directory)).toBe(0o1777);
    await client.shutdown();
  });
});
