import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { lineOf } from "../../src/collector/entry-line.js";
import { entriesFromMultipart } from "../../src/collector/ingest.js";
import { RunStore } from "../../src/collector/run-store.js";

const ID = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
const DOTTED = `20260101T000000000000Z${ID}`;

function multipart(parts: [name: string, text: string][]): { body: Buffer; type: string } {
  const body = parts.map(([name, text]) => `--b\r\nContent-Disposition: form-data; name="${name}"\r\nContent-Type: application/json\r\n\r\n${text}\r\n`).join("");
  return { body: Buffer.from(`${body}--b--\r\n`), type: "multipart/form-data; boundary=b" };
}

const run = (extra: string): string => `{"id":"${ID}","trace_id":"${ID}","dotted_order":"${DOTTED}","name":"r","run_type":"chain",${extra}"start_time":"2026-01-01T00:00:00.000Z"}`;

/** Bodies whose parts merge in every way ingest merges them. */
const CASES: Record<string, [string, string][]> = {
  "plain, spaced text": [[`post.${ID}`, run(' "tags": [ "a" ] , ')], [`post.${ID}.inputs`, ' { "q" : 1.50 } ']],
  "a field part before the whole run, which overrides it": [[`post.${ID}.inputs`, '{"q":1}'], [`post.${ID}`, run('"inputs":{"q":2},')]],
  "a field part after the whole run, which overrides it in place": [[`post.${ID}`, run('"inputs":{"q":2},')], [`post.${ID}.inputs`, '{"q":3}'], [`post.${ID}.outputs`, "null"]],
  "a run whose own id differs from its part name's": [[`post.${ID}`, run("").replace(`"id":"${ID}"`, '"id":"other"')]],
  "epoch-millisecond times": [[`post.${ID}`, run('"end_time":1767225600000,')]],
  "escapes and a key the safe parser drops": [[`post.${ID}`, run('"extra":{"\\u005f_proto__":{"x":1},"s":"a\\nb"},')]],
  "a dangerous key spelled plainly": [[`post.${ID}`, run('"extra":{"constructor":{"x":1}},')]],
  "a part that is not JSON, and a pretty-printed one": [[`post.${ID}`, run("")], [`post.${ID}.inputs`, "{nope"], [`post.${ID}.outputs`, '{\n  "a": 1\n}']],
  "an empty whole-run object and a patch": [[`post.${ID}`, run("")], [`patch.${ID}`, "{ }"], [`patch.${ID}.outputs`, '{"done":true}']],
};

describe("log lines from part text", () => {
  for (const [what, parts] of Object.entries(CASES)) {
    it(`re-read, a line is the entry stored, keys in order: ${what}`, async () => {
      const { body, type } = multipart(parts);
      for (const entry of await entriesFromMultipart(body, type, 100)) {
        const line = lineOf(entry);
        expect(line).not.toMatch(/\n/);
        expect(JSON.stringify(JSON.parse(line))).toBe(JSON.stringify(entry));
      }
    });
  }

  it("keeps the text as sent when it can (no second serialisation)", async () => {
    const { body, type } = multipart(CASES["plain, spaced text"] as [string, string][]);
    const [entry] = await entriesFromMultipart(body, type, 100);
    const line = lineOf(entry!);
    expect(line).toContain('{ "q" : 1.50 }');
    expect(line.split('"id":')).toHaveLength(2); // the id once, as the part said it
    expect(Buffer.byteLength(line)).toBeLessThan(Buffer.byteLength(JSON.stringify(entry)) + 16);
  });

  it("a store reopened from such lines serves the same runs", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tracewire-entry-line-"));
    try {
      let store = await RunStore.open(dir);
      for (const parts of Object.values(CASES)) {
        const { body, type } = multipart(parts);
        await store.append((await entriesFromMultipart(body, type, 100)).filter((e) => e.run.id === ID));
      }
      const live = await store.trace(ID);
      await store.close();
      await rm(join(dir, "runs.index"), { force: true }); // replay the log itself
      store = await RunStore.open(dir);
      expect(store.opened.setAside).toBe(0);
      expect(JSON.stringify(await store.trace(ID))).toBe(JSON.stringify(live));
      await store.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
