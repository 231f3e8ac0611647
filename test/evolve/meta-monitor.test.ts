import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { type EvolveEntry, readLog } from '../../src/evolve/evolve-log.js';
import { monitorStep } from '../../src/evolve/meta-monitor.js';
import { replayLog } from '../../src/evolve/replay-log.js';

const root = path.resolve(import.meta.dirname, '../..');
const bin = path.join(root, 'dist/src/cli/bin.js');
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const start = (budget: number | null = null): Extract<EvolveEntry, { type: 'start' }> => ({
  type: 'start',
  id: 'evo-test',
  spec: { id: 'X', version: '1.0.0', hash: 'h', file: 'x.md' },
  mode: 'simulate',
  landscape: null,
  lanes: 1,
  campaigns: 20,
  length: 16,
  budget,
  seed: 's',
  at: '',
});
const campaign = (o: {
  step: number;
  version: string;
  viable: number;
  attempts: number;
  stages?: Record<string, number>;
  tokens?: number;
}): EvolveEntry => ({
  type: 'campaign',
  step: o.step,
  version: o.version,
  stage: o.step === 0 ? 'head' : 'full',
  seed: 's',
  outcome: {
    attempts: o.attempts,
    viable: o.viable,
    firstTry: { attempts: o.attempts, viable: o.viable },
    failuresByStage: o.stages ?? (o.attempts > o.viable ? { test: o.attempts - o.viable } : {}),
    tokens: o.tokens ?? 1000,
  },
  at: '',
});
const mutant = (step: number, version: string, parentVersion = '1.0.0'): EvolveEntry => ({
  type: 'mutant',
  step,
  version,
  parentVersion,
  mutation: { name: `m${step}`, type: 'refinement' },
  changes: ['c'],
  tokens: 0,
  file: `${version}.md`,
  at: '',
});
const decide = (step: number, version: string, decision: 'drop' | 'keep' | 'promote'): EvolveEntry => ({
  type: 'decision',
  step,
  version,
  decision,
  pBetter: 0.5,
  against: { version: '1.0.0', viable: 8, attempts: 16 },
  head: decision === 'promote' ? version : '1.0.0',
});
const reject = (step: number, version: string): EvolveEntry => ({
  type: 'rejected',
  step,
  version,
  by: 'guard',
  reason: 'FROZEN region x changed',
  tokens: 0,
});
const monitor = (entries: EvolveEntry[], budget: number | null = null) => {
  const log = [start(budget), ...entries];
  return monitorStep({ entries: log, state: replayLog(log), start: start(budget) });
};
/** The head failing evenly at two stages, so that no stage clusters. */
const spread = { test: 4, build: 4 };

