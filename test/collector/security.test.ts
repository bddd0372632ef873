/**
 * Issue 12.15: the dev collector is reachable from any web page the developer opens (a cross-site
 * "simple" request needs no CORS preflight) and, through DNS rebinding, readable under the
 * attacker's host name. Requests here carry exactly the headers a browser or a rebinding page
 * sends; SDKs send no Origin and no Sec-Fetch-Site, and must still get through.
 */
import { appendFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Collector, startCollector } from "../../src/collector/server.js";
import { formatTraceTree } from "../../src/collector/tree-text.js";
import { RunTree } from "../../src/run-tree/run-tree.js";
import { rawRequest } from "../helpers/raw-request.js";

let dir: string;
let collector: Collector | undefined;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "tracewire-collector-security-"));
});
afterEach(async () => {
  await collector?.close();
  collector = undefined;
  await rm(dir, { recursive: true, force: true });
});

const portOf = (c: Collector): string => new URL(c.url).port;
const runJson = (name: string): string => JSON.stringify(new RunTree({ name }).toJSON());

/** A multipart body as a browser's FormData or the Python SDK writes it. */
function multipart(boundary: string, parts: Record<string, string>, partType = "application/json"): string {
  const lines = Object.entries(parts).map(
    ([name, value]) =>
      `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\nContent-Type: ${partType}; length=${Buffer.byteLength(value)}\r\n\r\n${value}\r\n`,
  );
  return `${lines.join("")}--${boundary}--\r\n`;
}

