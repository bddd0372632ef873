/** The exporter bench's collector is the lost-run check: it must count exactly what arrived. */
import { gzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Collector, startCollector } from "../../bench/lib/collector.js";

const id = (n: number) => `0190a1b2-c3d4-7e5f-8a9b-${String(n).padStart(12, "0")}`;

function multipart(parts: [name: string, json: string][]): string {
  const b = "----b";
  return `${parts.map(([name, json]) => `--${b}\r\nContent-Disposition: form-data; name="${name}"\r\nContent-Type: application/json\r\n\r\n${json}\r\n`).join("")}--${b}--\r\n`;
}

async function post(collector: Collector, body: string | Uint8Array<ArrayBuffer>, headers: Record<string, string> = {}): Promise<number> {
  const response = await fetch(`${collector.url}/runs/multipart`, {
    method: "POST",
    headers: { "content-type": "multipart/form-data; boundary=----b", ...headers },
    body,
  });
  await response.arrayBuffer();
  return response.status;
}

let collector: Collector;
beforeEach(async () => {
  collector = await startCollector();
});
afterEach(async () => {
  await collector.close();
});

describe("bench collector", () => {
  it("counts runs and complete runs from main parts; sub-parts only name their run", async () => {
    const body = multipart([
      [`post.${id(1)}`, `{"id":"${id(1)}","end_time":"2026-01-01T00:00:00Z"}`],
      [`post.${id(1)}.inputs`, '{"end_time":"not this one"}'],
      [`post.${id(2)}`, `{"id":"${id(2)}","end_time":null}`],
      [`post.${id(3)}.outputs`, "{}"], // a sub-part whose main part never came
      [`patch.${id(2)}`, `{"id":"${id(2)}","end_time": "2026-01-01T00:00:01Z"}`],
      [`post.${id(4)}`, `{"id":"${id(4)}"}`],
      [`other.${id(5)}`, "{}"],
    ]);
    expect(await post(collector, body)).toBe(202);
    expect(await post(collector, new Uint8Array(gzipSync(multipart([[`post.${id(6)}`, `{"end_time":"x"}`]]))), { "content-encoding": "gzip" })).toBe(202);
    const counts = collector.counts();
    expect(counts.runs).toBe(5); // 1, 2, 3, 4, 6
    expect(counts.completeRuns).toBe(3); // 1, 2 (by its patch), 6
    expect(counts.requests).toBe(2);
    expect(counts.undecodableBodies).toBe(0);
  });

  it("a main part without end_time is not complete even when a later part has one", async () => {
    const body = multipart([
      [`post.${id(7)}`, `{"id":"${id(7)}"}`],
      [`post.${id(7)}.outputs`, '{"x":1}'],
      [`post.${id(8)}`, `{"id":"${id(8)}","end_time":"2026-01-01T00:00:00Z"}`],
    ]);
    await post(collector, body);
    expect(collector.counts()).toMatchObject({ runs: 2, completeRuns: 1 });
  });
});