describe('the meta-monitor', () => {
  it('makes no decision on a healthy run: failures spread, a recent promotion, budget on pace', () => {
    expect(monitor([campaign({ step: 0, version: '1.0.0', viable: 8, attempts: 16, stages: spread })], 1e9)).toEqual(
      [],
    );
  });

  it('failures clustered at one stage: the next mutation is a refinement aimed there', () => {
    const decisions = monitor([
      campaign({ step: 0, version: '1.0.0', viable: 8, attempts: 16, stages: { build: 7, test: 1 } }),
    ]);
    expect(decisions).toEqual([
      expect.objectContaining({
        type: 'monitor',
        step: 1,
        rule: 'stage-cluster',
        mutation: 'refinement',
        stage: 'build',
      }),
    ]);
    // Below the share (5 of 8 is 62 %), no decision.
    expect(
      monitor([campaign({ step: 0, version: '1.0.0', viable: 8, attempts: 16, stages: { build: 5, test: 3 } })]),
    ).toEqual([]);
  });

  it('a plateau (three settled mutants without a promotion): the next mutation is a transplant', () => {
    const entries: EvolveEntry[] = [
      campaign({ step: 0, version: '1.0.0', viable: 8, attempts: 16, stages: spread }),
      mutant(1, '1.0.1'),
      decide(1, '1.0.1', 'drop'),
      mutant(2, '1.0.2'),
      reject(2, '1.0.2'),
      mutant(3, '1.0.3'),
      decide(3, '1.0.3', 'keep'),
    ];
    expect(monitor(entries)).toEqual([expect.objectContaining({ step: 4, rule: 'plateau', mutation: 'transplant' })]);
    // A promotion among the last three is no plateau.
    entries[6] = decide(3, '1.0.3', 'promote');
    expect(monitor(entries)).toEqual([]);
  });

  it('a collapsing archive (versions crowding into few cells): the next mutation restructures', () => {
    // Four versions, all at about 50 % viable, the same cost and failing at the same stages: one cell.
    const entries: EvolveEntry[] = [campaign({ step: 0, version: '1.0.0', viable: 8, attempts: 16, stages: spread })];
    for (const step of [1, 2, 3]) {
      const version = `1.0.${step}`;
      entries.push(mutant(step, version), campaign({ step, version, viable: 8, attempts: 16, stages: spread }));
      entries.push(decide(step, version, step === 3 ? 'promote' : 'keep'));
    }
    expect(monitor(entries)).toEqual([expect.objectContaining({ rule: 'collapse', mutation: 'restructuring' })]);
    // The same four spread over four cells (viability quarters) is no collapse.
    const spreadOut = entries.map((e, i) =>
      e.type === 'campaign'
        ? campaign({
            step: e.step,
            version: e.version,
            viable: [1, 5, 9, 14][Math.floor(i / 3)] ?? 0,
            attempts: 16,
            stages: spread,
          })
        : e,
    );
    expect(monitor(spreadOut)).toEqual([]);
  });

  it('budget burn (the campaigns left would overrun the budget): campaigns shortened to what it affords, once a step', () => {
    // 16 attempts cost 30 000 tokens (1875 each); 19 campaigns of 8 attempts on average would need 285 000.
    const head = campaign({ step: 0, version: '1.0.0', viable: 8, attempts: 16, stages: spread, tokens: 30_000 });
    const decisions = monitor([head], 200_000);
    // 170 000 left affords 170 000 / 19 / 1875 ≈ 4.8 attempts a campaign, 9 a full evaluation.
    expect(decisions).toEqual([expect.objectContaining({ rule: 'budget-burn', length: 9 })]);
    expect(monitor([head], 400_000)).toEqual([]);
    // Never below two attempts, however little is left.
    expect(monitor([head], 31_000)).toEqual([expect.objectContaining({ length: 2 })]);
    const log = [start(200_000), head, ...decisions];
    const state = replayLog(log);
    expect(state.length).toBe(9);
    // Already decided for this step (a resume): not decided again.
    expect(monitorStep({ entries: log, state, start: start(200_000) })).toEqual([]);
  });
});

describe('the meta-monitor in a simulated evolve run', () => {
  it('logs its decisions as monitor entries, shortens campaigns on a burning budget, and archive shows them', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cambrian-monitor-'));
    dirs.push(dir);
    const landscape = path.join(root, 'examples/evolve/landscape.json');
    const args = ['evolve', '--spec', 'CAMBRIAN-SPEC-005', '--simulate', landscape, '--length', '16', '--seed', 'b'];
    const run = promisify(execFile)(process.execPath, [bin, ...args, '--budget', '2000000', '--generations', dir]);
    const { stderr } = await run.catch((error: { stderr: string }) => ({ stderr: error.stderr }));
    expect(stderr).toMatch(/meta-monitor budget-burn: .*campaigns shortened from 16 to \d attempts/);
    const runs = readdirSync(path.join(dir, '.cambrian/evolve'));
    const entries = await readLog(path.join(dir, '.cambrian/evolve', runs[0] ?? '', 'log.jsonl'));
    expect(entries.filter((e) => e.type === 'monitor').map((e) => e.rule)).toContain('stage-cluster');
    // Every campaign after a shortening is no longer than the length it set.
    let length = 16;
    for (const e of entries) {
      if (e.type === 'monitor' && e.length !== undefined) length = e.length;
      if (e.type === 'campaign') expect(e.outcome.attempts).toBeLessThanOrEqual(length);
    }
    expect(length).toBeLessThan(16);
    const { stdout } = await promisify(execFile)(process.execPath, [bin, 'archive', '--generations', dir]);
    expect(stdout).toMatch(/meta-monitor:\n {2}step 1: meta-monitor /);
  });
});
