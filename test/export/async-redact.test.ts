/** An async `hideInputs`: records wait for it in order, and `flush()` waits for them. */
import { afterEach, beforeEach, expect, it } from "vitest";
import { Client } from "../../src/export/client.js";
import { RunTree } from "../../src/run-tree/run-tree.js";
import { type CaptureServer, startCaptureServer } from "../helpers/capture-server.js";

let server: CaptureServer;
beforeEach(async () => {
  server = await startCaptureServer();
});
afterEach(async () => {
  await server.close();
});

it("a patch never overtakes its post, and flush() waits for the redactor", async () => {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const redacted: string[] = [];
  const client = new Client({
    apiUrl: server.url,
    flushDelayMs: 0,
    // The post's inputs are held until the gate opens; the patch's (none) go through at once.
    hideInputs: async (inputs) => {
      await gate;
      redacted.push(String(inputs.q));
      return { q: "[hidden]" };
    },
  });
  const run = new RunTree({ name: "slow", client, inputs: { q: "secret" } });
  void run.postRun();
  run.end({ a: 1 });
  void run.patchRun();
  let flushed = false;
  const flush = client.flush().then(() => {
    flushed = true;
  });
  await new Promise((resolve) => setImmediate(resolve));
  // Nothing may leave (nor the flush end) while the post waits for its redactor.
  expect(server.requests).toHaveLength(0);
  expect(flushed).toBe(false);
  release();
  await flush;
  expect(redacted).toEqual(["secret"]);
  expect(server.runs.get(run.id)).toMatchObject({ inputs: { q: "[hidden]" }, outputs: { a: 1 }, end_time: expect.any(String) });
  // The post went first: the patch merged into it or followed it, never the other way round.
  expect(server.parts[0]?.name).toBe(`post.${run.id}`);
});

it("a redactor that rejects hides everything", async () => {
  const client = new Client({
    apiUrl: server.url,
    hideInputs: () => Promise.reject(new Error("redactor down")),
  });
  const run = new RunTree({ name: "failing", client, inputs: { q: "secret" } });
  await run.postRun();
  await client.flush();
  expect(server.runs.get(run.id)?.inputs).toEqual({});
});
