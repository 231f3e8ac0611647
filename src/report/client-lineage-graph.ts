/**
 * The lineage graph (part of the page script, see report-client.ts). The siblings a campaign made from one parent
 * are folded into one pill (click to expand); edges are drawn by kind (reproduction, informed retry, directed change,
 * evolved spec); the view pans (drag) and zooms (wheel, buttons) inside its card, so it never runs under the details
 * panel; a selected generation is scrolled into view and everything unrelated to it is dimmed. A tidy layout puts
 * every node of a row at least one column apart, and labels are narrower than a column, so no two labels overlap.
 */
export const CLIENT_LINEAGE_GRAPH_JS = String.raw`
  var FOLD_MIN = 5, DX = 72, DY = 78, PAD = 36;
  var expanded = {};
  var selected = null;
  var view = null;
  var graph = { nodes: [], byKey: {}, byGen: {}, cols: 0, rows: 0 };
  var kids = {};
  data.generations.forEach(function (g) {
    if (g.parent !== null && byGen[g.parent] && g.parent !== g.generation) (kids[g.parent] = kids[g.parent] || []).push(g);
  });

  function genNode(g) { return { key: 'gen-' + g.generation, gen: g, members: [g], children: [] }; }
  // The children of a display node: its members' children, a campaign's siblings folded into one pill.
  function childrenOf(members) {
    var order = [], groups = {};
    members.forEach(function (m) {
      (kids[m.generation] || []).forEach(function (c) {
        if (c.campaign === null) { order.push({ one: c }); return; }
        if (!groups[c.campaign]) { groups[c.campaign] = []; order.push({ campaign: c.campaign }); }
        groups[c.campaign].push(c);
      });
    });
    var out = [];
    order.forEach(function (o) {
      if (o.one) { out.push(genNode(o.one)); return; }
      var list = groups[o.campaign];
      var key = 'fold-' + o.campaign + '-' + list[0].generation;
      if (list.length >= FOLD_MIN && !expanded[key]) out.push({ key: key, gen: null, campaign: o.campaign, members: list, children: [] });
      else list.forEach(function (c) { out.push(genNode(c)); });
    });
    return out;
  }
  function buildGraph() {
    var roots = data.generations.filter(function (g) { return g.parent === null || !byGen[g.parent] || g.parent === g.generation; }).map(genNode);
    var next = 0, rows = 0, nodes = [];
    function place(n, depth, parent) {
      n.parent = parent; n.y = depth; rows = Math.max(rows, depth + 1);
      nodes.push(n);
      n.children = childrenOf(n.members);
      if (n.children.length === 0) n.x = next++;
      else {
        n.children.forEach(function (c) { place(c, depth + 1, n); });
        n.x = (n.children[0].x + n.children[n.children.length - 1].x) / 2;
      }
    }
    roots.forEach(function (r) { place(r, 0, null); });
    graph = { nodes: nodes, byKey: {}, byGen: {}, cols: next, rows: rows };
    nodes.forEach(function (n) { graph.byKey[n.key] = n; n.members.forEach(function (m) { graph.byGen[m.generation] = n; }); });
  }
  function px(n) { return { x: PAD + n.x * DX, y: PAD + n.y * DY }; }
  function edgeKind(n) {
    if (n.gen) return n.gen.edge;
    return n.members.some(function (m) { return m.edge === 'evolved'; }) ? 'evolved' : 'reproduction';
  }

  function drawLineage(focus) {
    var host = document.getElementById('lineage');
    if (focus !== null && focus !== undefined) unfold(focus);
    else buildGraph();
    var root = svg('svg', { 'class': 'graph', role: 'img', 'aria-label': 'lineage graph' });
    var port = svg('g', { 'class': 'viewport' });
    root.appendChild(port);
    graph.nodes.forEach(function (n) {
      if (!n.parent) return;
      var a = px(n.parent), b = px(n), mid = (a.y + b.y) / 2;
      port.appendChild(svg('path', { 'class': 'edge ' + edgeKind(n), 'data-to': n.key,
        d: 'M' + a.x + ',' + a.y + ' C' + a.x + ',' + mid + ' ' + b.x + ',' + mid + ' ' + b.x + ',' + b.y }));
    });
    graph.nodes.forEach(function (n) { port.appendChild(n.gen ? drawGeneration(n) : drawFold(n)); });
    host.replaceChildren(root);
    panZoom(root, port);
  }
  function drawGeneration(n) {
    var g = n.gen, p = px(n);
    var group = svg('g', { 'class': 'node', 'data-generation': g.generation, tabindex: 0, role: 'button',
      transform: 'translate(' + p.x + ',' + p.y + ')' });
    group.appendChild(svg('title', null, 'gen-' + g.generation + ' ' + g.outcome + (g.spec ? ' ' + g.spec.id + '@' + g.spec.version : '') +
      (g.campaign ? ' ' + (campaignLabel[g.campaign] || '') + ' ' + g.campaign : '') + ' (' + g.edge + ')'));
    group.appendChild(svg('circle', { r: 13, fill: COLORS[g.outcome] || '#888' }));
    group.appendChild(svg('text', { 'class': 'label', y: 28, 'text-anchor': 'middle' }, 'gen-' + g.generation));
    activate(group, function () { select(g.generation); });
    return group;
  }
  function drawFold(n) {
    var p = px(n), w = 54, viable = n.members.filter(function (m) { return m.rigResult === 'viable'; }).length;
    var group = svg('g', { 'class': 'node fold', 'data-fold': n.key, 'data-campaign': n.campaign, tabindex: 0, role: 'button',
      transform: 'translate(' + p.x + ',' + p.y + ')' });
    group.appendChild(svg('title', null, (campaignLabel[n.campaign] || '') + ' ' + n.campaign + ': ' + n.members.length +
      ' generations, ' + viable + ' viable (click to expand)'));
    group.appendChild(svg('rect', { x: -w / 2, y: -12, width: w, height: 24, rx: 12, fill: '#d64545' }));
    group.appendChild(svg('rect', { x: -w / 2, y: -12, width: w * viable / n.members.length, height: 24, fill: '#1f9d55' }));
    group.appendChild(svg('rect', { 'class': 'fold-ring', x: -w / 2, y: -12, width: w, height: 24, rx: 12 }));
    group.appendChild(svg('text', { 'class': 'fold-count', y: 4, 'text-anchor': 'middle' }, '×' + n.members.length));
    group.appendChild(svg('text', { 'class': 'label', y: 28, 'text-anchor': 'middle' }, campaignLabel[n.campaign] || n.campaign.slice(0, 8)));
    activate(group, function () { expanded[n.key] = true; drawLineage(null); markGraph(); reveal(n.members[0].generation); });
    return group;
  }
  function activate(group, action) {
    group.addEventListener('click', function () { if (!view.dragged) action(); });
    group.addEventListener('keydown', function (e) { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); action(); } });
  }
  // Expands every fold that hides the generation, so it has a node of its own.
  function unfold(generation) {
    for (var i = 0; i < 64; i++) {
      buildGraph();
      var n = graph.byGen[generation];
      if (!n || n.gen) return;
      expanded[n.key] = true;
    }
  }

  function panZoom(root, port) {
    var first = view === null;
    if (first) view = { k: 1, x: 0, y: 0, dragged: false };
    function apply() { port.setAttribute('transform', 'translate(' + view.x + ',' + view.y + ') scale(' + view.k + ')'); }
    view.apply = apply;
    view.root = root;
    root.addEventListener('wheel', function (e) {
      e.preventDefault();
      var r = root.getBoundingClientRect();
      zoomAt(e.clientX - r.left, e.clientY - r.top, Math.exp(-e.deltaY * 0.0015));
    }, { passive: false });
    var start = null;
    root.addEventListener('pointerdown', function (e) {
      if (e.button !== 0) return;
      start = { x: e.clientX, y: e.clientY, vx: view.x, vy: view.y };
      view.dragged = false;
    });
    root.addEventListener('pointermove', function (e) {
      if (!start) return;
      var dx = e.clientX - start.x, dy = e.clientY - start.y;
      if (!view.dragged && Math.abs(dx) + Math.abs(dy) < 4) return;
      view.dragged = true;
      root.setPointerCapture(e.pointerId);
      view.x = start.vx + dx; view.y = start.vy + dy; apply();
    });
    root.addEventListener('pointerup', function () { start = null; });
    if (first) fit(0.75); else apply();
  }
  function zoomAt(x, y, factor) {
    var k = Math.min(2.5, Math.max(0.08, view.k * factor));
    view.x = x - (x - view.x) * k / view.k; view.y = y - (y - view.y) * k / view.k; view.k = k;
    view.apply();
  }
  // The whole graph in the card, but never smaller than minK (then the selection is revealed instead).
  function fit(minK) {
    var w = view.root.clientWidth || 600, h = view.root.clientHeight || 400;
    var cw = PAD * 2 + Math.max(0, graph.cols - 1) * DX, ch = PAD * 2 + Math.max(0, graph.rows - 1) * DY + 20;
    view.k = Math.max(minK, Math.min(1, w / cw, h / ch));
    view.x = Math.max(0, (w - cw * view.k) / 2); view.y = Math.max(0, (h - ch * view.k) / 2);
    view.apply();
  }
  // Pans so the generation's node is well inside the card (centred when it was outside).
  function reveal(generation) {
    var n = graph.byGen[generation];
    if (!n || !view) return;
    var p = px(n), w = view.root.clientWidth, h = view.root.clientHeight;
    var sx = view.x + p.x * view.k, sy = view.y + p.y * view.k, m = 48;
    if (sx < m || sx > w - m) view.x = w / 2 - p.x * view.k;
    if (sy < m || sy > h - m) view.y = h / 2 - p.y * view.k;
    view.apply();
  }
  function graphControls() {
    var host = document.getElementById('graph-controls');
    var center = function () { return [view.root.clientWidth / 2, view.root.clientHeight / 2]; };
    [['+', 'zoom in', function () { var c = center(); zoomAt(c[0], c[1], 1.3); }],
     ['−', 'zoom out', function () { var c = center(); zoomAt(c[0], c[1], 1 / 1.3); }],
     ['fit', 'the whole graph', function () { fit(0.08); }],
     ['fold all', 'fold every campaign', function () { expanded = {}; drawLineage(null); markGraph(); fit(0.08); }]
    ].forEach(function (b) {
      var button = el('button', { type: 'button', title: b[1], 'data-action': b[1] }, b[0]);
      button.addEventListener('click', b[2]);
      host.appendChild(button);
    });
  }
  graphControls();

  // The selected generation's ancestors and children stay bright; the filter's leftovers fade further.
  function markGraph() {
    var related = {};
    if (selected !== null) {
      for (var g = byGen[selected]; g; g = g.parent === null || g.parent === g.generation ? null : byGen[g.parent]) related[g.generation] = true;
      (kids[selected] || []).forEach(function (c) { related[c.generation] = true; });
    }
    var active = filterActive();
    graph.nodes.forEach(function (n) {
      var dim = selected !== null && !n.members.some(function (m) { return related[m.generation]; });
      var out = active && !n.members.some(matchesFilter);
      var isSel = n.gen && n.gen.generation === selected;
      var node = document.querySelector(n.gen ? '.node[data-generation="' + n.gen.generation + '"]' : '.node[data-fold="' + n.key + '"]');
      if (node) node.setAttribute('class', ['node', n.gen ? null : 'fold', isSel ? 'selected' : null, dim ? 'dim' : null, out ? 'out' : null].filter(Boolean).join(' '));
      var edge = document.querySelector('.edge[data-to="' + n.key + '"]');
      if (edge) edge.setAttribute('class', 'edge ' + edgeKind(n) + (dim || out ? ' dim' : ''));
    });
  }

  function select(generation) {
    var g = byGen[generation];
    if (!g) return;
    selected = generation;
    var n = graph.byGen[generation];
    if (!n || !n.gen) drawLineage(generation);
    markGraph();
    reveal(generation);
    renderDetail(g);
  }
`;
