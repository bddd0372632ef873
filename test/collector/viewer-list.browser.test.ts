/**
 * The trace list in Chromium, against a fake of the collector's read API (test/helpers/fake-collector.ts):
 * the empty state's export line, a trace arriving live, search and every filter, paging through
 * 10,000 traces, real links and Back, the "collector unreachable" notice and its recovery, and
 * stored strings that stay text under the page's CSP.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { hasChromium, launchChromium, pageProblems, screenshot } from "../helpers/chromium.js";
import { FakeCollector, type FakeRun, at, runId } from "../helpers/fake-collector.js";

const BASE = Date.parse("2026-11-30T09:00:00Z");

function rootRun(n: number, fields: Partial<FakeRun> = {}): FakeRun {
  const id = runId(n, 0);
  return { id, trace_id: id, name: `trace ${n}`, run_type: "chain", dotted_order: `x${id}`, start_time: at(BASE, n * 1000), end_time: at(BASE, n * 1000 + 1500), ...fields };
}

describe.skipIf(!hasChromium)("trace list in Chromium", () => {
  let browser: Browser;
  const fakes: FakeCollector[] = [];
  const fake = async (): Promise<FakeCollector> => {
    const f = await new FakeCollector().start();
    fakes.push(f);
    return f;
  };
  const open = async (url: string): Promise<{ page: Page; problems: string[] }> => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 700 } });
    const problems = pageProblems(page);
    await page.goto(url);
    return { page, problems };
  };

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterEach(async () => {
    for (const f of fakes.splice(0)) await f.stop();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("shows the exact export line when empty, then a trace as it arrives", async () => {
    const f = await fake();
    const { page, problems } = await open(`${f.url}/`);
    await expect.poll(() => page.locator("#welcome code").textContent()).toBe(`export LANGSMITH_ENDPOINT=${f.url} LANGSMITH_TRACING=true`);
    expect(await page.locator("#empty").textContent()).toBe("No traces yet.");
    await screenshot(page, "empty-state.png");
    f.put(rootRun(1, { name: "first trace" }));
    await expect.poll(() => page.locator("a.trace .name").allTextContents()).toEqual(["first trace"]);
    expect(await page.isVisible("#welcome")).toBe(false);
    expect(await page.locator("a.trace .meta").textContent()).toContain("1.50 s");
    expect(problems).toEqual([]);
  });

  it("searches and filters by every field, and keeps the filters in the URL", async () => {
    const f = await fake();
    for (let n = 0; n < 40; n++) {
      const root = rootRun(n, {
        name: n % 4 === 0 ? `embed batch ${n}` : `answer ${n}`,
        session_name: n % 2 ? "shop" : "search",
        tags: n % 5 === 0 ? ["nightly"] : ["web"],
        end_time: at(BASE, n * 1000 + n * 100),
        extra: { metadata: { user: n % 3 === 0 ? "ada" : "bob" } },
      });
      const child: FakeRun = { id: runId(n, 1), trace_id: root.id, parent_run_id: root.id, name: "model", run_type: n % 2 ? "llm" : "tool", dotted_order: `${root.dotted_order}.y`, start_time: root.start_time, end_time: root.end_time, ...(n % 7 === 0 ? { error: "Error: rate limited" } : {}) };
      f.put(root, child);
    }
    const { page, problems } = await open(`${f.url}/`);
    const names = page.locator("a.trace .name");
    await expect.poll(() => names.count()).toBe(40);
    const shown = async () => names.allTextContents();
    const expected = (params: Record<string, string>) => f.matching(new URLSearchParams(params)).map((t) => t.name);

    await page.fill('input[name="q"]', "EMBED");
    await expect.poll(shown).toEqual(expected({ q: "EMBED" }));
    expect((await shown()).length).toBe(10);

    await page.fill('input[name="q"]', "");
    await page.selectOption('select[name="run_type"]', "llm");
    await page.selectOption('select[name="error"]', "true");
    await expect.poll(shown).toEqual(expected({ run_type: "llm", error: "true" }));
    expect((await shown()).length).toBeGreaterThan(0);

    await page.fill('input[name="tag"]', "nightly");
    await page.fill('input[name="metadata"]', "user=ada");
    await page.fill('input[name="project"]', "shop");
    await page.fill('input[name="min_ms"]', "1000");
    await page.fill('input[name="max_ms"]', "4000");
    await page.selectOption('select[name="run_type"]', "");
    await page.selectOption('select[name="error"]', "");
    const want = { tag: "nightly", metadata: "user=ada", project: "shop", min_ms: "1000", max_ms: "4000" };
    await expect.poll(() => Object.fromEntries(f.lastListQuery() ?? [])).toEqual({ ...want, limit: "50" });
    await expect.poll(shown).toEqual(expected(want));
    expect(await shown()).toEqual(["answer 15"]);
    expect(await page.locator("a.trace .meta").textContent()).toContain("1.50 s");
    await screenshot(page, "search-filter.png");

    // The filters are in the address: a reload (or a shared link) shows the same list.
    expect(new URL(page.url()).searchParams.get("metadata")).toBe("user=ada");
    await page.reload();
    await expect.poll(shown).toEqual(["answer 15"]);
    expect(await page.inputValue('input[name="project"]')).toBe("shop");

    // A time range goes out as ISO times of the root's start.
    await page.goto(`${f.url}/`);
    const local = (t: number) => new Date(t - new Date(t).getTimezoneOffset() * 60000).toISOString().slice(0, 19);
    await page.fill('input[name="since"]', local(BASE + 10_000));
    await page.fill('input[name="until"]', local(BASE + 12_000));
    const range = { since: new Date(BASE + 10_000).toISOString(), until: new Date(BASE + 12_000).toISOString() };
    await expect.poll(shown).toEqual(expected(range));
    expect(await shown()).toEqual(["embed batch 12", "answer 11", "answer 10"]);
    expect(f.lastListQuery()?.get("since")).toBe(new Date(BASE + 10_000).toISOString());

    await page.fill('input[name="since"]', "");
    await page.fill('input[name="until"]', "");
    await page.fill('input[name="q"]', "nothing like this");
    await expect.poll(() => page.locator("#empty").textContent()).toBe("No traces match these filters.");
    expect(problems).toEqual([]);
  });

  it("pages through 10,000 traces with the cursor, newest first, and back", async () => {
    const f = await fake();
    for (let n = 0; n < 10_000; n++) f.put(rootRun(n));
    const { page, problems } = await open(`${f.url}/?limit=500`);
    const ids = page.locator("a.trace");
    const pageIds = () => ids.evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.traceId));
    const seen: string[] = [];
    for (let p = 0; p < 20; p++) {
      await expect.poll(() => page.locator("#count").textContent()).toBe(`page ${p + 1} · 500 traces`);
      seen.push(...((await pageIds()) as string[]));
      if (p === 1) await screenshot(page, "paging.png");
      if (p < 19) await page.click("#older");
    }
    expect(await page.isDisabled("#older")).toBe(true);
    expect(seen).toEqual(f.newestFirst().map((t) => t.trace_id));
    expect(new Set(seen).size).toBe(10_000);
    await page.click("#newer");
    await expect.poll(() => page.locator("#count").textContent()).toBe("page 19 · 500 traces");
    expect(await pageIds()).toEqual(seen.slice(18 * 500, 19 * 500));
    // Only the page's rows are in the DOM.
    expect(await ids.count()).toBe(500);
    expect(f.requests.filter((u) => u.pathname === "/api/traces").every((u) => u.searchParams.get("limit") === "500")).toBe(true);
    expect(problems).toEqual([]);
  });

  it("links each trace to /traces/:id; Back steps between the traces opened", async () => {
    const f = await fake();
    for (let n = 0; n < 3; n++) f.put(rootRun(n, { name: `trace ${n}` }));
    const { page } = await open(`${f.url}/`);
    await expect.poll(() => page.locator("a.trace").count()).toBe(3);
    const a = f.newestFirst()[0]?.trace_id as string, b = f.newestFirst()[2]?.trace_id as string;
    expect(await page.locator("a.trace").first().getAttribute("href")).toBe(`/traces/${a}`);
    await page.click(`a.trace[data-trace-id="${a}"]`);
    await expect.poll(() => page.locator("h1").textContent()).toContain("trace 2 — 1 run");
    await page.click(`a.trace[data-trace-id="${b}"]`);
    await expect.poll(() => page.locator("h1").textContent()).toContain("trace 0 — 1 run");
    expect(new URL(page.url()).pathname).toBe(`/traces/${b}`);
    await page.goBack();
    await expect.poll(() => page.locator("h1").textContent()).toContain("trace 2 — 1 run");
    expect(new URL(page.url()).pathname).toBe(`/traces/${a}`);
    expect(await page.locator("a.trace.active").getAttribute("data-trace-id")).toBe(a);
    await page.goBack();
    await expect.poll(() => page.locator("h1").textContent()).toBe("Select a trace.");
    await page.goForward();
    await expect.poll(() => page.locator("h1").textContent()).toContain("trace 2 — 1 run");
    // The link works on its own, as a new tab opens it.
    const other = await browser.newPage();
    await other.goto(`${f.url}/traces/${b}`);
    await expect.poll(() => other.locator("h1").textContent()).toContain("trace 0 — 1 run");
    await other.close();
  });

  it("says the collector is unreachable while it is down, and recovers when it is back", async () => {
    const f = await fake();
    f.put(rootRun(1, { name: "before the outage" }));
    const { page } = await open(`${f.url}/traces/${runId(1, 0)}`);
    await expect.poll(() => page.locator("h1").textContent()).toContain("before the outage");
    expect(await page.isVisible("#offline")).toBe(false);
    await f.stop();
    await page.locator("#offline").waitFor({ state: "visible" });
    expect(await page.locator("#offline").textContent()).toContain("Collector unreachable");
    await screenshot(page, "collector-down.png");
    f.put(rootRun(2, { name: "after the outage" }));
    await f.start();
    await page.locator("#offline").waitFor({ state: "hidden" });
    await expect.poll(() => page.locator("a.trace .name").allTextContents()).toEqual(["after the outage", "before the outage"]);
  });

  it("shows stored strings as text: markup in names and tags never runs", async () => {
    const f = await fake();
    const evil = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>';
    f.put(rootRun(1, { name: evil, tags: [evil], session_name: evil }));
    const { page, problems } = await open(`${f.url}/`);
    await expect.poll(() => page.locator("a.trace .name").textContent()).toBe(evil);
    await page.click("a.trace");
    await expect.poll(() => page.locator("#tree .run-name").textContent()).toBe(evil);
    await page.click("#tree .row");
    await expect.poll(() => page.locator("#run h2").textContent()).toContain(evil);
    expect(await page.locator("img").count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    // The page's own script and style pass its CSP: nothing was refused.
    expect(problems).toEqual([]);
  });
});
