/**
 * The trace page in a real browser against the real collector as it is (Debian's Chromium driven
 * by playwright-core; see test/helpers/chromium.ts). The page's other behaviour is tested against
 * the API contract's fake in viewer-list / viewer-trace.browser.test.ts.
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Collector, startCollector } from "../../src/collector/server.js";
import { Client } from "../../src/export/client.js";
import { RunTree } from "../../src/run-tree/run-tree.js";
import { hasChromium, launchChromium, pageProblems, screenshot } from "../helpers/chromium.js";

describe.skipIf(!hasChromium)("trace viewer in Chromium", () => {
  let dir: string;
  let collector: Collector;
  let root: RunTree;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "tracewire-viewer-"));
    collector = await startCollector({ port: 0, dataDir: dir });
    const client = new Client({ apiUrl: collector.url });
    root = new RunTree({ name: "checkout", client, inputs: { cart: 3 }, project_name: "shop", metadata: { user: "ada" }, tags: ["web"] });
    await root.postRun();
    const llm = root.createChild({ name: "recommend", run_type: "llm", inputs: { prompt: "hi" } });
    await llm.postRun();
    llm.end({ text: "hello" });
    await llm.patchRun();
    const pay = root.createChild({ name: "charge card", run_type: "tool" });
    await pay.postRun();
    pay.end(undefined, "Error: card declined");
    await pay.patchRun();
    root.end({ ok: false });
    await root.patchRun();
    await client.shutdown();
  });

  afterAll(async () => {
    await collector?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("lists the trace and shows its tree, waterfall and details", async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 700 } });
      const problems = pageProblems(page);
      await page.goto(`${collector.url}/`);
      await page.locator(".trace", { hasText: "checkout" }).click();
      const rows = page.locator("#tree .row");
      await expect.poll(() => rows.count()).toBe(3);
      expect(await rows.locator(".run-name").allTextContents()).toEqual(["checkout", "recommend", "charge card"]);
      expect(await rows.locator(".type").allTextContents()).toEqual(["chain", "llm", "tool"]);
      // Children are one level under the root, and the failed run is marked.
      expect(await rows.evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.depth))).toEqual(["0", "1", "1"]);
      await expect.poll(() => page.locator("#tree .row.error").count()).toBe(1);
      await rows.nth(1).click();
      // Today's collector sends whole runs in the tree: the page shows them without a run route.
      await expect.poll(() => page.locator("#run").textContent()).toContain('"text": "hello"');
      expect(await page.locator("h1").textContent()).toContain("checkout — 3 runs");
      expect(existsSync(await screenshot(page, "trace-view.png"))).toBe(true);
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
