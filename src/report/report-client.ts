import { CLIENT_CHARTS_JS } from './client-charts.js';
import { CLIENT_DETAIL_JS } from './client-detail.js';
import { CLIENT_EVOLVE_JS } from './client-evolve.js';
import { CLIENT_FILTERS_JS } from './client-filters.js';
import { CLIENT_LINEAGE_GRAPH_JS } from './client-lineage-graph.js';
import { CLIENT_SPEC_VERSIONS_JS } from './client-spec-versions.js';

/**
 * The report page's script, inlined into the page. It reads the embedded JSON and builds every element with
 * createElement/createElementNS and textContent: record content is untrusted LLM output, so nothing from the data is
 * ever parsed as HTML. (Plain ES2017, no template literals: these files embed it in them.) The parts share this
 * closure: `data`, the helpers below, and `refresh()`, which redraws what the filter changes.
 */
const CLIENT_BASE_JS = String.raw`
  var data = JSON.parse(document.getElementById('cambrian-data').textContent);
  var SVG = 'http://www.w3.org/2000/svg';
  var COLORS = { promoted: '#1f9d55', failed: '#d64545', timeout: '#d64545', reference: '#3a6ea5',
    in_progress: '#c98a00', tested: '#c98a00' };
  var byGen = {};
  data.generations.forEach(function (g) { byGen[g.generation] = g; });
  // Campaigns are named C1, C2, … on the charts and in the graph, in the order the lineage lists them.
  var campaignLabel = {};
  data.campaigns.forEach(function (c, i) { campaignLabel[c.id] = 'C' + (i + 1); });

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    if (attrs) Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function svg(tag, attrs, text) {
    var node = document.createElementNS(SVG, tag);
    if (attrs) Object.keys(attrs).forEach(function (k) { node.setAttribute(k, String(attrs[k])); });
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function fmtInt(n) { return n === null || n === undefined ? '—' : Number(n).toLocaleString('en-US'); }
  function fmtPct(x) { return x === null || x === undefined ? '—' : Math.round(x * 100) + '%'; }
  function fmtCost(x) { return x === null || x === undefined ? 'unknown' : '$' + x.toFixed(4); }
  function fmtMs(ms) { return ms === null || ms === undefined ? '—' : (ms / 1000).toFixed(1) + ' s'; }
  function fmtK(v) { return v >= 1000 ? (v / 1000).toFixed(1) + 'k' : String(Math.round(v)); }
  function totalTokens(t) { return t ? t.input + t.output + t.cacheRead + t.cacheWrite : 0; }
  function badge(kind, text) { return el('span', { 'class': 'badge b-' + kind }, text); }
  function row(table, label, value) {
    var tr = el('tr');
    tr.appendChild(el('th', null, label));
    var td = el('td');
    if (value instanceof Node) td.appendChild(value); else td.textContent = value === null || value === undefined ? '—' : String(value);
    tr.appendChild(td);
    table.appendChild(tr);
  }
  // A unified diff as lines of text, coloured by their first character.
  function patchBlock(text, truncated) {
    var pre = el('pre', { 'class': 'patch' });
    text.split('\n').forEach(function (line) {
      var cls = line.indexOf('+++') === 0 || line.indexOf('---') === 0 ? 'hunk' : line[0] === '+' ? 'add' : line[0] === '-' ? 'del' : line.indexOf('@@') === 0 ? 'hunk' : null;
      pre.appendChild(el('span', cls ? { 'class': cls } : null, line));
      if (!cls) pre.appendChild(document.createTextNode('\n'));
    });
    if (truncated) pre.appendChild(el('span', { 'class': 'hunk' }, '… diff truncated'));
    return pre;
  }

  function numbers(target, s) {
    var items = [
      [s.attempts, 'attempts'], [fmtPct(s.viabilityRate), 'viability'], [fmtPct(s.firstTry.rate), 'first try'],
      [s.informedRetries.count + ' / ' + s.informedRetries.succeeded, 'informed retries / succeeded'],
      [fmtInt(totalTokens(s.tokens)), 'tokens'], [fmtCost(s.costUsd), 'cost'], [fmtMs(s.wallMs), 'wall time'],
      [s.parseRepairs === null ? '—' : s.parseRepairs, 'parse repairs']
    ];
    items.forEach(function (item) {
      var d = el('div');
      d.appendChild(el('b', null, item[0]));
      d.appendChild(el('span', null, item[1]));
      target.appendChild(d);
    });
  }
`;

export const REPORT_CLIENT_JS = `
(function () {
  'use strict';
${CLIENT_BASE_JS}
${CLIENT_FILTERS_JS}
${CLIENT_LINEAGE_GRAPH_JS}
${CLIENT_DETAIL_JS}
${CLIENT_CHARTS_JS}
${CLIENT_SPEC_VERSIONS_JS}
${CLIENT_EVOLVE_JS}
  function refresh() {
    var shown = data.generations.filter(matchesFilter);
    describeFilter(shown);
    markGraph();
    drawCharts(shown);
    markEvolve();
  }
  numbers(document.getElementById('numbers'), data.summary);
  buildFilters();
  drawSpecVersions();
  drawEvolve();
  drawCampaignTable();
  var latest = data.generations[data.generations.length - 1];
  drawLineage(latest ? latest.generation : null);
  refresh();
  if (latest) select(latest.generation);
})();
`;
