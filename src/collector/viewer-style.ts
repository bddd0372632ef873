/** The trace viewer's stylesheet (served inside the page, allowed by its hash in the page's CSP). */
export const VIEWER_CSS = `
:root { --fg:#1d2330; --muted:#6b7385; --line:#e3e6ee; --accent:#3b5bdb; --err:#c92a2a; --bar:#748ffc; --soft:#f5f6fa; --guide:#d5d9e4; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.4 system-ui, sans-serif; color:var(--fg); display:grid; grid-template-columns: 360px 1fr; grid-template-rows: auto minmax(0, 1fr); height:100vh; overflow:hidden; }
#offline { grid-column:1 / -1; padding:8px 16px; background:var(--err); color:#fff; font-weight:600; }
aside { grid-row:2; border-right:1px solid var(--line); display:flex; flex-direction:column; min-height:0; }
aside > header { padding:12px 16px; border-bottom:1px solid var(--line); font-weight:600; }
aside > header small { color:var(--muted); font-weight:400; margin-left:6px; }
#filters { display:grid; grid-template-columns:minmax(0,1fr) minmax(0,1fr); gap:4px 8px; padding:8px 16px; border-bottom:1px solid var(--line); }
#filters input, #filters select { width:100%; min-width:0; font:inherit; font-size:12px; padding:3px 6px; border:1px solid var(--line); border-radius:4px; }
#filters .wide { grid-column:1 / -1; }
#filters label { font-size:11px; color:var(--muted); display:flex; flex-direction:column; gap:1px; min-width:0; }
#traces { flex:1; overflow:auto; min-height:0; }
a.trace { display:block; padding:8px 16px; border-bottom:1px solid var(--line); color:inherit; text-decoration:none; }
a.trace:hover, a.trace.active { background:#f3f5fb; }
a.trace .name { white-space:nowrap; overflow:hidden; text-overflow:ellipsis; }
a.trace .meta { color:var(--muted); font-size:12px; }
a.trace.error .name::after { content:" \\25CF"; color:var(--err); }
#pager { display:flex; align-items:center; justify-content:space-between; gap:8px; padding:8px 16px; border-top:1px solid var(--line); font-size:12px; color:var(--muted); }
button { font:inherit; font-size:12px; padding:3px 10px; border:1px solid var(--line); border-radius:4px; background:#fff; cursor:pointer; }
button:disabled { color:#b5bac6; cursor:default; }
main { grid-row:2; display:flex; flex-direction:column; min-width:0; min-height:0; }
#trace-head { padding:12px 20px 8px; border-bottom:1px solid var(--line); }
h1 { font-size:16px; margin:0; white-space:nowrap; overflow:hidden; text-overflow:ellipsis; }
#trace-meta { color:var(--muted); font-size:12px; margin-top:2px; }
#tree { flex:1 1 55%; overflow:auto; position:relative; min-height:120px; }
#tree-inner { position:relative; }
.row { position:absolute; left:0; right:0; height:24px; display:grid; grid-template-columns: minmax(300px, 50%) 1fr 84px; align-items:center; gap:8px; padding:0 12px 0 8px; cursor:pointer; border-bottom:1px solid #f1f2f6; }
.row:hover { background:#fafbfe; }
.row.selected { background:#edf2ff; }
.label { display:flex; align-items:center; white-space:nowrap; overflow:hidden; min-width:0; }
.guides { flex:none; align-self:stretch; background-image:linear-gradient(to right, var(--guide) 1px, transparent 1px); background-repeat:repeat-x; }
.toggle { flex:none; width:16px; height:16px; padding:0; border:0; background:none; color:var(--muted); font-size:10px; line-height:16px; }
.toggle.leaf { visibility:hidden; }
.run-name { overflow:hidden; text-overflow:ellipsis; min-width:40px; }
.type, .depth { color:var(--muted); font-size:11px; margin-left:6px; flex:none; }
.depth { background:var(--soft); border-radius:8px; padding:0 5px; }
.track { position:relative; height:12px; background:var(--soft); border-radius:3px; }
.bar { position:absolute; top:0; height:12px; background:var(--bar); border-radius:3px; min-width:2px; }
.row.running .bar { background:repeating-linear-gradient(45deg, var(--bar), var(--bar) 4px, #9fb0fd 4px, #9fb0fd 8px); }
.row.error .bar { background:var(--err); }
.row.error .run-name { color:var(--err); }
.dur { color:var(--muted); font-size:12px; text-align:right; }
#run { flex:1 1 45%; overflow:auto; border-top:2px solid var(--line); padding:12px 20px; min-height:0; }
#run .empty { padding:0; }
#run h2 { font-size:15px; margin:0 0 8px; }
.fields { display:grid; grid-template-columns:max-content 1fr; gap:2px 12px; font-size:12px; margin-bottom:8px; }
.fields dt { color:var(--muted); }
.fields dd { margin:0; font-family:ui-monospace, monospace; word-break:break-all; }
.k { color:var(--muted); font-size:12px; text-transform:uppercase; letter-spacing:.04em; margin-top:10px; }
pre { margin:4px 0; padding:6px 8px; background:var(--soft); border-radius:4px; white-space:pre-wrap; word-break:break-word; font-size:12px; max-height:40vh; overflow:auto; }
pre.error-text { background:#fff5f5; color:var(--err); }
.cut { font-size:12px; color:var(--muted); display:flex; gap:8px; align-items:center; }
.tag { display:inline-block; padding:1px 6px; margin-right:4px; border-radius:10px; background:#edf2ff; color:var(--accent); font-size:12px; }
table.events { border-collapse:collapse; font-size:12px; width:100%; }
table.events td { border-bottom:1px solid #f1f2f6; padding:2px 6px; vertical-align:top; font-family:ui-monospace, monospace; }
.empty { color:var(--muted); padding:16px; }
#welcome:not([hidden]) ~ * { display:none; }
#welcome { padding:24px 28px; border-bottom:1px solid var(--line); }
#welcome h2 { font-size:18px; margin:0 0 8px; }
#welcome p { color:var(--muted); margin:0 0 10px; }
#welcome code { display:block; padding:12px 14px; background:var(--soft); border-radius:6px; font-size:14px; user-select:all; }
.empty code { display:block; margin-top:8px; padding:8px; background:var(--soft); color:var(--fg); border-radius:4px; font-size:12px; user-select:all; word-break:break-all; }
`;
