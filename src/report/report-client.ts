/**
 * The report page's script, inlined into the page. It reads the embedded JSON and builds every element with
 * createElement/createElementNS and textContent: record content is untrusted LLM output, so nothing from the data is
 * ever parsed as HTML. (Plain ES2017, no template literals: this file embeds it in one.)
 */
export const REPORT_CLIENT_JS = String.raw`
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('cambrian-data').textContent);
  var SVG = 'http://www.w3.org/2000/svg';
  var COLORS = { promoted: '#1f9d55', failed: '#d64545', timeout: '#d64545', reference: '#3a6ea5',
    in_progress: '#c98a00', tested: '#c98a00' };
  var byGen = {};
  data.generations.forEach(function (g) { byGen[g.generation] = g; });

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

  // Lineage graph: one circle per generation, an edge to its parent.
  var selected = null;
  function drawLineage() {
    var host = document.getElementById('lineage');
    var dx = 64, dy = 74, pad = 30;
    var maxX = 0, maxY = 0, pos = {};
    data.layout.forEach(function (p) { pos[p.generation] = p; maxX = Math.max(maxX, p.x); maxY = Math.max(maxY, p.y); });
    var width = pad * 2 + maxX * dx, height = pad * 2 + maxY * dy + 16;
    var root = svg('svg', { width: Math.max(width, 200), height: height, role: 'img', 'aria-label': 'lineage graph' });
    function at(g) { var p = pos[g]; return { x: pad + p.x * dx, y: pad + p.y * dy }; }
    data.generations.forEach(function (g) {
      if (g.parent === null || !pos[g.parent]) return;
      var a = at(g.parent), b = at(g.generation);
      var mid = (a.y + b.y) / 2;
      // A directed change (program.md, reviewer) is drawn dashed; reproduction from the genome solid.
      root.appendChild(svg('path', { 'class': g.directed ? 'edge directed' : 'edge', d: 'M' + a.x + ',' + a.y + ' C' + a.x + ',' + mid + ' ' + b.x + ',' + mid + ' ' + b.x + ',' + b.y }));
    });
    data.generations.forEach(function (g) {
      var p = at(g.generation);
      var group = svg('g', { 'class': 'node', 'data-generation': g.generation, tabindex: 0, role: 'button',
        transform: 'translate(' + p.x + ',' + p.y + ')' });
      group.appendChild(svg('title', null, 'gen-' + g.generation + ' ' + g.outcome + (g.spec ? ' ' + g.spec.id + '@' + g.spec.version : '')));
      group.appendChild(svg('circle', { r: 13, fill: COLORS[g.outcome] || '#888' }));
      group.appendChild(svg('text', { y: 28, 'text-anchor': 'middle' }, 'gen-' + g.generation));
      group.addEventListener('click', function () { select(g.generation); });
      group.addEventListener('keydown', function (e) { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); select(g.generation); } });
      root.appendChild(group);
    });
    host.appendChild(root);
  }

  function select(generation) {
    var g = byGen[generation];
    if (!g) return;
    if (selected !== null) {
      var old = document.querySelector('.node[data-generation="' + selected + '"]');
      if (old) old.setAttribute('class', 'node');
    }
    selected = generation;
    var now = document.querySelector('.node[data-generation="' + generation + '"]');
    if (now) now.setAttribute('class', 'node selected');
    renderDetail(g);
  }

  function renderDetail(g) {
    var host = document.getElementById('detail');
    host.replaceChildren();
    var head = el('h2', { id: 'detail-title' }, 'gen-' + g.generation + ' ');
    head.appendChild(badge(g.outcome, g.outcome));
    host.appendChild(head);
    var facts = el('table', { id: 'detail-facts' });
    row(facts, 'parent', g.parent === null ? '—' : 'gen-' + g.parent);
    if (g.directed) {
      var d = g.directed;
      row(facts, 'directed change', d.program.title + ' (attempt ' + (d.attempt + 1) + ')');
      row(facts, 'refused at', d.failure_stage || (g.outcome === 'promoted' ? '—' : (g.failureStage || 'the rig')));
      row(facts, 'review', d.review === null ? 'none (not reached)' : (d.review.approved ? 'approved' : 'rejected') +
        ', ' + d.review.confidence + ' confidence' + (d.review.malformed ? ', malformed answer' : '') + ': ' + d.review.summary);
      if (d.review && d.review.issues.length > 0) row(facts, 'reviewer issues', d.review.issues.join(' / '));
      if (d.diagnostics.length > 0) row(facts, 'diagnostics', d.diagnostics.join(' / '));
      row(facts, 'cost per role', 'change ' + d.usage.change.exchanges + ' req ' + (d.usage.change.costUsd === null ? '?' : '$' + d.usage.change.costUsd.toFixed(4)) +
        ', review ' + d.usage.review.exchanges + ' req ' + (d.usage.review.costUsd === null ? '?' : '$' + d.usage.review.costUsd.toFixed(4)));
      if (d.programText !== null) row(facts, 'program.md', el('pre', { 'class': 'program' }, d.programText));
    }
    row(facts, 'spec version', g.spec ? g.spec.id + '@' + g.spec.version : 'the reference Prime\'s own spec');
    row(facts, 'spec hash', g.spec ? el('code', null, g.spec.hash) : '—');
    row(facts, 'model', g.model);
    row(facts, 'tokens', g.tokens ? fmtInt(g.tokens.input) + ' in, ' + fmtInt(g.tokens.output) + ' out, ' +
      fmtInt(g.tokens.cacheRead) + ' cache read, ' + fmtInt(g.tokens.cacheWrite) + ' cache write' : '—');
    row(facts, 'cost', g.outcome === 'reference' ? '—' : fmtCost(g.costUsd));
    row(facts, 'rig result', g.rigResult);
    row(facts, 'campaign', g.campaign);
    row(facts, 'run', g.run);
    row(facts, 'created', g.created);
    if (g.reason) row(facts, 'reason', g.reason);
    host.appendChild(facts);

    host.appendChild(el('h3', null, 'rig stages'));
    if (g.stages.length === 0) host.appendChild(el('p', { 'class': 'empty' }, 'no verdict recorded'));
    else {
      var stages = el('table', { id: 'detail-stages' });
      var hr = el('tr');
      ['stage', 'result', 'duration', 'tests'].forEach(function (h) { hr.appendChild(el('th', null, h)); });
      stages.appendChild(hr);
      g.stages.forEach(function (s) {
        var tr = el('tr', { 'data-stage': s.name });
        tr.appendChild(el('td', null, s.name));
        var td = el('td');
        td.appendChild(s.skipped ? badge('skip', 'skipped') : s.passed ? badge('pass', 'passed') : badge('fail', 'failed'));
        tr.appendChild(td);
        tr.appendChild(el('td', { 'class': 'num' }, s.durationMs + ' ms'));
        tr.appendChild(el('td', { 'class': 'num' }, s.testsRun === null ? '' : s.testsPassed + '/' + s.testsRun));
        stages.appendChild(tr);
      });
      host.appendChild(stages);
    }

    if (g.diagnostics) {
      var d = g.diagnostics;
      host.appendChild(el('h3', null, 'diagnostics (' + d.stage + ', exit ' + (d.exitCode === null ? '—' : d.exitCode) + ')'));
      host.appendChild(el('p', { id: 'detail-summary' }, d.summary));
      if (d.failures.length > 0) {
        var ft = el('table', { id: 'detail-failures' });
        d.failures.forEach(function (f) {
          var tr = el('tr');
          tr.appendChild(el('td', null, f.test));
          tr.appendChild(el('td', null, f.error));
          tr.appendChild(el('td', null, f.file === null ? '' : f.file + (f.line === null ? '' : ':' + f.line)));
          ft.appendChild(tr);
        });
        host.appendChild(ft);
      }
      if (d.stdoutTail) { host.appendChild(el('h3', null, 'stdout (tail)')); host.appendChild(el('pre', null, d.stdoutTail)); }
      if (d.stderrTail) { host.appendChild(el('h3', null, 'stderr (tail)')); host.appendChild(el('pre', null, d.stderrTail)); }
    }

    host.appendChild(el('h3', null, 'files (' + g.files.length + ')'));
    var files = el('pre', { id: 'detail-files' });
    files.textContent = g.files.map(function (f) { return f.path + '  ' + f.bytes + ' B'; }).join('\n') || '(artifact folder missing)';
    host.appendChild(files);

    host.appendChild(el('h3', null, g.diff ? 'diff against gen-' + g.diff.from + ' (+' + g.diff.additions + ' −' + g.diff.deletions + ')' : 'diff against parent'));
    var diff = el('div', { id: 'detail-diff' });
    if (!g.diff) diff.appendChild(el('p', { 'class': 'empty' }, g.diffError || 'no parent'));
    else {
      var list = el('table');
      g.diff.files.forEach(function (f) {
        var tr = el('tr');
        tr.appendChild(el('td', null, f.status));
        tr.appendChild(el('td', null, f.oldPath ? f.oldPath + ' → ' + f.path : f.path));
        tr.appendChild(el('td', { 'class': 'num' }, '+' + f.additions + ' −' + f.deletions));
        list.appendChild(tr);
      });
      if (g.diff.files.length === 0) diff.appendChild(el('p', { 'class': 'empty' }, 'identical to its parent'));
      diff.appendChild(list);
      var pre = el('pre', { 'class': 'patch' });
      g.diff.patch.split('\n').forEach(function (line) {
        var cls = line.indexOf('+++') === 0 || line.indexOf('---') === 0 ? 'hunk' : line[0] === '+' ? 'add' : line[0] === '-' ? 'del' : line.indexOf('@@') === 0 ? 'hunk' : null;
        var span = el('span', cls ? { 'class': cls } : null, line);
        pre.appendChild(span);
        if (!cls) pre.appendChild(document.createTextNode('\n'));
      });
      if (g.diff.truncated) pre.appendChild(el('span', { 'class': 'hunk' }, '… diff truncated'));
      diff.appendChild(pre);
    }
    host.appendChild(diff);
  }

  // Bar chart: one group of bars per label; series = [{name, color, values}]; stacked or side by side.
  function barChart(hostId, labels, series, options) {
    var host = document.getElementById(hostId);
    if (labels.length === 0) { host.appendChild(el('p', { 'class': 'empty' }, 'no data')); return; }
    // Fit the card when the bars stay readable (at least 10 px a slot); otherwise the card scrolls.
    var room = Math.max(0, (host.clientWidth || 0) - 58) / labels.length;
    var slotW = Math.max(options.stacked ? 10 : 10 * series.length, Math.min(options.stacked ? 30 : 22 * series.length + 14, room));
    var w = Math.max(240, labels.length * slotW + 58), h = 190, left = 48, bottom = 36, top = 10;
    var root = svg('svg', { width: w, height: h, role: 'img', 'aria-label': options.title });
    var max = options.max;
    if (max === undefined) {
      max = 0;
      labels.forEach(function (_, i) {
        if (options.stacked) max = Math.max(max, series.reduce(function (s, x) { return s + (x.values[i] || 0); }, 0));
        else series.forEach(function (x) { max = Math.max(max, x.values[i] || 0); });
      });
      if (max === 0) max = 1;
    }
    var plotH = h - top - bottom, slot = slotW;
    [0, 0.5, 1].forEach(function (f) {
      var y = top + plotH * (1 - f);
      root.appendChild(svg('line', { x1: left, x2: w - 10, y1: y, y2: y, stroke: '#e4e7ee' }));
      root.appendChild(svg('text', { x: left - 4, y: y + 4, 'text-anchor': 'end' }, options.format(max * f)));
    });
    labels.forEach(function (label, i) {
      var x0 = left + i * slot + 4, acc = 0;
      series.forEach(function (s, k) {
        var v = s.values[i] || 0, bh = plotH * v / max;
        var bw = options.stacked ? slot - 8 : (slot - 8) / series.length;
        var x = options.stacked ? x0 : x0 + k * bw;
        var y = top + plotH - bh - (options.stacked ? acc : 0);
        var rect = svg('rect', { x: x, y: y, width: Math.max(1, bw - 1), height: Math.max(0, bh), fill: s.colorOf ? s.colorOf(i) : s.color });
        rect.appendChild(svg('title', null, label + ' ' + s.name + ': ' + options.format(v)));
        root.appendChild(rect);
        if (options.stacked) acc += bh;
      });
      root.appendChild(svg('text', { x: x0 + (slot - 8) / 2, y: h - bottom + 14, 'text-anchor': 'middle' }, label));
    });
    host.appendChild(root);
    var legend = el('div', { 'class': 'legend' });
    series.forEach(function (s) {
      var item = el('span');
      var dot = el('i'); dot.style.background = s.color;
      item.appendChild(dot); item.appendChild(document.createTextNode(s.name));
      legend.appendChild(item);
    });
    host.appendChild(legend);
  }

  function charts() {
    var gens = data.generations.filter(function (g) { return g.outcome !== 'reference'; });
    var labels = gens.map(function (g) { return String(g.generation); });
    var passed = gens.map(function (g) { return g.stages.filter(function (s) { return s.passed; }).length; });
    barChart('chart-viability', labels, [{ name: 'rig stages passed (green: viable, red: not)', color: '#1f9d55',
      values: passed, colorOf: function (i) { return gens[i].rigResult === 'viable' ? '#1f9d55' : '#d64545'; } }],
      { title: 'viability across generations', stacked: true, max: 6, format: function (v) { return String(Math.round(v)); } });
    function tok(key) { return gens.map(function (g) { return g.tokens ? g.tokens[key] : 0; }); }
    barChart('chart-tokens', labels, [
      { name: 'input', color: '#3a6ea5', values: tok('input') },
      { name: 'cache read', color: '#8fb3d9', values: tok('cacheRead') },
      { name: 'cache write', color: '#c9a3e6', values: tok('cacheWrite') },
      { name: 'output', color: '#5b4bd6', values: tok('output') }
    ], { title: 'tokens across generations', stacked: true, format: function (v) { return v >= 1000 ? (v / 1000).toFixed(1) + 'k' : String(Math.round(v)); } });
    var camps = data.campaigns;
    var clabels = camps.map(function (c, i) { return 'C' + (i + 1); });
    barChart('chart-campaigns', clabels, [
      { name: 'viability rate', color: '#1f9d55', values: camps.map(function (c) { return c.summary.viabilityRate || 0; }) },
      { name: 'first-try rate', color: '#8fd1a8', values: camps.map(function (c) { return c.summary.firstTry.rate || 0; }) }
    ], { title: 'viability across campaigns', stacked: false, max: 1, format: function (v) { return Math.round(v * 100) + '%'; } });
    barChart('chart-campaign-tokens', clabels, [
      { name: 'tokens', color: '#5b4bd6', values: camps.map(function (c) { return totalTokens(c.summary.tokens); }) }
    ], { title: 'tokens across campaigns', stacked: true, format: function (v) { return v >= 1000 ? (v / 1000).toFixed(1) + 'k' : String(Math.round(v)); } });
    var table = document.getElementById('campaign-table');
    if (camps.length === 0) table.appendChild(el('p', { 'class': 'empty' }, 'no campaigns in this lineage'));
    else {
      var t = el('table');
      var hr = el('tr');
      ['', 'campaign', 'spec', 'status', 'attempts', 'viability', 'first try', 'tokens', 'cost'].forEach(function (h) { hr.appendChild(el('th', null, h)); });
      t.appendChild(hr);
      camps.forEach(function (c, i) {
        var tr = el('tr');
        [clabels[i], c.id, c.spec, c.status, c.summary.attempts + '/' + c.length, fmtPct(c.summary.viabilityRate),
          fmtPct(c.summary.firstTry.rate), fmtInt(totalTokens(c.summary.tokens)), fmtCost(c.summary.costUsd)]
          .forEach(function (v) { tr.appendChild(el('td', null, v)); });
        t.appendChild(tr);
      });
      table.appendChild(t);
    }
  }

  numbers(document.getElementById('numbers'), data.summary);
  drawLineage();
  charts();
  var latest = data.generations[data.generations.length - 1];
  if (latest) select(latest.generation);
})();
`;
