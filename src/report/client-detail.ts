/**
 * The details panel (part of the page script, see report-client.ts): one generation (spec, model, tokens and cost,
 * rig stages, diagnostics, files and diff against its parent, and what a directed change recorded), or one spec
 * version (its parent, campaigns, viability, cost and the diff against its parent version).
 */
export const CLIENT_DETAIL_JS = String.raw`
  var EDGE_NAMES = { reproduction: 'reproduction', retry: 'informed retry (after a failed attempt)',
    directed: 'directed change', evolved: 'reproduction under an evolved spec version' };
  function renderDetail(g) {
    var host = document.getElementById('detail');
    host.replaceChildren();
    var head = el('h2', { id: 'detail-title' }, 'gen-' + g.generation + ' ');
    head.appendChild(badge(g.outcome, g.outcome));
    host.appendChild(head);
    var facts = el('table', { id: 'detail-facts' });
    row(facts, 'parent', g.parent === null ? '—' : 'gen-' + g.parent);
    if (g.parent !== null) row(facts, 'came by', EDGE_NAMES[g.edge] || g.edge);
    if (g.role) row(facts, 'role', g.role + (g.provider ? ' (' + g.provider + ')' : ''));
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
      diff.appendChild(patchBlock(g.diff.patch, g.diff.truncated));
    }
    host.appendChild(diff);
  }

  function renderSpecDetail(v) {
    var host = document.getElementById('detail');
    host.replaceChildren();
    host.appendChild(el('h2', { id: 'detail-title' }, v.ref));
    var facts = el('table', { id: 'detail-facts' });
    row(facts, 'parent version', v.parent || '—');
    row(facts, 'text from', v.textSource || 'not found');
    row(facts, 'hash', el('code', null, v.hashes.join(' ')));
    row(facts, 'campaigns', v.campaigns.map(function (c) { return (campaignLabel[c] || '') + ' ' + c; }).join(', ') || '—');
    row(facts, 'generations', v.generations);
    row(facts, 'viability', v.summary.viable + ' of ' + v.summary.attempts + ' (' + fmtPct(v.summary.viabilityRate) + '), first try ' + fmtPct(v.summary.firstTry.rate));
    row(facts, 'interval', v.intervals === null ? '— (cambrian evolve adds viability intervals)' : fmtPct(v.intervals.low) + '–' + fmtPct(v.intervals.high) +
      ' (95 %, ' + v.intervals.viable + ' of ' + v.intervals.attempts + ' viable in evolve run ' + v.intervals.run + ')');
    row(facts, 'cost', fmtCost(v.summary.costUsd));
    host.appendChild(facts);
    var show = el('button', { type: 'button' }, 'show its generations');
    show.addEventListener('click', function () { setFilter('spec', v.ref); });
    host.appendChild(show);
    host.appendChild(el('h3', null, v.diff ? 'diff against ' + v.diff.against : 'diff against its parent version'));
    var diff = el('div', { id: 'detail-diff' });
    if (!v.diff) diff.appendChild(el('p', { 'class': 'empty' }, v.diffError || 'no parent version'));
    else {
      var list = el('table');
      v.diff.frontMatter.forEach(function (f) {
        var tr = el('tr');
        tr.appendChild(el('td', null, 'front matter'));
        tr.appendChild(el('td', null, f.key));
        tr.appendChild(el('td', null, JSON.stringify(f.before) + ' → ' + JSON.stringify(f.after)));
        list.appendChild(tr);
      });
      v.diff.sections.forEach(function (s) {
        var tr = el('tr');
        tr.appendChild(el('td', null, s.status));
        tr.appendChild(el('td', null, s.title));
        tr.appendChild(el('td', { 'class': 'num' }, '+' + s.added + ' −' + s.removed));
        list.appendChild(tr);
      });
      diff.appendChild(list);
      diff.appendChild(patchBlock(v.diff.unified, v.diff.truncated));
    }
    host.appendChild(diff);
  }
`;
