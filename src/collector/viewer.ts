/**
 * The trace viewer: one self-contained page (no build step, no external assets) with the trace
 * list (viewer-list-script.ts) and the open trace (viewer-trace-script.ts). Its own CSP, in a meta
 * tag, allows only its one script and stylesheet by hash and requests to its own origin, so a
 * stored string can never run: run data only ever reaches the page through `textContent`.
 */
import { createHash } from "node:crypto";
import { VIEWER_LIST_SCRIPT } from "./viewer-list-script.js";
import { VIEWER_CSS } from "./viewer-style.js";
import { VIEWER_TRACE_SCRIPT } from "./viewer-trace-script.js";

const BOOT = `
setupList();
setupTree();
openListStream();
loadList();
view.traceId = undefined;
openFromLocation();
`;

const SCRIPT = VIEWER_LIST_SCRIPT + VIEWER_TRACE_SCRIPT + BOOT;
const hash = (source: string): string => `'sha256-${createHash("sha256").update(source, "utf8").digest("base64")}'`;
const CSP = [
  "default-src 'none'",
  `script-src ${hash(SCRIPT)}`,
  `style-src ${hash(VIEWER_CSS)}`,
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
].join("; ");

const FILTER_FIELDS = `
  <label class="wide">search names<input name="q" type="search" placeholder="any run's name contains…" autocomplete="off"></label>
  <label>name<input name="name" placeholder="exact run name"></label>
  <label>run type<select name="run_type"><option value="">any</option><option>chain</option><option>llm</option><option>tool</option><option>retriever</option><option>embedding</option><option>prompt</option><option>parser</option></select></label>
  <label>error<select name="error"><option value="">any</option><option value="true">with error</option><option value="false">without</option></select></label>
  <label>tag<input name="tag"></label>
  <label>metadata<input name="metadata" placeholder="key=value"></label>
  <label>project<input name="project"></label>
  <label>min ms<input name="min_ms" type="number" min="0" step="any"></label>
  <label>max ms<input name="max_ms" type="number" min="0" step="any"></label>
  <label>since<input name="since" type="datetime-local" step="1"></label>
  <label>until<input name="until" type="datetime-local" step="1"></label>`;

export const VIEWER_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>tracewire dev</title>
<style>${VIEWER_CSS}</style>
</head>
<body>
<div id="offline" role="alert" hidden>Collector unreachable — retrying. What is shown may be out of date.</div>
<aside>
  <header>tracewire dev <small id="count"></small></header>
  <form id="filters" role="search">${FILTER_FIELDS}
  </form>
  <div id="traces"><div class="empty">Loading…</div></div>
  <div id="pager"><button id="newer" type="button" disabled>‹ Newer</button><button id="older" type="button" disabled>Older ›</button></div>
</aside>
<main>
  <div id="welcome" hidden></div>
  <div id="trace-head"><h1 id="trace-title">Select a trace.</h1><div id="trace-meta"></div></div>
  <div id="tree"><div id="tree-inner"></div></div>
  <div id="run"></div>
</main>
<script>${SCRIPT}</script>
</body>
</html>
`;
