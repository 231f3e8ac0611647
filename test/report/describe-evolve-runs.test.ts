import { execFile } from 'node:child_process';
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EvolveEntry, readLog } from '../../src/evolve/evolve-log.js';
import { describeEvolveRun, describeEvolveRuns } from '../../src/report/describe-evolve-runs.js';
import { explainDecision } from '../../src/report/describe-evolve-versions.js';
import { lineagePaths } from '../../src/supervisor/lineage-paths.js';
import { tempDir } from '../campaign/lineage-fixture.js';
// A plateau of three guard rejections makes a transplant, whose donor is a known sibling.
import { TRANSPLANT_LANDSCAPE } from '../evolve/transplant-landscape.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const BIN = path.join(ROOT, 'dist/src/cli/bin.js');

/** How the report words P(better) against the head of the moment. */
function pAgainst(d: { against: { version: string; viable: number; attempts: number }; pBetter: number }): string {
  return `P(better than ${d.against.version} at ${d.against.viable}/${d.against.attempts}) = ${d.pBetter.toFixed(2)}`;
}

describe('describeEvolveRuns: what the report reads from an evolve log', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let generations: string;
  let entries: EvolveEntry[];

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('cambrian-describe-evolve-'));
    generations = path.join(dir, 'generations');
    const landscape = path.join(dir, 'landscape.json');
    await writeFile(landscape, JSON.stringify(TRANSPLANT_LANDSCAPE));
    const args = ['evolve', '--spec', 'CAMBRIAN-SPEC-005', '--simulate', landscape, '--length', '16', '--seed', 't'];
    const { stdout } = await promisify(execFile)(process.execPath, [
      BIN,
      ...args,
      '--generations',
      generations,
      '--json',
    ]);
    entries = (JSON.parse(stdout) as { entries: EvolveEntry[] }).entries;
  }, 60_000);

  afterAll(() => cleanup?.());

  it("names a transplant's donor, and each rejected mutant's reason and cost", async () => {
    const [run] = await describeEvolveRuns(lineagePaths(generations));
    if (run === undefined) throw new Error('no run');
    const transplant = run.versions.find((v) => v.mutation?.type === 'transplant');
    const sibling = run.versions.find((v) => v.mutation?.name === 'glossary-note');
    expect(transplant?.donor).toBe(sibling?.version);
    expect(transplant?.mutation?.name).toBe(`transplant-glossary-${sibling?.version}`);
    const rejected = run.versions.filter((v) => v.verdict === 'rejected by the guard');
    expect(rejected).toHaveLength(3);
    expect(rejected[0]?.why).toMatch(/^FROZEN region .* changed \(no campaign; the guard cost 0 tokens\)$/);
    // A rejected mutant cost its mutate request; it had no campaign, so no cell and no viability.
    expect(rejected[0]?.tokens).toBeGreaterThan(0);
    expect(rejected[0]?.cell).toBeNull();
    expect(rejected[0]?.viability).toBeNull();
    expect(run.cells.map((c) => c.elite)).toContain(run.head);
  });

  it("shows the decision's evidence and the parent's draw by name, a field it does not know as it is, and demote", () => {
    const run = describeEvolveRun('run', entries);
    const promoted = entries.find((e) => e.type === 'decision' && e.decision === 'promote');
    if (promoted?.type !== 'decision') throw new Error('no promotion');
    const draw = entries.find((e) => e.type === 'parent' && e.step === promoted.step);
    if (draw?.type !== 'parent') throw new Error('no parent entry');
    const version = run.versions.find((v) => v.version === promoted.version);
    // The sequential rule's fields, by name: counts and posterior at the decision, why it stopped, the top-up.
    expect(version?.decision).toEqual({
      viable: promoted.viable,
      attempts: promoted.attempts,
      posterior: promoted.posterior,
      why: promoted.why,
      provisional: promoted.provisional,
    });
    expect(version?.decision?.why).toMatch(/^confirmed at 16 attempts, P\(better\) 1\.00 ≥ 0\.6$/);
    expect(version?.decision?.provisional?.attempts).toBeLessThan(16);
    expect(version?.choice).toEqual({ version: draw.version, why: draw.why });
    expect(version?.choice?.why).toMatch(/^refinement: from the head/);
    // Nothing the report knows is shown as an extra: not the decision's fields, nor a parent entry on the parent.
    expect(run.versions.flatMap((v) => v.extras)).toEqual([]);

    // A newer log (another field): the report shows it as it is instead of dropping it.
    const newer = entries.map((e) => (e === promoted ? { ...e, rule: 'posterior cascade v2' } : e));
    expect(describeEvolveRun('run', newer).versions.find((v) => v.version === promoted.version)?.extras).toEqual([
      { entry: 'decision', key: 'rule', value: 'posterior cascade v2' },
    ]);
    // Demoted after its top-up: its own verdict, with the logged why.
    const why = 'confirmation: P(better) 0.15 ≤ 0.20';
    const demote = { ...promoted, decision: 'demote' as const, head: promoted.against.version, why };
    const demoted = describeEvolveRun(
      'run',
      entries.map((e) => (e === promoted ? demote : e)),
    ).versions.find((v) => v.version === promoted.version);
    expect(demoted?.verdict).toBe('demoted');
    expect(demoted?.why).toBe(`demoted back to the archive after its top-up: ${pAgainst(promoted)}; ${why}`);
  });

  it("reads a cascade log's decision, which has none of the sequential fields, with the cascade's thresholds", () => {
    const decision = entries.find((e) => e.type === 'decision' && e.decision === 'drop');
    if (decision?.type !== 'decision') throw new Error('no drop');
    const { viable, attempts, posterior, why, provisional, ...cascade } = decision;
    const version = describeEvolveRun(
      'run',
      entries.map((e) => (e === decision ? cascade : e)),
    ).versions.find((v) => v.version === decision.version);
    expect(version?.decision).toBeNull();
    expect(version?.extras).toEqual([]);
    expect(version?.why).toBe(
      `dropped after its screening campaign: ${pAgainst(decision)} < 0.30, too far behind to earn a full campaign`,
    );
    expect(explainDecision({ ...cascade, decision: 'keep', pBetter: 0.61 })).toBe(
      `kept in the archive, not promoted: ${pAgainst({ ...cascade, pBetter: 0.61 })} < 0.80 after its full campaign`,
    );
  });

  it('shows a damaged log as such, skips a folder without one, and reads nothing when there is no evolve run', async () => {
    const paths = lineagePaths(generations);
    const [id] = (await describeEvolveRuns(paths)).map((r) => r.id);
    const log = path.join(paths.state, 'evolve', id ?? '', 'log.jsonl');
    expect(await readLog(log)).toHaveLength(entries.length);
    await mkdir(path.join(paths.state, 'evolve', 'evo-empty'), { recursive: true });
    await appendFile(log, 'not json\n{"type":"end"}\n');
    const runs = await describeEvolveRuns(paths);
    expect(runs.map((r) => r.id)).toEqual([id]);
    expect(runs[0]?.error).toMatch(/damaged evolve log line/);
    expect(runs[0]?.cells).toEqual([]);
    expect(await describeEvolveRuns(lineagePaths(path.join(dir, 'nothing')))).toEqual([]);
  });
});
