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

type Entry<T extends EvolveEntry['type']> = Extract<EvolveEntry, { type: T }>;

/** A version's viable attempts and attempts over its campaigns of one stage (all stages without one), from the log. */
function counts(entries: EvolveEntry[], version: string, stage?: string): { viable: number; attempts: number } {
  const mine = entries.filter(
    (e): e is Entry<'campaign'> => e.type === 'campaign' && e.version === version && (!stage || e.stage === stage),
  );
  return {
    viable: mine.reduce((n, e) => n + e.outcome.viable, 0),
    attempts: mine.reduce((n, e) => n + e.outcome.attempts, 0),
  };
}

/** The parent chain of a version back to the run's starting version, oldest first, from the log's mutant entries. */
function chainOf(entries: EvolveEntry[], version: string): string[] {
  const parents = new Map(entries.flatMap((e) => (e.type === 'mutant' ? [[e.version, e.parentVersion]] : [])));
  const chain = [version];
  for (let v = parents.get(version); v !== undefined; v = parents.get(v)) chain.unshift(v);
  return chain;
}

function decisionOf(entries: EvolveEntry[], version: string): Entry<'decision'> {
  const found = entries.find((e): e is Entry<'decision'> => e.type === 'decision' && e.version === version);
  if (found === undefined) throw new Error(`no decision for ${version}`);
  return found;
}

/** The report's words for a decision the sequential rule logged: P(better) against the head of the moment, and why. */
function logged(d: Entry<'decision'>): string {
  const words = { promote: 'promoted as head', drop: 'dropped', keep: 'kept in the archive, not promoted' }[
    d.decision as 'promote' | 'drop' | 'keep'
  ];
  return `${words}: P(better than ${d.against.version} at ${d.against.viable}/${d.against.attempts}) = ${d.pBetter.toFixed(2)}; ${d.why}`;
}

const pct = (x: number): number => Math.round(x * 100);
const mutations = (n: number): string => (n === 1 ? '1 mutation' : `${n} mutations`);

