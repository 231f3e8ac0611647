import type { ReportData } from './build-report-data.js';
import { REPORT_CLIENT_JS } from './report-client.js';
import { REPORT_CSS } from './report-style.js';

/** Text for an HTML text node or attribute value. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/**
 * JSON that is safe inside `<script type="application/json">`: no `<` can close the element or open a comment, and
 * U+2028/2029 are escaped for older parsers.
 */
export function embedJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/**
 * One self-contained page: inline CSS, inline script, the data as embedded JSON. The Content-Security-Policy forbids
 * every network request, so the page works offline and injected markup could not load anything even if it got in.
 */
export function renderReportHtml(data: ReportData): string {
  const title = `cambrian lineage report: ${data.generations.length - 1} generations`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${REPORT_CSS}</style>
</head>
<body>
<header>
<h1>cambrian lineage report</h1>
<p>${escapeHtml(data.generationsDir)} · generated ${escapeHtml(data.generatedAt)} · click a generation for its spec, model, tokens, rig stages, diagnostics, files and diff; a spec version for its diff</p>
</header>
<nav class="filters" id="filters" aria-label="filters"></nav>
<main>
<section class="card wide"><h2>by the numbers (whole lineage)</h2><div class="numbers" id="numbers"></div></section>
<!-- Above the columns: the sticky details panel never slides over it. -->
<section class="card wide" id="evolve-card"><h2>evolution: archive and ancestry</h2><p class="note">the MAP-Elites archive of a <code>cambrian evolve</code> run; click a cell or a version for its ancestry back to the seed, with each mutation, its verdict and why</p><div id="evolve"></div></section>
<div class="column">
<section class="card"><h2>lineage</h2>
<div class="legend"><span><i style="background:#3a6ea5"></i>reference</span><span><i style="background:#1f9d55"></i>promoted</span><span><i style="background:#d64545"></i>failed / timeout</span><span><i style="background:#c98a00"></i>undecided</span><span><b class="fold-key"></b>a campaign's siblings (click to expand)</span></div>
<div class="legend edges"><span><i class="e reproduction"></i>reproduction</span><span><i class="e retry"></i>informed retry</span><span><i class="e directed"></i>directed change</span><span><i class="e evolved"></i>evolved spec</span></div>
<div class="graph-controls" id="graph-controls"><span>drag to pan, wheel to zoom</span></div>
<div class="graph-box" id="lineage"></div></section>
<div class="charts">
<section class="card"><h2>viability across generations</h2><div class="scroll" id="chart-viability"></div></section>
<section class="card"><h2>tokens across generations</h2><div class="scroll" id="chart-tokens"></div></section>
<section class="card"><h2>viability across campaigns</h2><div class="scroll" id="chart-campaigns"></div></section>
<section class="card"><h2>tokens across campaigns</h2><div class="scroll" id="chart-campaign-tokens"></div></section>
<section class="card"><h2>viability by spec version</h2><div class="scroll" id="chart-specs"></div></section>
<section class="card"><h2>where generations fail</h2><div class="scroll" id="chart-stages"></div></section>
</div>
<section class="card"><h2>spec versions</h2><p class="note">each version under its parent; click one for its diff against the parent version</p><div class="scroll" id="spec-versions"></div></section>
<section class="card"><h2>campaigns</h2><p class="note">click a campaign to show only its generations</p><div class="scroll" id="campaign-table"></div></section>
</div>
<section class="card" id="detail" aria-live="polite"><p class="empty">click a generation</p></section>
</main>
<script type="application/json" id="cambrian-data">${embedJson(data)}</script>
<script>${REPORT_CLIENT_JS}</script>
</body>
</html>
`;
}
