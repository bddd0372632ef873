/**
 * The trace viewer: one self-contained page (no build step, no external assets) that lists traces
 * and shows a trace as a tree with a timing waterfall and each run's inputs, outputs, error,
 * metadata and tags. Run data is only ever put in the page through `textContent`.
 */
export const VIEWER_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>tracewire dev</title>
<style>
  :root { --fg:#1d2330; --muted:#6b7385; --line:#e3e6ee; --accent:#3b5bdb; --err:#c92a2a; --bar:#748ffc; }
  * { box-sizing: border-box; }
  body { margin:0; font:14px/1.4 system-ui, sans-serif; color:var(--fg); display:grid; grid-template-columns: 320px 1fr; height:100vh; }
  aside { border-right:1px solid var(--line); overflow:auto; }
  header { padding:12px 16px; border-bottom:1px solid var(--line); font-weight:600; }
  header small { color:var(--muted); font-weight:400; }
  .trace { padding:10px 16px; border-bottom:1px solid var(--line); cursor:pointer; }
  .trace:hover, .trace.active { background:#f3f5fb; }
  .trace .meta { color:var(--muted); font-size:12px; }
  .trace.error .name::after { content:" ●"; color:var(--err); }
  main { overflow:auto; padding:16px 20px; }
  h1 { font-size:16px; margin:0 0 12px; }
  .row { display:grid; grid-template-columns: minmax(240px, 40%) 1fr 80px; align-items:center; gap:8px; padding:4px 0; border-bottom:1px solid #f1f2f6; cursor:pointer; }
  .row:hover { background:#fafbfe; }
  .label { white-space:nowrap; overflow:hidden; text-overflow:ellipsis; }
  .type { color:var(--muted); font-size:11px; margin-left:6px; }
  .track { position:relative; height:14px; background:#f5f6fa; border-radius:3px; }
  .bar { position:absolute; top:0; height:14px; background:var(--bar); border-radius:3px; min-width:2px; }
  .row.error .bar { background:var(--err); }
  .dur { color:var(--muted); font-size:12px; text-align:right; }
  details.run { margin:4px 0 10px; padding:8px 12px; background:#fafbfe; border:1px solid var(--line); border-radius:6px; }
  pre { margin:4px 0 8px; white-space:pre-wrap; word-break:break-word; font-size:12px; }
  .k { color:var(--muted); font-size:12px; text-transform:uppercase; letter-spacing:.04em; }
  .tag { display:inline-block; padding:1px 6px; margin-right:4px; border-radius:10px; background:#edf2ff; color:var(--accent); font-size:12px; }
  .empty { color:var(--muted); padding:16px; }
</style>
</head>
<body>
<aside>
  <header>tracewire dev <small id="count"></small></header>
  <div id="traces"><div class="empty">No traces yet.</div></div>
</aside>
<main id="detail"><div class="empty">Select a trace.</div></main>
<script>
const $ = (tag, cls, text) => { const e = document.createElement(tag); if (cls) e.className = cls; if (text !== undefined) e.textContent = text; return e; };
// Runs carry microseconds (six fractional digits); Date.parse keeps only milliseconds.
const ms = (iso) => { const m = typeof iso === "string" ? /^(.{19})(?:\\.(\\d{1,6}))?Z$/.exec(iso) : null; return m ? Date.parse(m[1] + "Z") + Number((m[2] || "").padEnd(6, "0")) / 1000 : NaN; };
// Runs hold whatever a client sent: a name may be an object that cannot become a string.
const text = (v, otherwise = "") => (typeof v === "string" ? v : typeof v === "number" || typeof v === "boolean" ? String(v) : otherwise);
const fmt = (n) => (Number.isFinite(n) ? (n < 1 ? Math.round(n * 1000) + " µs" : n < 1000 ? n.toFixed(2) + " ms" : (n / 1000).toFixed(2) + " s") : "…");
let selected = location.pathname.startsWith("/traces/") ? location.pathname.slice(8) : null;

async function loadTraces() {
  const traces = await (await fetch("/api/traces")).json();
  const list = document.getElementById("traces");
  document.getElementById("count").textContent = traces.length + " traces";
  list.replaceChildren();
  if (traces.length === 0) list.append($("div", "empty", "No traces yet."));
  for (const t of traces) {
    const item = $("div", "trace" + (t.error ? " error" : "") + (t.trace_id === selected ? " active" : ""));
    item.dataset.traceId = t.trace_id;
    item.append($("div", "name", t.name), $("div", "meta", t.run_count + " runs · " + (t.project || "default") + " · " + (t.start_time || "")));
    item.onclick = () => { selected = t.trace_id; history.replaceState(null, "", "/traces/" + t.trace_id); loadTraces(); loadTrace(t.trace_id); };
    list.append(item);
  }
}

function section(parent, key, value) {
  if (value === undefined || value === null || value === "" || (typeof value === "object" && Object.keys(value).length === 0)) return;
  parent.append($("div", "k", key), $("pre", "", typeof value === "string" ? value : JSON.stringify(value, null, 2)));
}

async function loadTrace(id) {
  const res = await fetch("/api/traces/" + id);
  const detail = document.getElementById("detail");
  if (!res.ok) { detail.replaceChildren($("div", "empty", "Trace not found.")); return; }
  const { runs } = await res.json();
  const byId = new Map(runs.map((r) => [r.id, r]));
  const depth = (r) => { let d = 0, p = r.parent_run_id; while (p && byId.has(p) && d < 100) { d++; p = byId.get(p).parent_run_id; } return d; };
  const starts = runs.map((r) => ms(r.start_time)).filter(Number.isFinite);
  const ends = runs.map((r) => ms(r.end_time)).filter(Number.isFinite);
  const t0 = Math.min(...starts), t1 = Math.max(...ends, ...starts);
  const span = Math.max(t1 - t0, 0.001);
  const root = runs.find((r) => !r.parent_run_id || !byId.has(r.parent_run_id)) || runs[0];
  detail.replaceChildren($("h1", "", (root ? text(root.name, "(unnamed)") : "trace") + " — " + runs.length + " runs, " + fmt(t1 - t0)));
  const tree = $("div", "tree");
  tree.id = "tree";
  for (const r of runs) {
    const row = $("div", "row" + (r.error ? " error" : ""));
    row.dataset.runId = r.id;
    const label = $("div", "label");
    label.style.paddingLeft = depth(r) * 18 + "px";
    label.append($("span", "", text(r.name) || "(unnamed)"), $("span", "type", text(r.run_type)));
    const track = $("div", "track"), bar = $("div", "bar");
    const s = ms(r.start_time), e = Number.isFinite(ms(r.end_time)) ? ms(r.end_time) : t1;
    bar.style.left = ((s - t0) / span) * 100 + "%";
    bar.style.width = ((e - s) / span) * 100 + "%";
    track.append(bar);
    row.append(label, track, $("div", "dur", fmt(ms(r.end_time) - s)));
    const info = $("details", "run");
    info.append($("summary", "", text(r.name, "(unnamed)") + " · " + r.id));
    section(info, "inputs", r.inputs);
    section(info, "outputs", r.outputs);
    section(info, "error", r.error);
    section(info, "metadata", r.extra && r.extra.metadata);
    if (Array.isArray(r.tags) && r.tags.length) { info.append($("div", "k", "tags")); const p = $("div"); for (const t of r.tags) p.append($("span", "tag", text(t))); info.append(p); }
    info.hidden = true;
    row.onclick = () => { info.hidden = !info.hidden; info.open = !info.hidden; };
    tree.append(row, info);
  }
  detail.append(tree);
}

loadTraces().then(() => { if (selected) loadTrace(selected); });
setInterval(loadTraces, 3000);
</script>
</body>
</html>
`;
