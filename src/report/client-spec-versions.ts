/**
 * The spec-version view (part of the page script, see report-client.ts): every spec version the lineage used, under
 * its parent version, with its campaigns' viability, cost and how much it changed; a click shows its diff against
 * the parent version in the details panel. The interval column shows the 95 % viability interval an evolve run
 * measured for the version ("—" when none evaluated it).
 */
export const CLIENT_SPEC_VERSIONS_JS = String.raw`
  function drawSpecVersions() {
    var host = document.getElementById('spec-versions');
    var versions = data.specVersions;
    if (versions.length === 0) { host.appendChild(el('p', { 'class': 'empty' }, 'no spec versions recorded')); return; }
    var byRef = {};
    versions.forEach(function (v) { byRef[v.ref] = v; });
    // Depth in the version tree: how many of its ancestors are in the lineage too.
    function depth(v) { var d = 0, seen = {}; for (var p = v.parent; p && byRef[p] && !seen[p]; p = byRef[p].parent) { seen[p] = true; d++; } return d; }
    // Children listed under their parent, oldest first.
    var order = [], placed = {};
    function walk(v) {
      if (placed[v.ref]) return;
      placed[v.ref] = true; order.push(v);
      versions.forEach(function (c) { if (c.parent === v.ref) walk(c); });
    }
    versions.forEach(function (v) { if (!v.parent || !byRef[v.parent]) walk(v); });
    versions.forEach(walk);
    var t = el('table', { id: 'spec-table' });
    var hr = el('tr');
    ['version', 'parent', 'campaigns', 'generations', 'viability', 'first try', 'interval', 'cost', 'changed'].forEach(function (h) { hr.appendChild(el('th', null, h)); });
    t.appendChild(hr);
    order.forEach(function (v) {
      var tr = el('tr', { 'class': 'pick', 'data-spec': v.ref, tabindex: 0, role: 'button' });
      var name = el('td', null, v.ref);
      name.style.paddingLeft = depth(v) * 14 + 'px';
      tr.appendChild(name);
      tr.appendChild(el('td', null, v.parent ? v.parent.slice(v.parent.lastIndexOf('@') + 1) : '—'));
      tr.appendChild(el('td', { 'class': 'num' }, v.campaigns.length));
      tr.appendChild(el('td', { 'class': 'num' }, v.generations));
      var via = el('td', { 'class': 'num' });
      var bar = el('span', { 'class': 'meter' });
      var fill = el('i'); fill.style.width = Math.round((v.summary.viabilityRate || 0) * 100) + '%';
      bar.appendChild(fill); via.appendChild(bar);
      via.appendChild(document.createTextNode(' ' + fmtPct(v.summary.viabilityRate) + ' (' + v.summary.viable + '/' + v.summary.attempts + ')'));
      tr.appendChild(via);
      tr.appendChild(el('td', { 'class': 'num' }, fmtPct(v.summary.firstTry.rate)));
      tr.appendChild(el('td', { 'class': 'num interval' }, v.intervals === null ? '—' : fmtPct(v.intervals.low) + '–' + fmtPct(v.intervals.high)));
      tr.appendChild(el('td', { 'class': 'num' }, fmtCost(v.summary.costUsd)));
      tr.appendChild(el('td', null, v.diff ? v.diff.sections.length + ' sections' + (v.diff.frontMatter.length ? ', ' + v.diff.frontMatter.length + ' keys' : '') : '—'));
      var open = function () { renderSpecDetail(v); };
      tr.addEventListener('click', open);
      tr.addEventListener('keydown', function (e) { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); open(); } });
      t.appendChild(tr);
    });
    host.appendChild(t);
  }
`;
