/**
 * Issue 12.17: bounded work per request and per connection. Bounds are scaled down through
 * options so each case runs in well under a second (the 600k-part body aside: its size is the
 * point). Also: a full disk is a 507 the exporter retries, not a 400 it drops.
 */
import { connect } from "node:net";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { gzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Collector, startCollector } from "../../src/collector/server.js";
import { Client } from "../../src/export/client.js";
import { RunTree } from "../../src/run-tree/run-tree.js";
import { NO_DROPS } from "../helpers/runs.js";
import { openRequest, rawRequest, responseOf } from "../helpers/raw-request.js";
import { waitFor } from "../helpers/wait.js";

let dir: string;
let collector: Collector | undefined;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "tracewire-collector-limits-"));
});
afterEach(async () => {
  await collector?.close();
  collector = undefined;
  await rm(dir, { recursive: true, force: true });
});

const KiB = 1024;
const GZIP_JSON = { "content-type": "application/json", "content-encoding": "gzip" };
/** A valid /runs/batch body of about `bytes` bytes (padding in an ignored field). */
const batchOfSize = (bytes: number): Buffer => Buffer.from(`{"post":[],"patch":[],"pad":"${"0".repeat(bytes - 40)}"}`);

/** Parts named like feedback (read, counted, not stored), so parsing is all the work there is. */
function tinyParts(count: number, boundary: string): Buffer {
  const part = `--${boundary}\r\nContent-Disposition: form-data; name="feedback.x"\r\n\r\n{}\r\n`;
  return Buffer.from(`${part.repeat(count)}--${boundary}--\r\n`);
}

