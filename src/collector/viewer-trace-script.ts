/**
 * The viewer's open trace: run summaries from `/api/traces/:id` built into a tree without
 * recursion (a 100k-run or 100k-deep trace cannot overflow the stack), drawn as virtualized rows
 * (only the rows in sight are in the DOM) with indent guides squeezed to fit any depth, a
 * waterfall, live updates from `/api/traces/:id/stream`, and the selected run's full body from
 * `/api/traces/:id/runs/:runId`, long values cut to a preview with "Show all" and "Copy".
 */
export const VIEWER_TRACE_SCRIPT = String.raw`
const ROW_HEIGHT = 24;
const OVERSCAN = 8;
const PREVIEW_CHARS = 4000;
const EVENTS_SHOWN = 200;
const view = { traceId: null, seq: 0, runs: new Map(), rows: [], children: new Map(), depth: new Map(), collapsed: new Set(), selected: null, t0: 0, span: 1, step: 16, maxDepth: 0, stream: null, loading: false, pending: new Map(), rebuildTimer: 0, runSeq: 0, summary: null };

const byOrder = (a, b) => { const x = text(a.dotted_order) || text(a.start_time), y = text(b.dotted_order) || text(b.start_time); return x < y ? -1 : x > y ? 1 : 0; };

// Children lists, depths and the time range, in loops: no spread of 100k values, no recursion.
function index() {
  const children = new Map(), roots = [];
  let t0 = Infinity, t1 = -Infinity;
  for (const r of view.runs.values()) {
    const parent = r.parent_run_id && view.runs.has(r.parent_run_id) && r.parent_run_id !== r.id ? r.parent_run_id : null;
    if (parent) { let list = children.get(parent); if (!list) children.set(parent, (list = [])); list.push(r); } else roots.push(r);
    const s = ms(r.start_time), e = ms(r.end_time);
    if (s < t0) t0 = s;
    if (s > t1) t1 = s;
    if (e > t1) t1 = e;
  }
  for (const list of children.values()) list.sort(byOrder);
  roots.sort(byOrder);
  view.children = children;
  view.roots = roots;
  view.t0 = Number.isFinite(t0) ? t0 : 0;
  view.t1 = Number.isFinite(t1) ? t1 : view.t0;
  view.span = Math.max(view.t1 - view.t0, 0.001);
}

// The visible rows in tree order (pre-order, an explicit stack), skipping collapsed subtrees.
function flatten() {
  const rows = [], depth = view.depth;
  depth.clear();
  let maxDepth = 0;
  const stack = [];
  for (let i = view.roots.length - 1; i >= 0; i--) stack.push([view.roots[i], 0]);
  const seen = new Set();
  while (stack.length) {
    const [run, d] = stack.pop();
    if (seen.has(run.id)) continue; // a parent cycle in stored data is drawn once
    seen.add(run.id);
    rows.push(run);
    depth.set(run.id, d);
    if (d > maxDepth) maxDepth = d;
    const kids = view.children.get(run.id);
    if (kids && !view.collapsed.has(run.id)) for (let i = kids.length - 1; i >= 0; i--) stack.push([kids[i], d + 1]);
  }
  view.rows = rows;
  view.maxDepth = Math.max(view.maxDepth, maxDepth);
  document.getElementById("tree-inner").style.height = rows.length * ROW_HEIGHT + "px";
}

function rowFor(run, i) {
  const d = view.depth.get(run.id) || 0;
  const row = $("div", "row" + (run.error ? " error" : "") + (run.end_time ? "" : " running") + (run.id === view.selected ? " selected" : ""));
  row.style.top = i * ROW_HEIGHT + "px";
  row.dataset.runId = text(run.id);
  row.dataset.depth = String(d);
  const label = $("div", "label");
  const guides = $("span", "guides");
  guides.style.width = d * view.step + "px";
  guides.style.backgroundSize = view.step * view.guideEvery + "px 100%";
  const hasKids = view.children.has(run.id);
  const toggle = $("button", "toggle" + (hasKids ? "" : " leaf"), hasKids ? (view.collapsed.has(run.id) ? "▶" : "▼") : "");
  toggle.type = "button";
  toggle.setAttribute("aria-label", view.collapsed.has(run.id) ? "expand" : "collapse");
  label.append(guides, toggle, $("span", "run-name", text(run.name) || "(unnamed)"), $("span", "type", text(run.run_type)));
  if (d >= 10) label.append($("span", "depth", "depth " + d));
  if (run.event_count > 0) label.append($("span", "type", run.event_count + (run.event_count === 1 ? " event" : " events")));
  if (hasKids && view.collapsed.has(run.id)) label.append($("span", "type", "+" + view.children.get(run.id).length));
  const s = ms(run.start_time), e = ms(run.end_time);
  const track = $("div", "track"), bar = $("div", "bar");
  bar.style.left = (((s - view.t0) / view.span) * 100 || 0) + "%";
  bar.style.width = ((((Number.isFinite(e) ? e : view.t1) - s) / view.span) * 100 || 0) + "%";
  track.append(bar);
  row.append(label, track, $("div", "dur", fmt(e - s)));
  return row;
}

function paint() {
  const tree = document.getElementById("tree"), inner = document.getElementById("tree-inner");
  const first = Math.max(0, Math.floor(tree.scrollTop / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(view.rows.length, Math.ceil((tree.scrollTop + tree.clientHeight) / ROW_HEIGHT) + OVERSCAN);
  // The indent shrinks so the deepest name keeps most of its column (at depth 50 a step is
  // ~3 px); guides closer than 4 px would be a smear, so then only every k-th level has one.
  const labelWidth = Math.max(300, (tree.clientWidth - 20) * 0.5);
  view.step = Math.max(Math.min(16, (labelWidth * 0.35) / Math.max(view.maxDepth, 1)), 0.25);
  view.guideEvery = Math.ceil(4 / view.step);
  const rows = [];
  for (let i = first; i < last; i++) rows.push(rowFor(view.rows[i], i));
  inner.replaceChildren(...rows);
}
let painting = 0;
const schedulePaint = () => { if (!painting) painting = requestAnimationFrame(() => { painting = 0; paint(); }); };

function rebuild() {
  index();
  flatten();
  paint();
  updateTraceHead(view.summary);
}

function updateTraceHead(summary) {
  if (summary) view.summary = summary;
  const root = view.roots && view.roots[0];
  const name = text(root ? root.name : view.summary && view.summary.name) || "(unnamed)";
  document.getElementById("trace-title").textContent = name + " — " + view.runs.size + (view.runs.size === 1 ? " run" : " runs") + ", " + fmt(view.t1 - view.t0);
  const meta = [text(root && root.start_time), view.maxDepth ? "depth " + view.maxDepth : "", text(view.summary && view.summary.project)].filter(Boolean);
  document.getElementById("trace-meta").textContent = meta.join(" · ");
}

function closeTrace() {
  if (view.stream) { view.stream.close(); view.stream = null; }
  view.pending.clear();
  view.loading = false;
  clearTimeout(view.rebuildTimer);
  view.rebuildTimer = 0;
}

function showTraceMessage(message) {
  closeTrace();
  view.runs = new Map();
  view.rows = [];
  document.getElementById("trace-title").textContent = message;
  document.getElementById("trace-meta").textContent = "";
  document.getElementById("tree-inner").replaceChildren();
  document.getElementById("tree-inner").style.height = "0px";
  document.getElementById("run").replaceChildren();
}

function openFromLocation() {
  const m = /^\/traces\/([^/]+)$/.exec(location.pathname);
  const id = m ? decodeURIComponent(m[1]) : null;
  if (id === view.traceId) return;
  view.traceId = id;
  if (id) document.getElementById("welcome").hidden = true;
  markActive();
  if (id) loadTrace(id, false);
  else showTraceMessage("Select a trace.");
}

async function loadTrace(id, refresh) {
  const seq = ++view.seq;
  // The stream opens first, so no change between the tree's read and the stream's start is missed.
  if (!refresh || !view.stream) { closeTrace(); openTraceStream(id); }
  view.loading = true;
  let res;
  try { res = await api("/api/traces/" + encodeURIComponent(id)); } catch { return; }
  if (seq !== view.seq || id !== view.traceId) return;
  if (res.status === 404) return showTraceMessage("Trace not found.");
  if (!res.ok) return showTraceMessage("The collector answered " + res.status + ".");
  const body = await res.json();
  if (seq !== view.seq) return;
  if (!refresh) {
    view.collapsed = new Set();
    view.selected = null;
    view.maxDepth = 0;
    view.summary = null;
    document.getElementById("run").replaceChildren($("div", "empty", "Select a run."));
    document.getElementById("tree").scrollTop = 0;
  }
  view.runs = new Map();
  for (const r of Array.isArray(body.runs) ? body.runs : []) if (r && typeof r.id === "string") view.runs.set(r.id, r);
  view.loading = false;
  for (const run of view.pending.values()) view.runs.set(run.id, Object.assign(view.runs.get(run.id) || {}, run));
  view.pending.clear();
  rebuild();
  if (refresh && view.selected) showRun(view.selected);
}

function openTraceStream(id) {
  const source = new EventSource("/api/traces/" + encodeURIComponent(id) + "/stream");
  view.stream = source;
  source.addEventListener("run", (e) => {
    let run;
    try { run = JSON.parse(e.data); } catch { return; }
    if (!run || typeof run.id !== "string" || id !== view.traceId) return;
    // While the tree is being read, changes wait to be applied over it.
    const runs = view.loading ? view.pending : view.runs;
    runs.set(run.id, Object.assign(runs.get(run.id) || {}, run));
    if (view.loading) return;
    // Bursts are drawn a few times a second, not once a run.
    if (!view.rebuildTimer) view.rebuildTimer = setTimeout(() => { view.rebuildTimer = 0; rebuild(); if (view.selected === run.id) showRun(run.id); }, 150);
  });
  source.onerror = () => { if (source.readyState === EventSource.CLOSED && view.stream === source) view.stream = null; };
}

// ---- the selected run
const utf8Bytes = (s) => new TextEncoder().encode(s).length;
const size = (n) => (n < 1024 ? n + " B" : n < 1048576 ? (n / 1024).toFixed(1) + " KB" : (n / 1048576).toFixed(1) + " MB");
const empty = (v) => v === undefined || v === null || v === "" || (typeof v === "object" && Object.keys(v).length === 0);
const asText = (v) => { if (typeof v === "string") return v; try { return JSON.stringify(v, null, 2) || String(v); } catch { return String(v); } };

async function copy(value, button) {
  try { await navigator.clipboard.writeText(value); }
  catch {
    const area = $("textarea");
    area.value = value;
    document.body.append(area);
    area.select();
    document.execCommand("copy");
    area.remove();
  }
  button.textContent = "Copied";
}

// A value as text, cut to a preview when long: the whole of it is one click away, or copied.
function payload(parent, key, value, cls) {
  if (empty(value)) return;
  const full = asText(value);
  const section = $("div", "payload");
  section.dataset.key = key;
  const pre = $("pre", cls || "");
  section.append($("div", "k", key));
  if (full.length <= PREVIEW_CHARS) pre.textContent = full;
  else {
    // The note comes before the text, so a cut value says so where it starts.
    pre.textContent = full.slice(0, PREVIEW_CHARS) + "…";
    const note = $("div", "cut");
    const showing = $("span", "", "Showing " + size(utf8Bytes(full.slice(0, PREVIEW_CHARS))) + " of " + size(utf8Bytes(full)));
    const more = $("button", "", "Show all"), copyButton = $("button", "", "Copy");
    more.type = copyButton.type = "button";
    more.addEventListener("click", () => {
      const all = more.textContent === "Show all";
      pre.textContent = all ? full : full.slice(0, PREVIEW_CHARS) + "…";
      more.textContent = all ? "Show less" : "Show all";
    });
    copyButton.addEventListener("click", () => copy(full, copyButton));
    note.append(showing, more, copyButton);
    section.append(note);
  }
  section.append(pre);
  parent.append(section);
}

function events(parent, list) {
  if (!Array.isArray(list) || list.length === 0) return;
  // Streamed tokens (LangSmith's "new_token" events) read best joined.
  const tokens = list.filter((e) => e && e.name === "new_token" && e.kwargs && typeof e.kwargs.token === "string");
  if (tokens.length) payload(parent, "tokens (" + tokens.length + ")", tokens.map((e) => e.kwargs.token).join(""));
  parent.append($("div", "k", "events (" + list.length + ")"));
  const table = $("table", "events");
  for (const e of list.slice(0, EVENTS_SHOWN)) {
    const tr = $("tr");
    const rest = e && typeof e === "object" ? (e.kwargs !== undefined ? e.kwargs : e) : e;
    const body = asText(rest);
    tr.append($("td", "", text(e && e.time).replace("T", " ").slice(0, 26)), $("td", "", text(e && e.name)), $("td", "", body.length > 200 ? body.slice(0, 200) + "…" : body));
    table.append(tr);
  }
  parent.append(table);
  if (list.length > EVENTS_SHOWN) payload(parent, "all events", list);
}

function renderRun(run) {
  const box = document.getElementById("run");
  box.replaceChildren();
  box.append($("h2", "", (text(run.name) || "(unnamed)") + " · " + text(run.run_type)));
  const fields = $("dl", "fields");
  const s = ms(run.start_time), e = ms(run.end_time);
  const rows = [["id", run.id], ["parent", run.parent_run_id], ["start", run.start_time], ["end", run.end_time || "running"], ["duration", fmt(e - s)], ["project", run.session_name || run.project_name]];
  for (const [k, v] of rows) if (!empty(v)) fields.append($("dt", "", k), $("dd", "", text(v)));
  box.append(fields);
  if (Array.isArray(run.tags) && run.tags.length) { const p = $("div"); for (const t of run.tags) p.append($("span", "tag", text(t))); box.append($("div", "k", "tags"), p); }
  if (typeof run.error === "string") payload(box, "error", run.error, "error-text");
  payload(box, "inputs", run.inputs);
  payload(box, "outputs", run.outputs);
  events(box, run.events);
  payload(box, "metadata", run.extra && run.extra.metadata);
}

async function showRun(runId) {
  const seq = ++view.runSeq, traceId = view.traceId;
  let res;
  try { res = await api("/api/traces/" + encodeURIComponent(traceId) + "/runs/" + encodeURIComponent(runId)); } catch { return; }
  if (seq !== view.runSeq) return;
  // An older collector has no run route but sends whole runs in the tree.
  const run = res.ok ? await res.json() : view.runs.get(runId);
  if (seq !== view.runSeq || !run) return;
  renderRun(run);
}

function setupTree() {
  const tree = document.getElementById("tree");
  tree.addEventListener("scroll", schedulePaint, { passive: true });
  window.addEventListener("resize", schedulePaint);
  tree.addEventListener("click", (e) => {
    const row = e.target instanceof Element ? e.target.closest(".row") : null;
    if (!row) return;
    const id = row.dataset.runId;
    if (e.target.closest(".toggle")) {
      if (view.collapsed.has(id)) view.collapsed.delete(id); else view.collapsed.add(id);
      flatten();
      paint();
      return;
    }
    view.selected = id;
    paint();
    showRun(id);
  });
}
`;
