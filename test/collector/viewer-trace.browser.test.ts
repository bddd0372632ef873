/**
 * The open trace in Chromium, against a fake of the collector's read API (test/helpers/fake-collector.ts):
 * a trace filling in live, a depth-50 tree (readable, collapsible), a 100,000-run trace (only the
 * rows in sight in the DOM), a 2 MB input cut to a preview with Show all / Copy, and a run's times,
 * streamed tokens and error stack.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { hasChromium, launchChromium, pageProblems, screenshot } from "../helpers/chromium.js";
import { FakeCollector, type FakeRun, at, runId } from "../helpers/fake-collector.js";

const BASE = Date.parse("2026-11-30T09:00:00Z");
const TRACE = runId(1, 0);

/** Run `n` of the trace, a child of `parent` (undefined: the root). */
function run(n: number, parent: FakeRun | undefined, fields: Partial<FakeRun> = {}): FakeRun {
  const id = n === 0 ? TRACE : runId(1, n);
  return {
    id,
    trace_id: TRACE,
    name: `step ${n}`,
    run_type: "chain",
    dotted_order: parent ? `${parent.dotted_order}.${String(n).padStart(8, "0")}${id}` : `00000000${id}`,
    start_time: at(BASE, n),
    end_time: at(BASE, n + 10),
    ...(parent ? { parent_run_id: parent.id } : {}),
    ...fields,
  };
}