describe("tracewire dev collector: who may talk to it", () => {
  it("[12.15] a request whose Host is not the collector's own is refused (DNS rebinding), loopback names are served", async () => {
    collector = await startCollector({ port: 0, dataDir: dir, allowedHosts: ["devbox.internal"] });
    const port = portOf(collector);
    for (const host of ["evil.example", `evil.example:${port}`, `127.0.0.1.evil.example:${port}`, "[::1"]) {
      const res = await rawRequest(`${collector.url}/api/traces`, { headers: { host } });
      expect([host, res.status]).toEqual([host, 403]);
      expect(JSON.parse(res.text)).toMatchObject({ error: expect.stringMatching(/Host not allowed/) });
    }
    // A write under a foreign Host is refused too, before its body is read.
    const write = await rawRequest(`${collector.url}/runs`, {
      method: "POST",
      headers: { host: `evil.example:${port}`, "content-type": "application/json" },
      body: runJson("rebound"),
    });
    expect(write.status).toBe(403);
    expect(collector.store.size).toBe(0);
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LocalHost:${port}`, `[::1]:${port}`, `devbox.internal:${port}`]) {
      const res = await rawRequest(`${collector.url}/api/traces`, { headers: { host } });
      expect([host, res.status]).toEqual([host, 200]);
    }
  });

  it("[12.15] cross-site browser writes are refused: a text/plain fetch, a FormData and a plain HTML form", async () => {
    collector = await startCollector({ port: 0, dataDir: dir });
    const host = new URL(collector.url).host;
    const fromEvil = { host, origin: "http://evil.example", "sec-fetch-site": "cross-site", "sec-fetch-mode": "no-cors" };
    const textFetch = await rawRequest(`${collector.url}/runs`, {
      method: "POST",
      headers: { ...fromEvil, "content-type": "text/plain;charset=UTF-8" },
      body: runJson("text-plain"),
    });
    const run = new RunTree({ name: "form-data" });
    const formData = await rawRequest(`${collector.url}/runs/multipart`, {
      method: "POST",
      headers: { ...fromEvil, "content-type": "multipart/form-data; boundary=----WebKitFormBoundaryABC" },
      body: multipart("----WebKitFormBoundaryABC", { [`post.${run.id}`]: JSON.stringify(run.toJSON()) }, "text/plain"),
    });
    const htmlForm = await rawRequest(`${collector.url}/runs/batch`, {
      method: "POST",
      headers: { ...fromEvil, "sec-fetch-mode": "navigate", "content-type": "text/plain" },
      body: `{"post":[${runJson("html-form")}],"x":"=`,
    });
    // Older browsers send no Sec-Fetch-Site, but always Origin on a cross-origin POST; a page on
    // another port of localhost is "same-site", still not the collector's own origin.
    const originOnly = await rawRequest(`${collector.url}/runs/batch`, {
      method: "POST",
      headers: { host, origin: "null", "content-type": "application/json" },
      body: `{"post":[${runJson("sandboxed")}]}`,
    });
    const sameSite = await rawRequest(`${collector.url}/runs/batch`, {
      method: "POST",
      headers: { host, "sec-fetch-site": "same-site", "content-type": "application/json" },
      body: `{"post":[${runJson("other-port")}]}`,
    });
    expect([textFetch.status, formData.status, htmlForm.status, originOnly.status, sameSite.status]).toEqual([403, 403, 403, 403, 403]);
    expect(formData.text).toMatch(/cross-site write refused/);
    expect(originOnly.text).toMatch(/cross-origin write refused/);
    expect(collector.store.size).toBe(0);
  });

  it("[12.15] only ingest content types are accepted, whoever sends them", async () => {
    collector = await startCollector({ port: 0, dataDir: dir });
    const post = (path: string, contentType: string | undefined, body: string) =>
      rawRequest(`${collector?.url}${path}`, { method: "POST", headers: contentType ? { "content-type": contentType } : {}, body });
    const statuses = [
      (await post("/runs", "text/plain;charset=UTF-8", runJson("text"))).status,
      (await post("/runs", undefined, runJson("untyped"))).status,
      (await post("/runs/batch", "application/x-www-form-urlencoded", `{"post":[${runJson("urlencoded")}]}`)).status,
      (await post("/runs/multipart", "application/json", runJson("json-as-multipart"))).status,
      (await post("/runs/multipart", "text/plain", multipart("b", { [`post.${new RunTree({ name: "t" }).id}`]: "{}" }))).status,
    ];
    expect(statuses).toEqual([415, 415, 415, 415, 415]);
    expect(collector.store.size).toBe(0);
  });

  it("what SDKs send still gets in (12.15 must not lock them out): no Origin, their own boundary, gzip; and the viewer's own origin may write", async () => {
    collector = await startCollector({ port: 0, dataDir: dir });
    const host = new URL(collector.url).host;
    const [a, b, c] = [new RunTree({ name: "python-multipart" }), new RunTree({ name: "gzip-batch" }), new RunTree({ name: "same-origin" })];
    // The Python SDK: a random hex boundary, per-part Content-Type with a length parameter.
    const python = await rawRequest(`${collector.url}/runs/multipart`, {
      method: "POST",
      headers: { host, "content-type": "multipart/form-data; boundary=8c2e1f0b9a7d4c3e", "content-encoding": "gzip", "user-agent": "langsmith-py/0.4" },
      body: gzipSync(multipart("8c2e1f0b9a7d4c3e", { [`post.${a.id}`]: JSON.stringify(a.toJSON()), [`post.${a.id}.inputs`]: '{"q":1}' })),
    });
    const batch = await rawRequest(`${collector.url}/runs/batch`, {
      method: "POST",
      headers: { host, "content-type": "application/json; charset=utf-8", "content-encoding": "gzip" },
      body: gzipSync(`{"post":[${JSON.stringify(b.toJSON())}],"patch":[]}`),
    });
    const sameOrigin = await rawRequest(`${collector.url}/runs`, {
      method: "POST",
      headers: { host, origin: collector.url, "sec-fetch-site": "same-origin", "content-type": "application/json" },
      body: JSON.stringify(c.toJSON()),
    });
    expect([python.status, batch.status, sameOrigin.status]).toEqual([202, 202, 202]);
    expect(await collector.store.trace(a.id)).toMatchObject([{ name: "python-multipart", inputs: { q: 1 } }]);
    expect(collector.store.size).toBe(3);
  });

  it("the viewer (same origin) still loads: its page, as a navigation, and its API calls, as same-origin fetches", async () => {
    collector = await startCollector({ port: 0, dataDir: dir });
    const host = new URL(collector.url).host;
    const page = await rawRequest(`${collector.url}/`, { headers: { host, "sec-fetch-site": "none", "sec-fetch-mode": "navigate" } });
    const api = await rawRequest(`${collector.url}/api/traces`, {
      headers: { host, "sec-fetch-site": "same-origin", "sec-fetch-mode": "cors", referer: `${collector.url}/` },
    });
    expect([page.status, api.status]).toEqual([200, 200]);
    expect(page.headers["content-type"]).toBe("text/html; charset=utf-8");
  });

  it("[12.15] a run whose name is not a string is refused at ingest, and one already in the log never makes the API fail, across restarts", async () => {
    collector = await startCollector({ port: 0, dataDir: dir });
    const run = new RunTree({ name: "ok" });
    const odd = { ...run.toJSON(), name: { toString: 1 }, run_type: { valueOf: 1 }, start_time: { toString: 1 }, tags: [{ toString: 1 }] };
    const refused = await rawRequest(`${collector.url}/runs/batch`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ post: [odd] }),
    });
    expect(refused.status).toBe(400);
    await collector.close();
    // As an older collector would have stored it: the line is in the log before this one opens it.
    await appendFile(join(dir, "runs.jsonl"), `${JSON.stringify({ op: "post", run: odd })}\n`);
    const good = new RunTree({ name: "good" });
    for (let start = 0; start < 2; start++) {
      collector = await startCollector({ port: 0, dataDir: dir });
      if (start === 0) {
        const stored = await rawRequest(`${collector.url}/runs`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(good.toJSON()) });
        expect(stored.status).toBe(202);
      }
      const list = await fetch(`${collector.url}/api/traces`);
      expect(list.status).toBe(200);
      expect(((await list.json()) as { traces: Record<string, unknown>[] }).traces).toMatchObject([{ trace_id: good.id, name: "good", run_count: 1 }]);
      expect((await fetch(`${collector.url}/api/traces/${run.id}`)).status).toBe(404);
      const detail = await fetch(`${collector.url}/api/traces/${good.id}`);
      const { runs } = (await detail.json()) as { runs: Parameters<typeof formatTraceTree>[0] };
      expect(formatTraceTree(runs)).toMatch(/^good \(chain, running\)/);
      await collector.close();
      collector = undefined;
    }
  });
});
