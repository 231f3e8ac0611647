/**
 * The charts and the campaign table (part of the page script, see report-client.ts). Every chart counts the
 * generations the filter keeps (`drawCharts(shown)`); each chart's svg carries `data-count`, what it counted. Axis
 * labels are thinned to every n-th slot so that no two of them overlap, however many bars there are.
 */
export const CLIENT_CHARTS_JS = String.raw`
  var CHAR_W = 6.6;
  // Bar chart: one group of bars per label; series = [{name, color, values}]; stacked or side by side.
  function barChart(hostId, labels, series, options) {
    var host = document.getElementById(hostId);
    host.replaceChildren();
    if (labels.length === 0) { host.appendChild(el('p', { 'class': 'empty' }, 'nothing in the filter')); return; }
    // Fit the card when the bars stay readable (at least 10 px a slot); otherwise the card scrolls.
    var room = Math.max(0, (host.clientWidth || 0) - 58) / labels.length;
    var slot = Math.max(options.stacked ? 10 : 10 * series.length, Math.min(options.stacked ? 30 : 22 * series.length + 14, room));
    var w = Math.max(240, labels.length * slot + 58), h = 190, left = 48, bottom = 36, top = 10;
    var root = svg('svg', { width: w, height: h, role: 'img', 'aria-label': options.title, 'data-count': options.count });
    var max = options.max;
    if (max === undefined) {
      max = 0;
      labels.forEach(function (_, i) {
        if (options.stacked) max = Math.max(max, series.reduce(function (s, x) { return s + (x.values[i] || 0); }, 0));
        else series.forEach(function (x) { max = Math.max(max, x.values[i] || 0); });
      });
      if (max === 0) max = 1;
    }
    var plotH = h - top - bottom;
    [0, 0.5, 1].forEach(function (f) {
      var y = top + plotH * (1 - f);
      root.appendChild(svg('line', { x1: left, x2: w - 10, y1: y, y2: y, stroke: '#e4e7ee' }));
      root.appendChild(svg('text', { 'class': 'axis', x: left - 4, y: y + 4, 'text-anchor': 'end' }, options.format(max * f)));
    });
    // Every step-th label: the widest label plus a gap must fit in step slots.
    var widest = labels.reduce(function (m, l) { return Math.max(m, l.length); }, 0) * CHAR_W + 8;
    var step = Math.max(1, Math.ceil(widest / slot));
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
      // Anchored at the bar's left edge: a centred label wider than its slot would reach into the y-axis labels.
      if (i % step === 0) root.appendChild(svg('text', { 'class': 'axis', x: x0, y: h - bottom + 14 }, label));
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

  // Counts over a list of generations grouped by key: judged, viable, first-try judged and viable.
  function tally(gens, keyOf) {
    var out = {}, order = [];
    gens.forEach(function (g) {
      var k = keyOf(g);
      if (k === null || k === undefined) return;
      if (!out[k]) { out[k] = { judged: 0, viable: 0, first: 0, firstViable: 0, tokens: 0, n: 0 }; order.push(k); }
      var t = out[k];
      t.n++; t.tokens += totalTokens(g.tokens);
      if (g.rigResult === null) return;
      t.judged++;
      if (g.rigResult === 'viable') t.viable++;
      if (g.role === 'generation') { t.first++; if (g.rigResult === 'viable') t.firstViable++; }
    });
    return { keys: order, of: out };
  }
  function rate(a, b) { return b === 0 ? 0 : a / b; }
  var pct = function (v) { return Math.round(v * 100) + '%'; };

  function drawCharts(shown) {
    var gens = shown.filter(function (g) { return g.outcome !== 'reference'; });
    var labels = gens.map(function (g) { return String(g.generation); });
    var passed = gens.map(function (g) { return g.stages.filter(function (s) { return s.passed; }).length; });
    barChart('chart-viability', labels, [{ name: 'rig stages passed (green: viable, red: not)', color: '#1f9d55',
      values: passed, colorOf: function (i) { return gens[i].rigResult === 'viable' ? '#1f9d55' : '#d64545'; } }],
      { title: 'viability across generations', stacked: true, max: 6, count: gens.length, format: function (v) { return String(Math.round(v)); } });
    function tok(key) { return gens.map(function (g) { return g.tokens ? g.tokens[key] : 0; }); }
    barChart('chart-tokens', labels, [
      { name: 'input', color: '#3a6ea5', values: tok('input') },
      { name: 'cache read', color: '#8fb3d9', values: tok('cacheRead') },
      { name: 'cache write', color: '#c9a3e6', values: tok('cacheWrite') },
      { name: 'output', color: '#5b4bd6', values: tok('output') }
    ], { title: 'tokens across generations', stacked: true, count: gens.length, format: fmtK });

    var camps = tally(gens, function (g) { return g.campaign; });
    var clabels = camps.keys.map(function (c) { return campaignLabel[c] || c; });
    barChart('chart-campaigns', clabels, [
      { name: 'viable / judged', color: '#1f9d55', values: camps.keys.map(function (c) { return rate(camps.of[c].viable, camps.of[c].judged); }) },
      { name: 'first try', color: '#8fd1a8', values: camps.keys.map(function (c) { return rate(camps.of[c].firstViable, camps.of[c].first); }) }
    ], { title: 'viability across campaigns', stacked: false, max: 1, count: camps.keys.length, format: pct });
    barChart('chart-campaign-tokens', clabels, [
      { name: 'tokens', color: '#5b4bd6', values: camps.keys.map(function (c) { return camps.of[c].tokens; }) }
    ], { title: 'tokens across campaigns', stacked: true, count: camps.keys.length, format: fmtK });

    var specs = tally(gens, specOf);
    specs.keys.sort(function (a, b) { return a.localeCompare(b, 'en', { numeric: true }); });
    barChart('chart-specs', specs.keys.map(function (k) { return k.slice(k.lastIndexOf('@') + 1); }), [
      { name: 'viable / judged', color: '#1f9d55', values: specs.keys.map(function (k) { return rate(specs.of[k].viable, specs.of[k].judged); }) },
      { name: 'first try', color: '#8fd1a8', values: specs.keys.map(function (k) { return rate(specs.of[k].firstViable, specs.of[k].first); }) }
    ], { title: 'viability by spec version', stacked: false, max: 1, count: specs.keys.length, format: pct });

    var STAGES = ['manifest', 'build', 'test', 'start', 'health', 'timeout', 'crash', 'guard', 'review'];
    var stages = tally(gens, failureOf);
    var skeys = STAGES.filter(function (s) { return stages.of[s]; }).concat(stages.keys.filter(function (s) { return STAGES.indexOf(s) < 0; }));
    barChart('chart-stages', skeys, [
      { name: 'generations that stopped there', color: '#d64545', values: skeys.map(function (s) { return stages.of[s].n; }) }
    ], { title: 'where generations fail', stacked: true, count: skeys.reduce(function (s, k) { return s + stages.of[k].n; }, 0),
      format: function (v) { return String(Math.round(v)); } });
  }

  function drawCampaignTable() {
    var camps = data.campaigns;
    var table = document.getElementById('campaign-table');
    if (camps.length === 0) { table.appendChild(el('p', { 'class': 'empty' }, 'no campaigns in this lineage')); return; }
    var t = el('table');
    var hr = el('tr');
    ['', 'campaign', 'spec', 'status', 'attempts', 'viability', 'first try', 'tokens', 'cost'].forEach(function (h) { hr.appendChild(el('th', null, h)); });
    t.appendChild(hr);
    camps.forEach(function (c) {
      var tr = el('tr', { 'class': 'pick', 'data-campaign': c.id, title: 'show only this campaign' });
      [campaignLabel[c.id], c.id, c.spec, c.status, c.summary.attempts + '/' + c.length, fmtPct(c.summary.viabilityRate),
        fmtPct(c.summary.firstTry.rate), fmtInt(totalTokens(c.summary.tokens)), fmtCost(c.summary.costUsd)]
        .forEach(function (v) { tr.appendChild(el('td', null, v)); });
      tr.addEventListener('click', function () { setFilter('campaign', c.id); });
      t.appendChild(tr);
    });
    table.appendChild(t);
  }
`;
