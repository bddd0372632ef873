/**
 * The viewer's shared helpers, connection state and trace list: filters (kept in the URL's query),
 * cursor paging, live updates from `/api/stream`, the "collector unreachable" notice and the empty
 * state. Stored strings only ever reach the page through `textContent`.
 */
export const VIEWER_LIST_SCRIPT = String.raw`
"use strict";
const $ = (tag, cls, content) => { const e = document.createElement(tag); if (cls) e.className = cls; if (content !== undefined) e.textContent = content; return e; };
// Runs carry microseconds (six fractional digits); Date.parse keeps only milliseconds.
const ms = (iso) => { const m = typeof iso === "string" ? /^(.{19})(?:\.(\d{1,6}))?(?:Z|\+00:00)?$/.exec(iso) : null; return m ? Date.parse(m[1] + "Z") + Number((m[2] || "").padEnd(6, "0")) / 1000 : NaN; };
// Runs hold whatever a client sent: a name may be an object that cannot become a string.
const text = (v, otherwise = "") => (typeof v === "string" ? v : typeof v === "number" || typeof v === "boolean" ? String(v) : otherwise);
const fmt = (n) => (Number.isFinite(n) ? (n < 1 ? Math.round(n * 1000) + " µs" : n < 1000 ? n.toFixed(2) + " ms" : (n / 1000).toFixed(2) + " s") : "running");
const durationOf = (t) => (typeof t.duration_ms === "number" ? t.duration_ms : ms(t.end_time) - ms(t.start_time));
const FILTERS = ["q", "name", "run_type", "error", "tag", "metadata", "project", "min_ms", "max_ms", "since", "until"];
const pageLimit = Math.min(Math.max(Number(new URLSearchParams(location.search).get("limit")) || 50, 1), 500);

// ---- connection: a failed fetch or a dropped stream shows the notice until a probe gets through.
const conn = { offline: false, probeTimer: 0, probeDelay: 250, polling: 0, listStream: null };
function setOffline(on) {
  conn.offline = on;
  document.getElementById("offline").hidden = !on;
}
async function api(path) {
  try {
    const res = await fetch(path, { headers: { accept: "application/json" }, cache: "no-store" });
    if (conn.offline) recover();
    return res;
  } catch (error) {
    goOffline();
    throw error;
  }
}
function goOffline() {
  if (!conn.offline) setOffline(true);
  if (!conn.probeTimer) conn.probeTimer = setTimeout(probe, conn.probeDelay);
}
async function probe() {
  conn.probeTimer = 0;
  try {
    await fetch("/api/traces?limit=1", { cache: "no-store" });
    recover();
  } catch {
    conn.probeDelay = Math.min(conn.probeDelay * 2, 4000);
    goOffline();
  }
}
function recover() {
  if (!conn.offline) return;
  setOffline(false);
  conn.probeDelay = 250;
  openListStream();
  loadList();
  if (view.traceId) loadTrace(view.traceId, true);
}
// A stream that errors is checked: a collector that answers but has no stream (an older one) is polled.
async function onStreamError(source) {
  if (source.readyState !== EventSource.CLOSED && !conn.offline) {
    try { await fetch("/api/traces?limit=1", { cache: "no-store" }); } catch { goOffline(); }
    return;
  }
  if (source.readyState !== EventSource.CLOSED) return goOffline();
  try {
    await fetch("/api/traces?limit=1", { cache: "no-store" });
    if (!conn.polling) conn.polling = setInterval(() => { loadList(); if (view.traceId) loadTrace(view.traceId, true); }, 3000);
  } catch {
    goOffline();
  }
}

// ---- filters live in the URL, so a filtered list is a link too.
function filtersFromUrl() {
  const params = new URLSearchParams(location.search);
  const out = new URLSearchParams();
  for (const key of FILTERS) { const v = params.get(key); if (v) out.set(key, v); }
  return out;
}
const toLocalInput = (iso) => { const t = Date.parse(iso); return Number.isFinite(t) ? new Date(t - new Date(t).getTimezoneOffset() * 60000).toISOString().slice(0, 16) : ""; };
function fillForm(filters) {
  const form = document.getElementById("filters");
  for (const key of FILTERS) {
    const input = form.elements.namedItem(key);
    const v = filters.get(key) || "";
    input.value = input.type === "datetime-local" ? toLocalInput(v) : v;
  }
}
function filtersFromForm() {
  const form = document.getElementById("filters");
  const out = new URLSearchParams();
  for (const key of FILTERS) {
    const input = form.elements.namedItem(key);
    let v = input.value.trim();
    if (v && input.type === "datetime-local") v = new Date(v).toISOString();
    if (v) out.set(key, v);
  }
  return out;
}
const list = { filters: filtersFromUrl(), cursors: [null], page: 0, next: null, seq: 0, items: new Map(), reloadTimer: 0 };
const query = (filters) => { const s = filters.toString(); return s ? "?" + s : ""; };
const traceHref = (id) => "/traces/" + encodeURIComponent(id) + query(list.filters);

function applyFilters() {
  const filters = filtersFromForm();
  if (filters.toString() === list.filters.toString()) return;
  list.filters = filters;
  list.cursors = [null];
  list.page = 0;
  history.replaceState(history.state, "", location.pathname + query(filters));
  loadList();
}

async function loadList() {
  const seq = ++list.seq;
  const params = new URLSearchParams(list.filters);
  params.set("limit", String(pageLimit));
  const cursor = list.cursors[list.page];
  if (cursor) params.set("cursor", cursor);
  let res;
  try { res = await api("/api/traces?" + params); } catch { return; }
  if (seq !== list.seq) return;
  if (!res.ok) return renderListMessage("The collector answered " + res.status + ".");
  const body = await res.json();
  // An older collector answers a bare array, newest first, without paging.
  const pageOf = Array.isArray(body) ? { traces: body, next_cursor: null } : body;
  list.next = pageOf.next_cursor || null;
  renderList(Array.isArray(pageOf.traces) ? pageOf.traces : []);
}

function renderListMessage(message) {
  document.getElementById("traces").replaceChildren($("div", "empty", message));
}

// No traces at all: the main pane says how to send some (the list's column is too narrow for it).
function renderEmpty() {
  const filtered = Boolean(list.filters.toString());
  const box = $("div", "empty", filtered ? "No traces match these filters." : "No traces yet.");
  box.id = "empty";
  document.getElementById("traces").replaceChildren(box);
  const welcome = document.getElementById("welcome");
  welcome.hidden = filtered || Boolean(view.traceId);
  if (welcome.hidden) return;
  welcome.replaceChildren($("h2", "", "No traces yet"), $("p", "", "Point your app at this collector, then run it; its traces appear here as they arrive:"));
  welcome.append($("code", "", "export LANGSMITH_ENDPOINT=" + location.origin + " LANGSMITH_TRACING=true"));
}

function traceItem(t) {
  const item = $("a", "trace" + (t.error ? " error" : "") + (t.trace_id === view.traceId ? " active" : ""));
  item.href = traceHref(text(t.trace_id));
  item.dataset.traceId = text(t.trace_id);
  const when = text(t.start_time);
  const parts = [fmt(durationOf(t)), t.run_count + (t.run_count === 1 ? " run" : " runs"), text(t.project) || "default", when.replace("T", " ").slice(0, 19)];
  item.append($("div", "name", text(t.name) || "(unnamed)"), $("div", "meta", parts.join(" · ")));
  if (Array.isArray(t.tags) && t.tags.length) { const tags = $("div"); for (const tag of t.tags.slice(0, 8)) tags.append($("span", "tag", text(tag))); item.append(tags); }
  return item;
}

function renderList(traces) {
  list.items.clear();
  const box = document.getElementById("traces");
  if (traces.length === 0 && list.page === 0) renderEmpty();
  else {
    document.getElementById("welcome").hidden = true;
    box.replaceChildren();
    for (const t of traces) { const item = traceItem(t); list.items.set(t.trace_id, item); box.append(item); }
  }
  box.scrollTop = 0;
  document.getElementById("count").textContent = "page " + (list.page + 1) + " · " + traces.length + (traces.length === 1 ? " trace" : " traces");
  document.getElementById("newer").disabled = list.page === 0;
  document.getElementById("older").disabled = !list.next;
}

function onTraceChanged(t) {
  const item = list.items.get(t.trace_id);
  if (item) { const next = traceItem(t); item.replaceWith(next); list.items.set(t.trace_id, next); }
  // A trace this page does not show yet belongs on the first page, where the newest are.
  else if (list.page === 0 && !list.reloadTimer) list.reloadTimer = setTimeout(() => { list.reloadTimer = 0; loadList(); }, 250);
  if (t.trace_id === view.traceId) updateTraceHead(t);
}

function openListStream() {
  if (conn.listStream) conn.listStream.close();
  const source = new EventSource("/api/stream");
  conn.listStream = source;
  source.addEventListener("trace", (e) => { try { onTraceChanged(JSON.parse(e.data)); } catch {} });
  source.onopen = () => { if (conn.polling) { clearInterval(conn.polling); conn.polling = 0; } recover(); };
  source.onerror = () => onStreamError(source);
}

function markActive() {
  for (const [id, item] of list.items) item.classList.toggle("active", id === view.traceId);
}

function setupList() {
  const form = document.getElementById("filters");
  fillForm(list.filters);
  let typing = 0;
  form.addEventListener("input", () => { clearTimeout(typing); typing = setTimeout(applyFilters, 250); });
  form.addEventListener("change", applyFilters);
  form.addEventListener("submit", (e) => { e.preventDefault(); clearTimeout(typing); applyFilters(); });
  document.getElementById("older").addEventListener("click", () => { if (!list.next) return; list.cursors[list.page + 1] = list.next; list.page++; loadList(); });
  document.getElementById("newer").addEventListener("click", () => { if (list.page === 0) return; list.page--; loadList(); });
  // Links are real (a new tab works); a plain click opens the trace here, as a history step.
  document.getElementById("traces").addEventListener("click", (e) => {
    const a = e.target instanceof Element ? e.target.closest("a.trace") : null;
    if (!a || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    if (a.dataset.traceId === view.traceId) return;
    history.pushState(null, "", a.getAttribute("href"));
    openFromLocation();
  });
  window.addEventListener("popstate", () => {
    const filters = filtersFromUrl();
    if (filters.toString() !== list.filters.toString()) { list.filters = filters; list.cursors = [null]; list.page = 0; fillForm(filters); loadList(); }
    openFromLocation();
  });
}
`;