describe("tracewire dev collector: bounded work", () => {
  it("[12.17] a gzip body that inflates past maxBodyBytes is 413, not 400", async () => {
    collector = await startCollector({ port: 0, dataDir: dir, maxBodyBytes: 64 * KiB });
    const bomb = await rawRequest(`${collector.url}/runs/batch`, { method: "POST", headers: GZIP_JSON, body: gzipSync(batchOfSize(1024 * KiB)) });
    expect(bomb.status).toBe(413);
    expect(bomb.text).toMatch(/once decompressed/);
    // Just under the bound still gets in; a body that is not gzip at all is the client's 400.
    const fits = await rawRequest(`${collector.url}/runs/batch`, { method: "POST", headers: GZIP_JSON, body: gzipSync(batchOfSize(60 * KiB)) });
    const broken = await rawRequest(`${collector.url}/runs/batch`, { method: "POST", headers: GZIP_JSON, body: "not gzip" });
    expect([fits.status, broken.status]).toEqual([202, 400]);
  });

  it("[12.17] concurrent requests' inflated bytes share one in-flight budget: past it a request is 503 with Retry-After", async () => {
    collector = await startCollector({ port: 0, dataDir: dir, maxBodyBytes: 1024 * KiB, maxInflightBytes: 1536 * KiB });
    // The first body is sent but for its last bytes, so it stays in flight holding ~900 KiB.
    const held = gzipSync(batchOfSize(900 * KiB));
    const first = openRequest(`${collector.url}/runs/batch`, { method: "POST", headers: GZIP_JSON });
    const firstResponse = responseOf(first);
    try {
      first.write(held.subarray(0, held.length - 8));
      await waitFor(() => (collector?.inflightBytes ?? 0) >= 800 * KiB, { what: "the first body inflated" });
      const second = await rawRequest(`${collector.url}/runs/batch`, { method: "POST", headers: GZIP_JSON, body: gzipSync(batchOfSize(900 * KiB)) });
      expect(second.status).toBe(503);
      expect(second.headers["retry-after"]).toBe("1");
      first.end(held.subarray(held.length - 8));
      expect((await firstResponse).status).toBe(202);
    } finally {
      first.destroy();
      await firstResponse.catch(() => undefined); // closed by the test on failure
    }
    // Answered, the first gives its bytes back, and the retry gets in.
    expect(collector.inflightBytes).toBe(0);
    const retried = await rawRequest(`${collector.url}/runs/batch`, { method: "POST", headers: GZIP_JSON, body: gzipSync(batchOfSize(900 * KiB)) });
    expect(retried.status).toBe(202);
  });

  it("[12.17] a client that drops its connection mid-body gives its share of the budget back", async () => {
    collector = await startCollector({ port: 0, dataDir: dir, maxBodyBytes: 1024 * KiB });
    const dropped = openRequest(`${collector.url}/runs/batch`, {
      method: "POST",
      headers: { "content-type": "application/json", "content-length": String(1000 * KiB) },
    });
    dropped.on("error", () => undefined); // the test itself resets it
    dropped.write(Buffer.alloc(500 * KiB, 0x20));
    await waitFor(() => (collector?.inflightBytes ?? 0) >= 400 * KiB, { what: "the body half read" });
    dropped.destroy();
    await waitFor(() => collector?.inflightBytes === 0, { what: "the budget given back" });
    // And the collector still answers.
    expect((await rawRequest(`${collector.url}/info`)).status).toBe(200);
  });

  it("[12.17] past maxConnections a new connection is closed at once; open ones keep being served", async () => {
    collector = await startCollector({ port: 0, dataDir: dir, maxConnections: 2 });
    const { hostname, port } = new URL(collector.url);
    const request = `GET /info HTTP/1.1\r\nHost: ${hostname}:${port}\r\n\r\n`;
    /** A keep-alive connection, and the first bytes the server sends on it (or "" if it closes). */
    const open = async () => {
      const socket = connect(Number(port), hostname);
      await once(socket, "connect");
      socket.write(request);
      const first = await Promise.race([once(socket, "data").then(([chunk]) => String(chunk)), once(socket, "close").then(() => "")]);
      return { socket, first };
    };
    const a = await open();
    const b = await open();
    const c = await open();
    try {
      expect(a.first).toMatch(/^HTTP\/1\.1 200/);
      expect(b.first).toMatch(/^HTTP\/1\.1 200/);
      expect(c.first).toBe("");
    } finally {
      for (const { socket } of [a, b, c]) socket.destroy();
    }
  });

  it("[12.17] a body of 600k tiny multipart parts is read without blocking the event loop", async () => {
    collector = await startCollector({ port: 0, dataDir: dir, maxMultipartParts: 1_000_000 });
    const body = tinyParts(600_000, "tiny");
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const res = await rawRequest(`${collector.url}/runs/multipart`, {
      method: "POST",
      headers: { "content-type": "multipart/form-data; boundary=tiny" },
      body,
    });
    delay.disable();
    expect(res.status).toBe(202);
    // Reading it all at once blocked the loop for about 2 s; in steps, no turn takes long.
    expect(delay.max / 1e6).toBeLessThan(500);
  }, 20_000);

  it("[12.17] a multipart body with more than maxMultipartParts parts is 413 and stores nothing", async () => {
    collector = await startCollector({ port: 0, dataDir: dir, maxMultipartParts: 1000 });
    const runs = Array.from({ length: 1001 }, (_, i) => new RunTree({ name: `r${i}` }));
    const boundary = "b0undary";
    const parts = runs.map((run) => `--${boundary}\r\nContent-Disposition: form-data; name="post.${run.id}"\r\n\r\n${JSON.stringify(run.toJSON())}\r\n`);
    const send = (count: number) =>
      rawRequest(`${collector?.url}/runs/multipart`, {
        method: "POST",
        headers: { "content-type": `multipart/form-data; boundary=${boundary}` },
        body: `${parts.slice(0, count).join("")}--${boundary}--\r\n`,
      });
    const tooMany = await send(1001);
    expect(tooMany.status).toBe(413);
    expect(tooMany.text).toMatch(/more than 1000 multipart parts/);
    expect(collector.store.size).toBe(0);
    expect((await send(1000)).status).toBe(202);
    expect(collector.store.size).toBe(1000);
  });
});

describe("tracewire dev collector: a full disk", () => {
  it("a store write failing with ENOSPC or EDQUOT is 507 with a JSON message, and the tracewire Client retries it", async () => {
    collector = await startCollector({ port: 0, dataDir: dir });
    const store = collector.store;
    const append = store.append.bind(store);
    // What the store does on a full disk: its write rejects with the system error's code.
    const failures = ["ENOSPC", "EDQUOT"];
    store.append = async (entries) => {
      const code = failures.shift();
      if (code) throw Object.assign(new Error(`${code}: no space left on device, write`), { code });
      return append(entries);
    };
    const run = new RunTree({ name: "disk-full" });
    const body = JSON.stringify(run.toJSON());
    const res = await rawRequest(`${collector.url}/runs`, { method: "POST", headers: { "content-type": "application/json" }, body });
    expect(res.status).toBe(507);
    expect(res.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(res.text)).toEqual({ error: expect.stringMatching(/disk is full \(ENOSPC\)/) });
    // The exporter treats 507 as retryable: the run arrives once the disk has room again.
    const client = new Client({ apiUrl: collector.url, retryBaseDelayMs: 1, retryMaxDelayMs: 5 });
    const retried = new RunTree({ name: "retried", client });
    await retried.postRun();
    await client.flush();
    await client.shutdown();
    expect(failures).toEqual([]);
    expect(await store.trace(retried.id)).toMatchObject([{ name: "retried" }]);
    expect(client.stats().dropped).toEqual(NO_DROPS);
  });
});
