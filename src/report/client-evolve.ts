/**
 * The evolution card (part of the page script, see report-client.ts): an evolve run's MAP-Elites archive as a grid
 * (rows: viability quarter; columns: the stage most failures fall at × tokens per attempt against the starting
 * version), every empty cell drawn as empty, then its versions and the ancestry of one of them (the head until a cell
 * or a version is clicked): the chain of parent versions back to the seed, each step with its mutation, change lines,
 * screen, the archive draw that chose its parent, its campaigns, and the decision with the counts and posterior it was
 * made on, why it stopped there and its provisional promotion; and what else was tried from each ancestor and why it
 * lost. Mutation change lines, screen reasons and a parent's draw are log text: like everything else they only ever
 * reach the page as text nodes.
 */
export const CLIENT_EVOLVE_JS = String.raw`
  var evolveRun = data.evolveRuns.length ? data.evolveRuns[data.evolveRuns.length - 1] : null;
  var evolvePicked = null;
  var VERDICT_BADGE = { seed: 'seed', promoted: 'promoted', kept: 'kept', dropped: 'dropped', demoted: 'demoted', open: 'open',
    'rejected by the guard': 'rejected', 'rejected by the screen': 'rejected' };
  function fmtInterval(v) { return fmtPct(v.mean) + ' (95% interval ' + Math.round(v.low * 100) + '–' + fmtPct(v.high) + ')'; }
  function evolveVersionOf(run, version) {
    for (var i = 0; i < run.versions.length; i++) if (run.versions[i].version === version) return run.versions[i];
    return null;
  }
  // The filter bar lists the evolve run's versions and stages too, so the grid can be narrowed with no generations.
  function evolveRefs() {
    if (!evolveRun) return [];
    var id = evolveRun.spec.split('@')[0];
    return evolveRun.versions.map(function (v) { return id + '@' + v.version; });
  }
  function evolveStages() {
    return evolveRun ? evolveRun.axes.stages.map(function (s) { return s === 'none' ? NONE : s; }) : [];
  }

  function drawEvolve() {
    var host = document.getElementById('evolve');
    host.replaceChildren();
    if (!evolveRun) {
      host.appendChild(el('p', { 'class': 'empty', id: 'evolve-none' }, 'no evolve run in this lineage (cambrian evolve keeps its runs in .cambrian/evolve/)'));
      return;
    }
    if (data.evolveRuns.length > 1) {
      var label = el('label', { 'class': 'note' }, 'run ');
      var pick = el('select', { id: 'evolve-run' });
      data.evolveRuns.forEach(function (r, i) { pick.appendChild(el('option', { value: String(i) }, r.id + (r.spec ? ' (' + r.spec + ')' : ''))); });
      pick.value = String(data.evolveRuns.length - 1);
      pick.addEventListener('change', function () { evolveRun = data.evolveRuns[Number(pick.value)]; evolvePicked = null; drawEvolveRun(); });
      label.appendChild(pick);
      host.appendChild(label);
    }
    host.appendChild(el('div', { id: 'evolve-body' }));
    drawEvolveRun();
  }

  function drawEvolveRun() {
    var body = document.getElementById('evolve-body');
    body.replaceChildren();
    var run = evolveRun;
    body.appendChild(el('p', { 'class': 'note', id: 'evolve-summary' }, run.id + ' · ' + run.mode + ' · from ' + run.spec +
      ' · head ' + run.head + ' · ' + run.campaigns + ' campaigns' +
      (run.batches > run.campaigns ? ' in ' + run.batches + ' batches' : '') + ' · ' + (run.ended ? 'ended: ' + run.ended : 'not ended (running, or killed: --resume continues it)')));
    if (run.error) { body.appendChild(el('p', { 'class': 'empty' }, 'this run cannot be read: ' + run.error)); return; }
    // The archive across the card; under it the versions, and the ancestry of the picked version beside them.
    body.appendChild(drawGrid(run));
    var split = el('div', { 'class': 'evolve-split' }), left = el('div');
    left.appendChild(el('h3', null, 'versions of the run'));
    left.appendChild(versionTable(run));
    if (run.monitor.length > 0) {
      left.appendChild(el('h3', null, 'meta-monitor'));
      var ul = el('ul', { id: 'evolve-monitor' });
      run.monitor.forEach(function (m) { ul.appendChild(el('li', null, 'step ' + m.step + ', ' + m.rule + ': ' + m.action)); });
      left.appendChild(ul);
    }
    split.appendChild(left);
    split.appendChild(el('div', { id: 'evolve-ancestry' }));
    body.appendChild(split);
    showAncestry(evolvePicked || run.head);
    markEvolve();
  }

  function drawGrid(run) {
    var wrap = el('div', { 'class': 'scroll' });
    if (run.axes.stages.length === 0) { wrap.appendChild(el('p', { 'class': 'empty' }, 'no version has had a campaign yet: the archive is empty')); return wrap; }
    var t = el('table', { id: 'evolve-grid' });
    t.appendChild(el('caption', null, 'MAP-Elites archive, one elite per cell: rows are viability (posterior mean, in quarters), columns the stage most failures fall at and the tokens per attempt against the starting version'));
    var top = el('tr'), sub = el('tr');
    top.appendChild(el('th', { 'class': 'axis corner', rowspan: 2 }, 'viability ↓ · failure stage →'));
    run.axes.stages.forEach(function (stage) {
      top.appendChild(el('th', { 'class': 'axis stage', colspan: run.axes.cost.length }, stage === 'none' ? 'no failures' : 'fails at ' + stage));
      run.axes.cost.forEach(function (cost) { sub.appendChild(el('th', { 'class': 'axis cost' }, cost + ' tokens')); });
    });
    t.appendChild(top); t.appendChild(sub);
    var byCell = {};
    run.cells.forEach(function (c) { byCell[c.cell] = c; });
    for (var q = run.axes.viability.length - 1; q >= 0; q--) {
      var tr = el('tr');
      tr.appendChild(el('th', { 'class': 'axis quarter' }, run.axes.viability[q]));
      run.axes.stages.forEach(function (stage) {
        run.axes.cost.forEach(function (cost) {
          var key = 'v' + q + '/' + cost + '/' + stage, c = byCell[key];
          var td = el('td', { 'class': 'cell ' + (c ? 'occupied' : 'empty'), 'data-cell': key, 'data-stage': stage });
          if (!c) { td.appendChild(el('span', { 'class': 'cell-line' }, 'empty')); tr.appendChild(td); return; }
          var v = evolveVersionOf(run, c.elite);
          td.setAttribute('data-elite', c.elite);
          td.setAttribute('data-members', c.members.join(' '));
          td.setAttribute('tabindex', 0);
          td.setAttribute('role', 'button');
          if (c.elite === run.head) td.classList.add('head');
          td.appendChild(el('span', { 'class': 'cell-version' }, c.elite + (c.elite === run.head ? ' (head)' : '')));
          if (v && v.viability) {
            td.appendChild(el('span', { 'class': 'cell-line' }, fmtInterval(v.viability)));
            td.appendChild(el('span', { 'class': 'cell-line' }, v.viability.viable + ' of ' + v.viability.attempts + ' attempts viable'));
          }
          if (c.members.length > 1) td.appendChild(el('span', { 'class': 'cell-line dimtext' }, '+' + (c.members.length - 1) + ' more in this cell'));
          var open = function () { showAncestry(c.elite); };
          td.addEventListener('click', open);
          td.addEventListener('keydown', function (e) { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); open(); } });
          tr.appendChild(td);
        });
      });
      t.appendChild(tr);
    }
    wrap.appendChild(t);
    return wrap;
  }

  function versionTable(run) {
    var wrap = el('div', { 'class': 'scroll' });
    var t = el('table', { id: 'evolve-versions' });
    var hr = el('tr');
    ['version', 'parent', 'mutation', 'verdict', 'P(better)', 'viability', 'tokens'].forEach(function (h) { hr.appendChild(el('th', null, h)); });
    t.appendChild(hr);
    run.versions.forEach(function (v) {
      var tr = el('tr', { 'class': 'pick', 'data-version': v.version, tabindex: 0, role: 'button' });
      tr.appendChild(el('td', null, v.version));
      tr.appendChild(el('td', null, v.parent || '—'));
      tr.appendChild(el('td', null, v.mutation ? v.mutation.type + ': ' + v.mutation.name : '—'));
      var verdict = el('td');
      verdict.appendChild(badge('v-' + VERDICT_BADGE[v.verdict], v.verdict));
      tr.appendChild(verdict);
      tr.appendChild(el('td', { 'class': 'num' }, v.pBetter === null ? '—' : v.pBetter.toFixed(2)));
      tr.appendChild(el('td', { 'class': 'num' }, v.viability ? fmtInterval(v.viability) : '—'));
      tr.appendChild(el('td', { 'class': 'num' }, fmtInt(v.tokens)));
      var open = function () { showAncestry(v.version); };
      tr.addEventListener('click', open);
      tr.addEventListener('keydown', function (e) { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); open(); } });
      t.appendChild(tr);
    });
    wrap.appendChild(t);
    return wrap;
  }

  // The parent chain back to the seed, oldest first (a cycle or a parent missing from the log ends it).
  function ancestryOf(run, version) {
    var chain = [], seen = {};
    for (var v = evolveVersionOf(run, version); v && !seen[v.version]; v = v.parent ? evolveVersionOf(run, v.parent) : null) {
      seen[v.version] = true;
      chain.unshift(v);
    }
    return chain;
  }

  function showAncestry(version) {
    var run = evolveRun, host = document.getElementById('evolve-ancestry');
    if (!host) return;
    evolvePicked = version;
    host.replaceChildren();
    var chain = ancestryOf(run, version);
    host.appendChild(el('h3', { id: 'evolve-ancestry-title' }, 'ancestry of ' + version + (version === run.head ? ', the head' : '') +
      ': ' + (chain.length === 2 ? '1 mutation' : Math.max(0, chain.length - 1) + ' mutations') + ' from the seed'));
    var ol = el('ol', { 'class': 'ancestry' });
    chain.forEach(function (v, i) {
      var li = el('li', { 'data-version': v.version });
      li.appendChild(stepBlock(v));
      var next = chain[i + 1] ? chain[i + 1].version : null;
      var tried = run.versions.filter(function (c) { return c.parent === v.version && c.version !== next; });
      if (tried.length > 0) {
        li.appendChild(el('div', { 'class': 'note' }, 'also tried from ' + v.version + ':'));
        var ul = el('ul', { 'class': 'tried' });
        tried.forEach(function (c) { var item = el('li', { 'data-version': c.version }); item.appendChild(stepBlock(c)); ul.appendChild(item); });
        li.appendChild(ul);
      }
      ol.appendChild(li);
    });
    host.appendChild(ol);
    Array.prototype.forEach.call(document.querySelectorAll('#evolve-grid td.picked, #evolve-versions tr.picked'), function (n) { n.classList.remove('picked'); });
    Array.prototype.forEach.call(document.querySelectorAll('#evolve-versions tr[data-version]'), function (n) { if (n.getAttribute('data-version') === version) n.classList.add('picked'); });
    Array.prototype.forEach.call(document.querySelectorAll('#evolve-grid td[data-elite]'), function (n) { if (n.getAttribute('data-elite') === version) n.classList.add('picked'); });
  }

  function stepBlock(v) {
    var d = el('div', { 'class': 'step' });
    var head = el('div', { 'class': 'step-head' });
    head.appendChild(el('b', null, v.version + ' '));
    head.appendChild(badge('v-' + VERDICT_BADGE[v.verdict], v.verdict));
    if (v.mutation) head.appendChild(document.createTextNode(' ' + v.mutation.type + ' (' + v.mutation.name + ') of ' + (v.parent || '?') +
      (v.donor ? ', donor ' + v.donor : '')));
    d.appendChild(head);
    v.changes.forEach(function (c) { d.appendChild(el('div', { 'class': 'changes' }, 'changes: ' + c)); });
    if (v.screen !== null) d.appendChild(el('div', null, 'guard passed; screen: ' + v.screen));
    if (v.choice) d.appendChild(el('div', { 'class': 'choice' }, 'parent ' + v.choice.version + ' drawn from the archive: ' + v.choice.why));
    if (v.campaigns.length > 0) d.appendChild(el('div', { 'class': 'campaigns' }, 'campaigns: ' + campaignLine(v.campaigns) +
      (v.viability && !v.decision ? ' → viability ' + fmtInterval(v.viability) : '')));
    var e = v.decision;
    if (e) {
      d.appendChild(el('div', { 'class': 'evidence' }, 'at the decision: ' + e.viable + ' of ' + e.attempts + ' attempts viable, posterior ' + fmtInterval(e.posterior)));
      if (e.provisional) d.appendChild(el('div', { 'class': 'provisional' }, 'provisionally promoted after ' + e.provisional.attempts +
        ' attempts at P(better) ' + e.provisional.pBetter.toFixed(2) + ', then topped up by ' + (e.attempts - e.provisional.attempts) + ' to ' + e.attempts));
    }
    d.appendChild(el('div', { 'class': 'why' }, v.why));
    d.appendChild(el('div', { 'class': 'dimtext' }, 'cost ' + fmtInt(v.tokens) + ' tokens' + (v.cell ? ' · archive cell ' + v.cell : '')));
    v.extras.forEach(function (x) { d.appendChild(el('div', { 'class': 'extra' }, x.entry + '.' + x.key + ': ' + x.value)); });
    return d;
  }

  // A version's campaigns by stage, in the order they ran: a mutant's batches and a provisional head's top-up
  // batches are each summed, with how many there were; a rig run's campaign ids follow.
  function campaignLine(campaigns) {
    var stages = [], by = {}, ids = [];
    campaigns.forEach(function (c) {
      if (!by[c.stage]) { by[c.stage] = { viable: 0, attempts: 0, batches: 0 }; stages.push(c.stage); }
      by[c.stage].viable += c.viable; by[c.stage].attempts += c.attempts; by[c.stage].batches += 1;
      if (c.campaign) ids.push(c.campaign);
    });
    return stages.map(function (s) {
      var b = by[s];
      return s + ' ' + b.viable + '/' + b.attempts + (b.batches > 1 ? ' in ' + b.batches + ' batches' : '');
    }).join(', ') + (ids.length ? ' (' + ids.join(', ') + ')' : '');
  }

  // The grid and the version table follow the spec-version and failure-stage filters; a filtered version that the run
  // made shows its ancestry.
  function markEvolve() {
    if (!evolveRun || !document.getElementById('evolve-grid')) return;
    var id = evolveRun.spec.split('@')[0];
    var spec = filter.spec || '', stage = filter.stage || '';
    var version = spec && spec.split('@')[0] === id ? spec.slice(spec.indexOf('@') + 1) : null;
    var stageOf = stage === NONE ? 'none' : stage;
    Array.prototype.forEach.call(document.querySelectorAll('#evolve-grid td[data-cell]'), function (td) {
      var members = (td.getAttribute('data-members') || '').split(' ');
      var out = (spec && (version === null || members.indexOf(version) < 0)) || (stage && td.getAttribute('data-stage') !== stageOf);
      td.classList.toggle('dim', !!out);
    });
    Array.prototype.forEach.call(document.querySelectorAll('#evolve-versions tr[data-version]'), function (tr) {
      tr.classList.toggle('dim', !!spec && tr.getAttribute('data-version') !== version);
    });
    if (version !== null && evolveVersionOf(evolveRun, version)) showAncestry(version);
  }
`;
