/** The report's stylesheet, inlined into the page (no network at view time). */
export const REPORT_CSS = `
:root { --fg:#1d2330; --dim:#6b7385; --bg:#f6f7f9; --card:#fff; --line:#dfe3ea; --ok:#1f9d55; --bad:#d64545;
  --warn:#c98a00; --ref:#3a6ea5; --accent:#5b4bd6; font-family: system-ui, -apple-system, "Segoe UI", sans-serif; }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--fg); font-size:14px; }
header { padding:16px 24px; background:#1d2330; color:#fff; }
header h1 { margin:0; font-size:20px; }
header p { margin:4px 0 0; color:#b9c0cf; font-size:12px; }
main { display:grid; grid-template-columns: minmax(0, 1.6fr) minmax(360px, 1fr); align-items:start; gap:16px; padding:16px 24px; }
section.card { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:12px 16px; min-width:0; }
section.card h2 { margin:0 0 8px; font-size:15px; }
.wide { grid-column: 1 / -1; }
.column { display:flex; flex-direction:column; gap:16px; min-width:0; }
.charts { display:grid; grid-template-columns: repeat(auto-fit, minmax(300px, 1fr)); gap:16px; }
#detail { position:sticky; top:52px; max-height:calc(100vh - 64px); overflow:auto; }
.numbers { display:flex; flex-wrap:wrap; gap:8px 24px; }
.numbers div { min-width:120px; }
.numbers b { display:block; font-size:18px; }
.numbers span { color:var(--dim); font-size:12px; }
.scroll { overflow:auto; max-height:520px; }
svg text { font-size:11px; fill:var(--fg); }
.node { cursor:pointer; }
.node circle { stroke:#fff; stroke-width:2; }
.node.selected circle { stroke:var(--accent); stroke-width:4; }
.node:focus { outline:none; }
.node:focus circle { stroke:var(--accent); }
.edge { stroke:#b8c0cf; stroke-width:1.5; fill:none; }
.edge.retry { stroke:#e08a2c; stroke-dasharray:1.5 3; stroke-linecap:round; stroke-width:2; }
.edge.directed { stroke:#8e44ad; stroke-dasharray:5 3; }
.edge.evolved { stroke:#14867d; stroke-width:3; }
.edge.dim, .node.dim { opacity:0.35; }
.node.out { opacity:0.12; }
.fold .fold-ring { fill:none; stroke:#1d2330; stroke-width:1.5; }
.fold text.fold-count { fill:#fff; font-weight:600; }
.node.selected .fold-ring { stroke:var(--accent); }
/* The graph pans and zooms inside its card: it never runs out of it, under the details panel. */
.graph-box { height:560px; border:1px solid var(--line); border-radius:6px; overflow:hidden; background:#fbfcfd; }
svg.graph { width:100%; height:100%; display:block; cursor:grab; touch-action:none; }
.graph-controls { margin:4px 0 6px; display:flex; gap:6px; align-items:center; }
.graph-controls span { color:var(--dim); font-size:12px; margin-right:auto; }
button { font:inherit; font-size:12px; padding:2px 10px; border:1px solid var(--line); border-radius:6px; background:#fff; cursor:pointer; }
.filters { position:sticky; top:0; z-index:2; display:flex; flex-wrap:wrap; gap:6px 14px; align-items:center; padding:8px 24px;
  background:#eef0f5; border-bottom:1px solid var(--line); font-size:12px; }
.filters select { font:inherit; max-width:220px; }
#filter-count { color:var(--dim); }
.legend.edges i.e { width:22px; height:0; border-radius:0; border-top:2px solid #b8c0cf; }
.legend.edges i.retry { border-top:2px dotted #e08a2c; }
.legend.edges i.directed { border-top:2px dashed #8e44ad; }
.legend.edges i.evolved { border-top:3px solid #14867d; }
.legend b.fold-key { display:inline-block; width:22px; height:10px; border-radius:5px; margin-right:4px; vertical-align:middle;
  background:linear-gradient(90deg, #1f9d55 40%, #d64545 40%); }
tr.pick { cursor:pointer; }
tr.pick:hover { background:#f3f4f7; }
.meter { display:inline-block; width:60px; height:8px; background:#f1d4d4; border-radius:4px; overflow:hidden; vertical-align:middle; }
.meter i { display:block; height:100%; background:var(--ok); }
.note { color:var(--dim); font-size:12px; margin:0 0 6px; }
@media (max-width: 900px) { main { grid-template-columns: minmax(0, 1fr); } #detail { position:static; max-height:none; } }
.legend span { display:inline-block; margin-right:12px; font-size:12px; color:var(--dim); }
.legend i { display:inline-block; width:10px; height:10px; border-radius:50%; margin-right:4px; vertical-align:middle; }
table { border-collapse:collapse; width:100%; }
th, td { text-align:left; padding:3px 8px 3px 0; border-bottom:1px solid var(--line); vertical-align:top; }
th { color:var(--dim); font-weight:500; white-space:nowrap; }
td.num { text-align:right; font-variant-numeric: tabular-nums; }
td code { word-break: break-all; }
section.card { align-self: start; }
.column > section.card { align-self: stretch; }
code, pre { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size:12px; }
pre { background:#f3f4f7; border:1px solid var(--line); border-radius:6px; padding:8px; overflow:auto; max-height:360px;
  white-space:pre; margin:6px 0; }
.badge { display:inline-block; padding:1px 8px; border-radius:10px; color:#fff; font-size:12px; }
.b-promoted, .b-viable, .b-pass { background:var(--ok); }
.b-failed, .b-timeout, .b-fail, .b-non-viable { background:var(--bad); }
.b-reference { background:var(--ref); }
.b-in_progress, .b-tested, .b-skip { background:var(--warn); }
.add { color:#116b34; background:#e6f6ec; display:block; }
.del { color:#9b1c1c; background:#fbeaea; display:block; }
.hunk { color:#5b4bd6; display:block; }
.empty { color:var(--dim); font-style:italic; }
#detail h3 { margin:14px 0 6px; font-size:13px; }
.evolve-split { display:grid; grid-template-columns:minmax(0, 1.3fr) minmax(0, 1fr); gap:20px; align-items:start; }
@media (max-width: 1100px) { .evolve-split { grid-template-columns:minmax(0, 1fr); } }
#evolve-grid { width:auto; border-collapse:separate; border-spacing:3px; }
#evolve-grid caption { caption-side:top; text-align:left; color:var(--dim); font-size:12px; padding-bottom:4px; }
#evolve-grid th.axis { color:var(--dim); font-size:12px; border:none; text-align:center; }
#evolve-grid th.quarter { text-align:right; white-space:nowrap; }
#evolve-grid td.cell { min-width:120px; border:1px solid var(--line); border-radius:6px; padding:4px 6px; font-size:12px; }
#evolve-grid td.empty { background:repeating-linear-gradient(135deg, #fafbfc 0 6px, #f1f3f6 6px 12px); color:var(--dim); font-style:italic; }
#evolve-grid td.occupied { background:#eef6f1; cursor:pointer; }
#evolve-grid td.head { border:2px solid var(--ok); }
#evolve-grid td.picked, #evolve-versions tr.picked { outline:2px solid var(--accent); }
#evolve-grid td.dim, #evolve-versions tr.dim { opacity:0.35; }
.cell-version { display:block; font-weight:600; white-space:nowrap; }
.cell-line { display:block; white-space:nowrap; }
.dimtext { color:var(--dim); font-size:12px; }
ol.ancestry, ul.tried { padding-left:20px; margin:4px 0; }
ol.ancestry > li { margin-bottom:8px; }
.step { padding:2px 0; overflow-wrap:anywhere; }
.step .why { font-weight:500; }
.step .changes { font-style:italic; }
.step .extra { font-family:ui-monospace, monospace; font-size:11px; color:var(--dim); }
#evolve-versions .badge, .step .badge { white-space:nowrap; }
.b-v-seed { background:var(--ref); }
.b-v-promoted { background:var(--ok); }
.b-v-kept { background:#14867d; }
.b-v-dropped { background:var(--warn); }
.b-v-demoted { background:#b5651d; }
.b-v-rejected { background:var(--bad); }
.b-v-open { background:#8a91a3; }
`;