describe('the report of an offline evolve run, in headless Chromium', () => {
  let cleanup: () => Promise<void>;
  let browser: Browser;
  let report: string;
  let plain: { id: string; entries: EvolveEntry[] };
  let hostile: { id: string; entries: EvolveEntry[] };
  let elites: Array<{ cell: string; version: string }>;
  let archived: Array<{
    version: string;
    viable: number;
    attempts: number;
    mean: number;
    descriptor: { viability: number; stage: string };
  }>;
  /** The head the run ended on, from its `end` entry. */
  let head: string;

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
    archived = archive.elites;
    elites = (archive.elites as Array<{ cell: string; version: string }>).map(({ cell, version }) => ({
      cell,
      version,
    }));
    const end = plain.entries.find((e) => e.type === 'end');
    if (end?.type !== 'end') throw new Error('the run did not end');
    head = end.head;
    // One generation made against the head the run promoted: the spec-version view shows the run's interval for it.
    await writeFixtureLineage(generations, {
      records: [
        {
          ...makeRecord({ generation: 1, outcome: 'promoted', rigResult: 'viable', passed: 5, specVersion: head }),
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
    // Campaigns as `--campaigns` counts them (one per evaluated step), and the batches the sequential rule ran.
    const batches = plain.entries.filter((e) => e.type === 'campaign');
    const steps = new Set(batches.map((e) => e.type === 'campaign' && e.step)).size;
    expect(batches.length).toBeGreaterThan(steps);
    expect(await page.textContent('#evolve-summary')).toContain(
      `${plain.id} · simulate · from CAMBRIAN-SPEC-005@0.5.0 · head ${head} · ${steps} campaigns in ${batches.length} batches · ended: `,
    );

    // The occupied cells are exactly `cambrian archive`'s elites, the head among them.
    const occupied = await attributes(page, '#evolve-grid td.occupied', ['data-cell', 'data-elite']);
    const byCell = (a: { cell: string }, b: { cell: string }): number => a.cell.localeCompare(b.cell);
    expect(occupied.map(([cell = '', version = '']) => ({ cell, version })).sort(byCell)).toEqual(
      [...elites].sort(byCell),
    );
    expect(elites.map((e) => e.version)).toContain(head);
    // Each elite's cell is what the log says of it: its row the quarter of its posterior mean over all its campaigns'
    // attempts, its column the stage most of its failures fall at.
    for (const elite of archived) {
      const { viable, attempts } = counts(plain.entries, elite.version);
      const failures: Record<string, number> = {};
      for (const e of plain.entries)
        if (e.type === 'campaign' && e.version === elite.version)
          for (const [stage, n] of Object.entries(e.outcome.failuresByStage))
            failures[stage] = (failures[stage] ?? 0) + n;
      const top = Object.entries(failures).sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'none';
      const mean = betaPosterior({ successes: viable, trials: attempts }).mean;
      expect([elite.viable, elite.attempts, elite.descriptor.stage]).toEqual([viable, attempts, top]);
      expect(elite.descriptor.viability).toBe(Math.min(3, Math.floor(mean * 4)));
    }
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
    // The failing stages seen (the landscape's test and health) × 3 cost bands × 4 quarters; the rest drawn empty.
    const stages = await page.$$eval('#evolve-grid th.stage', (ths) => ths.map((th) => th.textContent));
    expect(stages).toEqual(expect.arrayContaining(['fails at test', 'fails at health']));
    const empty = await page.$$eval('#evolve-grid td.empty', (cells) => cells.map((c) => c.textContent));
    expect(empty).toHaveLength(stages.length * 3 * 4 - elites.length);
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
    // The head's cell: its interval is the Beta(1,1) posterior's over all its batches (first batch and top-up).
    const { viable, attempts } = counts(plain.entries, head);
    const posterior = betaPosterior({ successes: viable, trials: attempts });
    expect(await page.textContent(`#evolve-grid td[data-elite="${head}"]`)).toBe(
      `${head} (head)${pct(posterior.mean)}% (95% interval ${pct(posterior.low)}–${pct(posterior.high)}%)${viable} of ${attempts} attempts viable`,
    );

    expect(await page.textContent(`#spec-table tr[data-spec="CAMBRIAN-SPEC-005@${head}"] td.interval`)).toBe(
      `${pct(posterior.low)}%–${pct(posterior.high)}%`,
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
    // The head's chain back to the seed, from the log's mutant entries: every step of it a promotion.
    const chain = chainOf(plain.entries, head);
    expect(chain[0]).toBe('0.5.0');
    expect(chain.length).toBeGreaterThan(2);
    expect(await page.textContent('#evolve-ancestry-title')).toBe(
      `ancestry of ${head}, the head: ${mutations(chain.length - 1)} from the seed`,
    );
    expect(await attributes(page, 'ol.ancestry > li', ['data-version'])).toEqual(chain.map((v) => [v]));
    for (const [i, version] of chain.slice(1).entries()) {
      const decision = decisionOf(plain.entries, version);
      expect(decision.decision).toBe('promote');
      // Each promotion was made against the head of its moment, its predecessor in the chain.
      expect(decision.against.version).toBe(chain[i]);
      const step = `#evolve-ancestry ol.ancestry > li[data-version="${version}"] > .step`;
      expect(await page.textContent(`${step} .why`)).toBe(logged(decision));
      const mutant = plain.entries.find((e): e is Entry<'mutant'> => e.type === 'mutant' && e.version === version);
      const draw = plain.entries.find((e): e is Entry<'parent'> => e.type === 'parent' && e.step === decision.step);
      expect(await page.textContent(`${step} .step-head`)).toBe(
        `${version} promoted ${mutant?.mutation.type} (${mutant?.mutation.name}) of ${chain[i]}`,
      );
      expect(await page.textContent(`${step} .choice`)).toBe(`parent ${chain[i]} drawn from the archive: ${draw?.why}`);
      // Its counts and posterior at the decision, and where it was provisionally promoted before its top-up.
      const { mean, low, high } = decision.posterior ?? { mean: 0, low: 0, high: 0 };
      expect(await page.textContent(`${step} .evidence`)).toBe(
        `at the decision: ${decision.viable} of ${decision.attempts} attempts viable, posterior ${pct(mean)}% (95% interval ${pct(low)}–${pct(high)}%)`,
      );
      const provisional = decision.provisional;
      if (provisional === undefined) throw new Error(`${version} was promoted without a top-up`);
      expect(await page.textContent(`${step} .provisional`)).toBe(
        `provisionally promoted after ${provisional.attempts} attempts at P(better) ${provisional.pBetter.toFixed(2)}, then topped up by ${(decision.attempts ?? 0) - provisional.attempts} to ${decision.attempts}`,
      );
      const first = counts(plain.entries, version, 'mutant');
      const topUp = counts(plain.entries, version, 'confirm');
      const batches = plain.entries.filter(
        (e) => e.type === 'campaign' && e.version === version && e.stage === 'confirm',
      );
      expect(await page.textContent(`${step} .campaigns`)).toBe(
        `campaigns: mutant ${first.viable}/${first.attempts}, confirm ${topUp.viable}/${topUp.attempts}${batches.length > 1 ? ` in ${batches.length} batches` : ''}`,
      );
    }

    // What else was tried from an ancestor, each with its verdict: the guard's and the screen's reasons and costs,
    // and the rule's why for a dropped one.
    const tried = (v: string) => page.textContent(`#evolve-ancestry ul.tried li[data-version="${v}"] .why`);
    const offChain = plain.entries.filter(
      (e): e is Entry<'mutant'> => e.type === 'mutant' && chain.includes(e.parentVersion) && !chain.includes(e.version),
    );
    const verdicts = new Set<string>();
    for (const mutant of offChain) {
      const rejected = plain.entries.find(
        (e): e is Entry<'rejected'> => e.type === 'rejected' && e.version === mutant.version,
      );
      if (rejected !== undefined) {
        verdicts.add(rejected.by);
        expect(await tried(mutant.version)).toBe(
          `${rejected.reason} (no campaign; the ${rejected.by} cost ${rejected.tokens} tokens)`,
        );
        continue;
      }
      const decision = decisionOf(plain.entries, mutant.version);
      verdicts.add(decision.decision);
      expect(await tried(mutant.version)).toBe(logged(decision));
    }
    expect(verdicts).toEqual(new Set(['guard', 'screen', 'drop']));

    // A cell's elite off the head's chain: its own chain back to the seed.
    const other = elites.find((e) => !chain.includes(e.version));
    if (other === undefined) throw new Error('every elite is on the head chain');
    await page.click(`#evolve-grid td[data-elite="${other.version}"]`);
    expect(await attributes(page, 'ol.ancestry > li', ['data-version'])).toEqual(
      chainOf(plain.entries, other.version).map((v) => [v]),
    );
    expect(await page.textContent(`ol.ancestry > li[data-version="${other.version}"] .why`)).toBe(
      logged(decisionOf(plain.entries, other.version)),
    );

    // The spec-version filter narrows the grid to the version's cell and shows its ancestry; the stage filter to a stage.
    await page.selectOption('select[data-filter="spec"]', `CAMBRIAN-SPEC-005@${other.version}`);
    expect(await attributes(page, '#evolve-grid td[data-cell]:not(.dim)', ['data-cell'])).toEqual([[other.cell]]);
    expect(await page.textContent('#evolve-ancestry-title')).toBe(
      `ancestry of ${other.version}: ${mutations(chainOf(plain.entries, other.version).length - 1)} from the seed`,
    );
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
    // The first mutant carries the markup as its change line; the screen's rejection, the markup as its reason.
    const first = hostile.entries.find((e): e is Entry<'mutant'> => e.type === 'mutant')?.version;
    const screened = hostile.entries.find(
      (e): e is Entry<'rejected'> => e.type === 'rejected' && e.by === 'screen',
    )?.version;
    await page.click(`#evolve-versions tr[data-version="${first}"]`);
    expect(await page.textContent(`ol.ancestry > li[data-version="${first}"] .changes`)).toBe(
      `changes: ${HOSTILE_CHANGE} (evolve: refinement, terse-retry)`,
    );
    await page.click(`#evolve-versions tr[data-version="${screened}"]`);
    expect(await page.textContent(`ol.ancestry > li[data-version="${screened}"] .why`)).toMatch(
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
