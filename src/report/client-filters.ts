/**
 * The report's filter bar (part of the page script, see report-client.ts): spec version, campaign, outcome, failure
 * stage, provider / model and role. The graph dims what the filter leaves out; the charts count only what it keeps; the
 * evolve card's grid dims the cells of other versions and stages.
 */
export const CLIENT_FILTERS_JS = String.raw`
  var NONE = '(none)';
  // Where a generation stopped: the guards or the reviewer of a directed change, else the rig stage that failed.
  function failureOf(g) {
    if (g.directed && g.directed.failure_stage) return g.directed.failure_stage;
    if (g.rigResult === null || g.rigResult === 'viable') return null;
    return g.failureStage || g.rigResult;
  }
  function specOf(g) { return g.spec ? g.spec.id + '@' + g.spec.version : null; }
  var FILTERS = [
    { key: 'spec', label: 'spec version', of: specOf, extra: evolveRefs },
    { key: 'campaign', label: 'campaign', of: function (g) { return g.campaign; },
      name: function (v) { return campaignLabel[v] ? campaignLabel[v] + ' ' + v : v; } },
    { key: 'outcome', label: 'outcome', of: function (g) { return g.outcome; } },
    { key: 'stage', label: 'failure stage', of: failureOf, extra: evolveStages },
    { key: 'model', label: 'provider / model', of: function (g) { return g.model ? (g.provider ? g.provider + ' / ' : '') + g.model : null; } },
    { key: 'role', label: 'role', of: function (g) { return g.role; } }
  ];
  var filter = {};
  function valueOf(f, g) { var v = f.of(g); return v === null || v === undefined ? NONE : String(v); }
  function filterActive() { return FILTERS.some(function (f) { return !!filter[f.key]; }); }
  function matchesFilter(g) {
    return FILTERS.every(function (f) { return !filter[f.key] || valueOf(f, g) === filter[f.key]; });
  }
  function setFilter(key, value) {
    filter[key] = value;
    var select = document.querySelector('select[data-filter="' + key + '"]');
    if (select) select.value = value;
    refresh();
  }
  function buildFilters() {
    var host = document.getElementById('filters');
    FILTERS.forEach(function (f) {
      var counts = {}, order = [];
      data.generations.forEach(function (g) {
        if (g.outcome === 'reference') return;
        var v = valueOf(f, g);
        if (counts[v] === undefined) { counts[v] = 0; order.push(v); }
        counts[v]++;
      });
      // Values only the evolve card knows (a simulated run makes no generations): listed with their count, 0.
      (f.extra ? f.extra() : []).forEach(function (v) { if (counts[v] === undefined) { counts[v] = 0; order.push(v); } });
      if (f.key !== 'campaign') order.sort();
      var label = el('label', null, f.label + ' ');
      var select = el('select', { 'data-filter': f.key });
      select.appendChild(el('option', { value: '' }, 'all'));
      order.forEach(function (v) { select.appendChild(el('option', { value: v }, (f.name ? f.name(v) : v) + ' (' + counts[v] + ')')); });
      select.addEventListener('change', function () { setFilter(f.key, select.value); });
      label.appendChild(select);
      host.appendChild(label);
    });
    var clear = el('button', { type: 'button', id: 'filter-clear' }, 'clear');
    clear.addEventListener('click', function () { FILTERS.forEach(function (f) { filter[f.key] = ''; }); buildFiltersReset(); refresh(); });
    host.appendChild(clear);
    host.appendChild(el('span', { id: 'filter-count' }));
  }
  function buildFiltersReset() {
    Array.prototype.forEach.call(document.querySelectorAll('select[data-filter]'), function (s) { s.value = ''; });
  }
  function describeFilter(shown) {
    var gens = shown.filter(function (g) { return g.outcome !== 'reference'; });
    var judged = gens.filter(function (g) { return g.rigResult !== null; });
    var viable = judged.filter(function (g) { return g.rigResult === 'viable'; }).length;
    var cost = gens.reduce(function (s, g) { return s + (g.costUsd || 0); }, 0);
    var total = data.generations.length - 1;
    document.getElementById('filter-count').textContent = (filterActive() ? gens.length + ' of ' + total : 'all ' + total) +
      ' generations · ' + viable + ' of ' + judged.length + ' judged viable (' + fmtPct(judged.length ? viable / judged.length : null) +
      ') · ' + fmtCost(cost);
  }
`;
