import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { betaPosterior } from '../../src/evolve/beta-posterior.js';
import type { EvolveEntry } from '../../src/evolve/evolve-log.js';
import { makeRecord, tempDir, writeFixtureLineage } from '../campaign/lineage-fixture.js';
import { labelBoxes, overlaps } from './label-boxes.js';
import { launchChromium } from './launch-chromium.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const BIN = path.join(ROOT, 'dist/src/cli/bin.js');
// LLM text the log carries: a mutation's change line (through a real run of a hostile landscape) and a screen reason.
const HOSTILE_CHANGE = '</script><script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2"> shorter';
const HOSTILE_REASON = '<img src=x onerror="window.__pwned = 3"></script><b>incoherent</b>';

async function cambrian(args: string[]): Promise<string> {
  const result = await execa('node', [BIN, ...args], { cwd: ROOT, reject: false });
  if (result.exitCode !== 0) throw new Error(`cambrian ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

/** `cambrian evolve --json`, offline on a landscape: the run's id and its log entries. */
async function evolve(generations: string, landscape: string): Promise<{ id: string; entries: EvolveEntry[] }> {
  const out = await cambrian([
    'evolve',
    '--spec',
    'CAMBRIAN-SPEC-005',
    '--simulate',
    landscape,
    '--length',
    '16',
    '--seed',
    'b',
    '--generations',
    generations,
    '--json',
  ]);
  return JSON.parse(out) as { id: string; entries: EvolveEntry[] };
}

async function pickRun(page: Page, id: string): Promise<void> {
  const index = await page.$$eval(
    '#evolve-run option',
    (options, want) => options.findIndex((o) => o.textContent?.startsWith(want)),
    id,
  );
  await page.selectOption('#evolve-run', String(index));
}

async function attributes(page: Page, selector: string, names: string[]): Promise<string[][]> {
  return page.$$eval(selector, (nodes, keys) => nodes.map((n) => keys.map((k) => n.getAttribute(k) ?? '')), names);
}

describe('the report of an offline evolve run, in headless Chromium', () => {
  let cleanup: () => Promise<void>;
  let browser: Browser;
  let report: string;
  let plain: { id: string; entries: EvolveEntry[] };
  let hostile: { id: string; entries: EvolveEntry[] };
  let elites: Array<{ cell: string; version: string }>;

  beforeAll(async () => {
    const made = await tempDir('cambrian-report-evolve-');
    cleanup = made.cleanup;
    const generations = path.join(made.dir, 'generations');
    // The README's run, then a run of the same landscape whose first change line is markup.
    plain = await evolve(generations, path.join(ROOT, 'examples/evolve/landscape.json'));
    const landscape = JSON.parse(await readFile(path.join(ROOT, 'examples/evolve/landscape.json'), 'utf8'));
    landscape.edits[0].why = HOSTILE_CHANGE;
    await writeFile(path.join(made.dir, 'hostile.json'), JSON.stringify(landscape));
    hostile = await evolve(generations, path.join(made.dir, 'hostile.json'));
    // The exemplar's screen quotes the parent, never markup; a model's could: its reason is rewritten in the log.
    const log = path.join(generations, '.cambrian/evolve', hostile.id, 'log.jsonl');
    const lines = (await readFile(log, 'utf8')).trimEnd().split('\n');
    const rewritten = lines.map((line) => {
      const entry = JSON.parse(line) as EvolveEntry;
      return entry.type === 'rejected' && entry.by === 'screen'
        ? JSON.stringify({ ...entry, reason: HOSTILE_REASON })
        : line;
    });
    expect(rewritten).not.toEqual(lines);
    await writeFile(log, `${rewritten.join('\n')}\n`);

    const archive = JSON.parse(await cambrian(['archive', '--run', plain.id, '--generations', generations, '--json']));
    elites = (archive.elites as Array<{ cell: string; version: string }>).map(({ cell, version }) => ({
      cell,
      version,
    }));
    // One generation made against the head the run promoted: the spec-version view shows the run's interval for it.
    await writeFixtureLineage(generations, {
      records: [
        {
          ...makeRecord({ generation: 1, outcome: 'promoted', rigResult: 'viable', passed: 5, specVersion: '0.5.5' }),
          'spec-id': 'CAMBRIAN-SPEC-005',
        },
      ],
    });
    report = path.join(made.dir, 'report.html');
    const written = JSON.parse(await cambrian(['report', '--generations', generations, '--out', report, '--json']));
    expect(written).toMatchObject({ generations: 1, evolveRuns: 2 });
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await cleanup?.();
  });

  it("draws the archive's grid: the elites in their cells, every other cell empty, axes labelled, no label over another", async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(String(error)));
    await page.goto(`file://${report}`);
    await pickRun(page, plain.id);
    expect(await page.textContent('#evolve-summary')).toContain(
      `${plain.id} · simulate · from CAMBRIAN-SPEC-005@0.5.0 · head 0.5.5`,
    );

    // The occupied cells are exactly `cambrian archive`'s elites (this run: 0.5.0, 0.5.1, 0.5.5, 0.5.6).
    const occupied = await attributes(page, '#evolve-grid td.occupied', ['data-cell', 'data-elite']);
    const byCell = (a: { cell: string }, b: { cell: string }): number => a.cell.localeCompare(b.cell);
    expect(occupied.map(([cell = '', version = '']) => ({ cell, version })).sort(byCell)).toEqual(
      [...elites].sort(byCell),
    );
    expect(elites.map((e) => e.version).sort()).toEqual(['0.5.0', '0.5.1', '0.5.5', '0.5.6']);
    // Each sits under the labels of its cell: its row's quarter, its column's stage and cost band.
    const placed = await page.$$eval('#evolve-grid td.occupied', (cells) =>
      cells.map((td) => {
        const rows = td.closest('table')?.querySelectorAll('tr') ?? [];
        const column = (td as unknown as { cellIndex: number }).cellIndex - 1;
        return [
          td.getAttribute('data-elite'),
          td.parentElement?.querySelector('th')?.textContent,
          rows[0]?.querySelectorAll('th')[1 + Math.floor(column / 3)]?.textContent,
          rows[1]?.querySelectorAll('th')[column]?.textContent,
        ].join(' | ');
      }),
    );
    const quarters = ['0–25 %', '25–50 %', '50–75 %', '75–100 %'];
    expect(placed.sort()).toEqual(
      elites
        .map(({ cell, version }) => {
          const [q, cost, stage] = cell.split('/') as [string, string, string];
          return `${version} | ${quarters[Number(q.slice(1))]} | fails at ${stage} | ${cost} tokens`;
        })
        .sort(),
    );
    // Two failing stages seen (test, health) × 3 cost bands × 4 quarters; the rest are drawn empty.
    const empty = await page.$$eval('#evolve-grid td.empty', (cells) => cells.map((c) => c.textContent));
    expect(empty).toHaveLength(2 * 3 * 4 - elites.length);
    expect(new Set(empty)).toEqual(new Set(['empty']));
    const axes = await page.$$eval('#evolve-grid th.axis', (ths) => ths.map((th) => th.textContent));
    expect(axes).toEqual(
      expect.arrayContaining([
        'fails at test',
        'fails at health',
        'cheaper tokens',
        'same tokens',
        'dearer tokens',
        '75–100 %',
        '0–25 %',
      ]),
    );
    // The head's cell: its interval is the Beta(1,1) posterior's over its screening and full campaigns (12 of 16).
    const head = betaPosterior({ successes: 12, trials: 16 });
    const pct = (x: number): number => Math.round(x * 100);
    expect(await page.textContent('#evolve-grid td[data-elite="0.5.5"]')).toBe(
      `0.5.5 (head)${pct(head.mean)}% (95% interval ${pct(head.low)}–${pct(head.high)}%)12 of 16 attempts viable`,
    );

    expect(await page.textContent('#spec-table tr[data-spec="CAMBRIAN-SPEC-005@0.5.5"] td.interval')).toBe(
      `${pct(head.low)}%–${pct(head.high)}%`,
    );

    expect(
      overlaps(await labelBoxes(page, '#evolve-grid th, #evolve-grid .cell-version, #evolve-grid .cell-line')),
    ).toEqual([]);
    expect(overlaps(await labelBoxes(page, '#evolve-ancestry .step > div'))).toEqual([]);
    expect(overlaps(await labelBoxes(page, '#evolve-versions td'))).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  it("shows the promoted head's ancestry with its P(better) and why, the rejected mutants' reasons and costs", async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(`file://${report}`);
    await pickRun(page, plain.id);
    const promoted = plain.entries.find((e) => e.type === 'decision' && e.decision === 'promote');
    if (promoted?.type !== 'decision') throw new Error('the run promoted nothing');
    expect(promoted.version).toBe('0.5.5');

    expect(await page.textContent('#evolve-ancestry-title')).toBe(
      'ancestry of 0.5.5, the head: 1 mutation from the seed',
    );
    expect(await attributes(page, 'ol.ancestry > li', ['data-version'])).toEqual([['0.5.0'], ['0.5.5']]);
    const step = '#evolve-ancestry ol.ancestry > li[data-version="0.5.5"] > .step';
    expect(await page.textContent(`${step} .why`)).toBe(
      `promoted as head: P(better than 0.5.0 at 8/16) = ${promoted.pBetter.toFixed(2)} ≥ 0.80`,
    );
    expect(await page.textContent(`${step} .step-head`)).toBe('0.5.5 promoted refinement (vitest-example) of 0.5.0');
    expect(await page.textContent(`${step} .campaigns`)).toMatch(/^campaigns: screening 5\/6, full 7\/10 → viability/);

    // What else was tried from the seed, each with its verdict: the guard's and the screen's reasons and costs.
    const tried = (v: string) => page.textContent(`#evolve-ancestry ul.tried li[data-version="${v}"] .why`);
    expect(await tried('0.5.2')).toBe('FROZEN region prime-invariants changed (no campaign; the guard cost 0 tokens)');
    const screened = plain.entries.find((e) => e.type === 'rejected' && e.by === 'screen');
    if (screened?.type !== 'rejected') throw new Error('the screen rejected nothing');
    expect(await tried('0.5.3')).toBe(`${screened.reason} (no campaign; the screen cost ${screened.tokens} tokens)`);
    expect(await tried('0.5.1')).toMatch(
      /^dropped after its screening campaign: P\(better than 0\.5\.0 at 8\/16\) = 0\.26 < 0\.30/,
    );

    // A cell's elite: its chain back to the seed.
    await page.click('#evolve-grid td[data-elite="0.5.6"]');
    expect(await attributes(page, 'ol.ancestry > li', ['data-version'])).toEqual([['0.5.0'], ['0.5.5'], ['0.5.6']]);
    expect(await page.textContent('ol.ancestry > li[data-version="0.5.6"] .why')).toMatch(
      /^dropped after its screening campaign: P\(better than 0\.5\.5 at 12\/16\) = 0\.04/,
    );

    // The spec-version filter narrows the grid to the version's cell and shows its ancestry; the stage filter to a stage.
    await page.selectOption('select[data-filter="spec"]', 'CAMBRIAN-SPEC-005@0.5.4');
    expect(await attributes(page, '#evolve-grid td[data-cell]:not(.dim)', ['data-cell'])).toEqual([['v1/same/test']]);
    expect(await page.textContent('#evolve-ancestry-title')).toMatch(/^ancestry of 0\.5\.4:/);
    await page.selectOption('select[data-filter="spec"]', '');
    await page.selectOption('select[data-filter="stage"]', 'health');
    const kept = await attributes(page, '#evolve-grid td[data-cell]:not(.dim)', ['data-stage']);
    expect(kept).toHaveLength(12);
    expect(new Set(kept.flat())).toEqual(new Set(['health']));
    await page.close();
  }, 60_000);

  it('shows markup in a change line and a screen reason as text: nothing runs, no element is made, the CSP holds', async () => {
    const html = await readFile(report, 'utf8');
    expect(html).toContain(
      `content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"`,
    );
    expect(html.match(/<\/script>/g)).toHaveLength(2);
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const requests: string[] = [];
    const errors: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    page.on('pageerror', (error) => errors.push(String(error)));
    await page.goto(`file://${report}`);
    await pickRun(page, hostile.id);
    await page.click('#evolve-versions tr[data-version="0.5.1"]');
    expect(await page.textContent('ol.ancestry > li[data-version="0.5.1"] .changes')).toBe(
      `changes: ${HOSTILE_CHANGE} (evolve: refinement, terse-retry)`,
    );
    await page.click('#evolve-versions tr[data-version="0.5.3"]');
    expect(await page.textContent('ol.ancestry > li[data-version="0.5.3"] .why')).toMatch(
      new RegExp(
        `^${HOSTILE_REASON.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} \\(no campaign; the screen cost \\d+ tokens\\)$`,
      ),
    );
    expect(await page.evaluate(() => (globalThis as { __pwned?: unknown }).__pwned)).toBeUndefined();
    expect(await page.$$('img')).toHaveLength(0);
    expect(await page.$$('#evolve b:not(.step-head b)')).toHaveLength(0);
    expect(await page.$$('script')).toHaveLength(2);
    expect(requests).toEqual([`file://${report}`]);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  it('a lineage with no evolve run says so in the card and renders as before', async () => {
    const made = await tempDir('cambrian-report-no-evolve-');
    try {
      const generations = path.join(made.dir, 'generations');
      await writeFixtureLineage(generations, {
        records: [makeRecord({ generation: 1, run: 'run-1', outcome: 'promoted', rigResult: 'viable', passed: 5 })],
      });
      const out = path.join(made.dir, 'report.html');
      const written = JSON.parse(await cambrian(['report', '--generations', generations, '--out', out, '--json']));
      expect(written).toMatchObject({ generations: 1, evolveRuns: 0 });
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(String(error)));
      await page.goto(`file://${out}`);
      expect(await page.textContent('#evolve-none')).toMatch(/^no evolve run in this lineage/);
      expect(await page.textContent('#detail-title')).toMatch(/^gen-1 /);
      expect(errors).toEqual([]);
      await page.close();
    } finally {
      await made.cleanup();
    }
  }, 60_000);
});
