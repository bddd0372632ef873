/**
 * The trace page in a real browser: Debian's Chromium driven by playwright-core. `.ci/run`
 * installs Chromium; on a machine without it the test is skipped, except under CI where that is
 * a failure.
 */
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Collector, startCollector } from "../../src/collector/server.js";
import { Client } from "../../src/export/client.js";
import { RunTree } from "../../src/run-tree/run-tree.js";

const CHROMIUM = "/usr/bin/chromium";
const ARTIFACTS = resolve(import.meta.dirname, "../../test-artifacts");
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium && process.env.CI) throw new Error(`${CHROMIUM} is missing: .ci/run installs Debian's chromium`);

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
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 700 } });
      await page.goto(`${collector.url}/`);
      await page.locator(".trace", { hasText: "checkout" }).click();
      const rows = page.locator("#tree .row");
      await expect.poll(() => rows.count()).toBe(3);
      expect(await rows.locator(".label").allTextContents()).toEqual(["checkoutchain", "recommendllm", "charge cardtool"]);
      // Children are indented under the root, and the failed run is marked.
      const indent = await rows.locator(".label").evaluateAll((els) => els.map((e) => (e as HTMLElement).style.paddingLeft));
      expect(indent).toEqual(["0px", "18px", "18px"]);
      await expect.poll(() => page.locator("#tree .row.error").count()).toBe(1);
      await rows.nth(1).click();
      await expect.poll(() => page.locator("details.run:not([hidden])").textContent()).toContain('"text": "hello"');
      expect(await page.locator("h1").textContent()).toContain("checkout — 3 runs");
      await mkdir(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, "trace-view.png"), fullPage: true });
      expect(existsSync(join(ARTIFACTS, "trace-view.png"))).toBe(true);
    } finally {
      await browser.close();
    }
  });
});