describe.skipIf(!hasChromium)("open trace in Chromium", () => {
  let browser: Browser;
  let f: FakeCollector;
  const open = async (path: string): Promise<{ page: Page; problems: string[] }> => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 700 } });
    const problems = pageProblems(page);
    await page.goto(`${f.url}${path}`);
    return { page, problems };
  };
  const rowNames = (page: Page) => page.locator("#tree .row .run-name").allTextContents();

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterEach(async () => {
    await f?.stop();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("fills in a trace live as its runs arrive and end", async () => {
    f = await new FakeCollector().start();
    const root = run(0, undefined, { name: "agent", end_time: undefined });
    const other = runId(2, 0);
    f.put(root, { ...run(0, undefined, { name: "earlier trace" }), id: other, trace_id: other, start_time: at(BASE, -5000) });
    // Opened from another trace: the stream follows the trace on screen.
    const { page, problems } = await open(`/traces/${other}`);
    await expect.poll(() => rowNames(page)).toEqual(["earlier trace"]);
    await page.click(`a.trace[data-trace-id="${TRACE}"]`);
    await expect.poll(() => rowNames(page)).toEqual(["agent"]);
    expect(await page.locator("#tree .row.running").count()).toBe(1);
    const search = run(1, root, { name: "search", run_type: "retriever", end_time: undefined });
    f.put(search);
    await expect.poll(() => rowNames(page)).toEqual(["agent", "search"]);
    f.put({ ...search, end_time: at(BASE, 40) }, run(2, root, { name: "llm call", run_type: "llm", start_time: at(BASE, 45), end_time: undefined }));
    await expect.poll(() => rowNames(page)).toEqual(["agent", "search", "llm call"]);
    await expect.poll(() => page.locator("#tree .row.running").count()).toBe(2);
    await screenshot(page, "live-trace.png");
    f.put(run(3, search, { name: "rerank", run_type: "tool" }), { ...root, end_time: at(BASE, 120) });
    await expect.poll(() => rowNames(page)).toEqual(["agent", "search", "rerank", "llm call"]);
    await expect.poll(() => page.locator("#tree .row.running").count()).toBe(1);
    await expect.poll(() => page.locator("h1").textContent()).toBe("agent — 4 runs, 120.00 ms");
    // The list follows too: the trace's summary arrived over /api/stream.
    await expect.poll(() => page.locator(`a.trace[data-trace-id="${TRACE}"] .meta`).textContent()).toContain("120.00 ms · 4 runs");
    expect(problems).toEqual([]);
  });

  it("keeps a depth-50 tree readable, with guides, and collapses a subtree", async () => {
    f = await new FakeCollector().start();
    let parent: FakeRun | undefined;
    for (let n = 0; n <= 50; n++) f.put((parent = run(n, parent, { name: `level ${n} handler` })));
    const { page } = await open(`/traces/${TRACE}`);
    await expect.poll(() => page.locator("#tree .row").count()).toBeGreaterThan(20);
    await page.locator("#tree").evaluate((e) => (e.scrollTop = e.scrollHeight));
    const deepest = page.locator('#tree .row[data-depth="50"]');
    await deepest.waitFor();
    expect(await deepest.locator(".run-name").textContent()).toBe("level 50 handler");
    // The name is shown whole, inside its column, with the depth said beside it.
    const fit = await deepest.evaluate((row) => {
      const name = row.querySelector(".run-name") as HTMLElement, label = row.querySelector(".label") as HTMLElement;
      const guides = row.querySelector(".guides") as HTMLElement;
      return { whole: name.scrollWidth <= name.clientWidth, inside: name.getBoundingClientRect().right <= label.getBoundingClientRect().right, guides: guides.getBoundingClientRect().width };
    });
    expect(fit).toEqual({ whole: true, inside: true, guides: expect.any(Number) });
    expect(fit.guides).toBeGreaterThan(100);
    expect(await deepest.locator(".depth").textContent()).toBe("depth 50");
    await screenshot(page, "depth-50.png");
    await page.locator('#tree .row[data-depth="30"] .toggle').click();
    await expect.poll(() => page.locator("#tree-inner").evaluate((e) => e.getBoundingClientRect().height)).toBe(31 * 24);
    await page.locator("#tree").evaluate((e) => (e.scrollTop = e.scrollHeight));
    await expect.poll(() => page.locator('#tree .row[data-depth="30"] .toggle').textContent()).toBe("▶");
    expect(await page.locator('#tree .row[data-depth="31"]').count()).toBe(0);
  });

  it("opens a 100,000-run trace with only the rows in sight in the DOM", async () => {
    f = await new FakeCollector().start();
    const root = run(0, undefined, { name: "bulk import", end_time: at(BASE, 200_000) });
    const runs: FakeRun[] = [root];
    for (let b = 1; b <= 100; b++) {
      const batch = run(b, root, { name: `batch ${b}`, start_time: at(BASE, b * 1000), end_time: at(BASE, b * 1000 + 999) });
      runs.push(batch);
      for (let i = 1; i < 1000; i++) {
        const n = b * 1000 + i;
        runs.push(run(n, batch, { name: `row ${b}.${i}`, run_type: "tool", start_time: at(BASE, n), end_time: at(BASE, n + 1) }));
      }
    }
    runs.length = 100_000;
    f.put(...runs);
    const { page, problems } = await open(`/traces/${TRACE}`);
    await expect.poll(() => page.locator("h1").textContent(), { timeout: 20_000 }).toBe("bulk import — 100000 runs, 200.00 s");
    expect(await page.locator("#tree .row").count()).toBeLessThan(60);
    expect(await page.locator("#tree-inner").evaluate((e) => e.getBoundingClientRect().height)).toBe(100_000 * 24);
    await page.locator("#tree").evaluate((e) => (e.scrollTop = e.scrollHeight));
    await expect.poll(() => page.locator("#tree .row .run-name").last().textContent()).toBe(runs.at(-1)?.name);
    expect(await page.locator("#tree .row").count()).toBeLessThan(60);
    await page.locator("#tree .row").last().click();
    await expect.poll(() => page.locator("#run h2").textContent()).toBe(`${runs.at(-1)?.name} · tool`);
    await screenshot(page, "trace-100k.png");
    expect(problems).toEqual([]);
  });

  it("cuts a 2 MB input to a preview, shows all of it on request, and copies it whole", async () => {
    f = await new FakeCollector().start();
    const long = "The quick brown fox jumps over the lazy dog. ".repeat(48_000); // 2.16 MB
    f.put(run(0, undefined, { name: "summarize", inputs: { document: long }, outputs: { summary: "A fox jumps." } }));
    const context = await browser.newContext({ viewport: { width: 1200, height: 700 } });
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: f.url });
    const page = await context.newPage();
    await page.goto(`${f.url}/traces/${TRACE}`);
    await page.locator("#tree .row").click();
    const inputs = page.locator('.payload[data-key="inputs"]');
    await inputs.waitFor();
    const preview = (await inputs.locator("pre").textContent()) as string;
    expect(preview.length).toBeLessThanOrEqual(4001);
    expect(preview.startsWith('{\n  "document": "The quick brown fox')).toBe(true);
    expect(await inputs.locator(".cut span").textContent()).toBe("Showing 3.9 KB of 2.1 MB");
    // The page stays one screen: long values scroll in their box.
    expect(await page.evaluate(() => document.documentElement.scrollHeight)).toBe(700);
    await screenshot(page, "large-input.png");
    await inputs.getByRole("button", { name: "Show all" }).click();
    expect(await inputs.locator("pre").evaluate((e) => (e.textContent as string).length)).toBe(JSON.stringify({ document: long }, null, 2).length);
    await inputs.getByRole("button", { name: "Copy" }).click();
    await expect.poll(() => inputs.getByRole("button", { name: "Copied" }).count()).toBe(1);
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(JSON.stringify({ document: long }, null, 2));
    expect(await page.locator('.payload[data-key="outputs"] pre').textContent()).toContain("A fox jumps.");
    await context.close();
  });

  it("shows a run's start and end, its streamed tokens and its error stack", async () => {
    f = await new FakeCollector().start();
    const root = run(0, undefined, { name: "chat" });
    const tokens = ["Hel", "lo", ", ", "wor", "ld"].map((token, i) => ({ name: "new_token", time: at(BASE, 2 + i), kwargs: { token } }));
    const stack = "Error: upstream timed out\n    at callModel (/app/model.ts:12:9)\n    at async chat (/app/chat.ts:30:5)";
    f.put(root, run(1, root, { name: "model", run_type: "llm", events: [{ name: "start", time: at(BASE, 1) }, ...tokens], error: stack }));
    const { page } = await open(`/traces/${TRACE}`);
    await page.locator("#tree .row", { hasText: "model" }).click();
    await expect.poll(() => page.locator("#run h2").textContent()).toBe("model · llm");
    const fields = await page.locator("#run dl.fields").evaluate((dl) => Object.fromEntries(Array.from(dl.querySelectorAll("dt")).map((dt) => [dt.textContent, dt.nextElementSibling?.textContent])));
    expect(fields).toMatchObject({ start: at(BASE, 1), end: at(BASE, 11), duration: "10.00 ms" });
    expect(await page.locator('.payload[data-key="tokens (5)"] pre').textContent()).toBe("Hello, world");
    expect(await page.locator("table.events tr").count()).toBe(6);
    expect(await page.locator('.payload[data-key="error"] pre.error-text').textContent()).toBe(stack);
    expect(await page.locator("#tree .row.error .run-name").textContent()).toBe("model");
    await screenshot(page, "run-detail.png");
  });
});
