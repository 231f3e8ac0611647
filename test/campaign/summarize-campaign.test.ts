import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadCampaignData, loadLineageData } from '../../src/campaign/load-lineage-data.js';
import { classifyRecord, leastSquaresSlope, summarizeCampaign } from '../../src/campaign/summarize-campaign.js';
import { costOf } from '../../src/gateway/prices.js';
import { makeCampaign, makeRecord, makeRun, tempDir, writeFixtureLineage } from './lineage-fixture.js';

const A = 'camp-test-a';

/**
 * Campaign A, as the engine leaves it on disk:
 *   run-a1: gen-1 fresh fails at test (1 repair), gen-2 informed retry viable, promoted (1 continuation)
 *   run-a2: gen-3 fresh viable, promoted (2 repairs)              (overlaps run-a1 in time: two lanes)
 *   run-a3 (stopped by SIGINT): gen-4 fresh fails at build; gen-5 spawned, no verdict → interrupted
 *   run-a4 (its summary is missing): gen-6 rig timeout at start; gen-7 viable but never promoted (outcome timeout)
 *   gen-8 still in progress; gen-9 belongs to another campaign.
 */
function fixture() {
  const records = [
    makeRecord({
      generation: 1,
      campaign: A,
      run: 'run-a1',
      outcome: 'failed',
      rigResult: 'non-viable',
      passed: 2,
      passRate: 0.8,
    }),
    makeRecord({
      generation: 2,
      campaign: A,
      run: 'run-a1',
      outcome: 'promoted',
      rigResult: 'viable',
      passed: 5,
      passRate: 1,
      model: 'claude-opus-4-5',
    }),
    makeRecord({
      generation: 3,
      campaign: A,
      run: 'run-a2',
      outcome: 'promoted',
      rigResult: 'viable',
      passed: 5,
      passRate: 1,
    }),
    makeRecord({
      generation: 4,
      campaign: A,
      run: 'run-a3',
      outcome: 'failed',
      rigResult: 'non-viable',
      passed: 1,
      passRate: 0.5,
    }),
    makeRecord({
      generation: 5,
      campaign: A,
      run: 'run-a3',
      outcome: 'failed',
      rigResult: null,
      reason: "the run stopped before the rig's verdict",
    }),
    makeRecord({
      generation: 6,
      campaign: A,
      run: 'run-a4',
      outcome: 'failed',
      rigResult: 'timeout',
      passed: 3,
      passRate: 0.9,
    }),
    makeRecord({
      generation: 7,
      campaign: A,
      run: 'run-a4',
      outcome: 'timeout',
      rigResult: 'viable',
      passed: 5,
      passRate: 1,
    }),
    makeRecord({ generation: 8, campaign: A, run: 'run-a5', outcome: 'in_progress', rigResult: null }),
    makeRecord({
      generation: 9,
      campaign: 'camp-test-b',
      run: 'run-b1',
      outcome: 'promoted',
      rigResult: 'viable',
      passed: 5,
    }),
  ];
  const runs = [
    makeRun({
      run: 'run-a1',
      campaign: A,
      startSec: 0,
      endSec: 10,
      tokens: { input: 1000, output: 500, cacheRead: 300, cacheWrite: 200 },
      generations: [
        { generation: 1, purposes: { fresh: 1, repair: 1 }, costUsd: 0.01 },
        { generation: 2, purposes: { retry: 1, continuation: 1 }, costUsd: 0.02 },
      ],
      costUsd: 0.03,
    }),
    makeRun({
      run: 'run-a2',
      campaign: A,
      startSec: 5,
      endSec: 20,
      tokens: { input: 400, output: 200, cacheRead: 0, cacheWrite: 100 },
      generations: [{ generation: 3, purposes: { fresh: 1, repair: 2 }, costUsd: 0.005 }],
      costUsd: 0.005,
    }),
    makeRun({
      run: 'run-a3',
      campaign: A,
      startSec: 30,
      endSec: 35,
      stopped: 'stopped by SIGINT',
      tokens: { input: 10, output: 10, cacheRead: 0, cacheWrite: 0 },
      generations: [
        { generation: 4, purposes: { fresh: 1 } },
        { generation: 5, purposes: { retry: 1 } },
      ],
    }),
    makeRun({
      run: 'run-b1',
      campaign: 'camp-test-b',
      startSec: 40,
      endSec: 50,
      tokens: { input: 1, output: 1, cacheRead: 0, cacheWrite: 0 },
      generations: [{ generation: 9, purposes: { fresh: 1 } }],
    }),
  ];
  return { records, runs };
}

describe('summarizeCampaign on records written to a generations dir', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir('cambrian-summary-'));
    const { records, runs } = fixture();
    await writeFixtureLineage(dir, { records, runs, campaigns: [makeCampaign(A), makeCampaign('camp-test-b')] });
  });
  afterEach(() => cleanup());

  it('counts attempts, viability, first tries and informed retries from the records', async () => {
    const data = await loadLineageData({ generationsDir: dir });
    const { records, runs } = await loadCampaignData(data, A);
    expect(records.map((r) => r.generation)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const summary = summarizeCampaign({ records, runs });

    // Independent counts straight from the records on disk.
    const judged = records.filter((r) => r['rig-result'] !== null && r.outcome !== 'in_progress');
    expect(summary.attempts).toBe(judged.length);
    expect(summary.attempts).toBe(6);
    expect(summary.viable).toBe(judged.filter((r) => r.viability?.status === 'viable').length);
    expect(summary.viable).toBe(3);
    expect(summary.promoted).toBe(records.filter((r) => r.outcome === 'promoted').length);
    expect(summary.viabilityRate).toBe(0.5);
    expect(summary.interrupted).toBe(1);
    expect(summary.pending).toBe(1);
    // gen-2 is a retry by its run's request purposes; gen-7 by its place in a run without a summary.
    expect(summary.informedRetries).toEqual({ count: 2, succeeded: 2 });
    expect(summary.firstTry).toEqual({ attempts: 4, viable: 1, rate: 0.25 });
    expect(summary.failuresByStage).toEqual({ test: 1, build: 1, start: 1 });
    expect(summary.stagesCompleted).toEqual({ '0': 0, '1': 1, '2': 1, '3': 1, '4': 0, '5': 3, '6': 0 });
    expect(summary.fitness.mean).toBeCloseTo((0.8 + 1 + 1 + 0.5 + 0.9 + 1) / 6, 10);
    // Viability by attempt order 0,1,1,0,0,1: Σ(x−x̄)(y−ȳ) = 0.5, Σ(x−x̄)² = 17.5.
    expect(summary.fitness.trend).toBeCloseTo(0.5 / 17.5, 10);
    expect(summary.parseRepairs).toBe(3);
    expect(summary.continuations).toBe(1);
    expect(summary.runs).toBe(5);
    // run-a1 [0,10] and run-a2 [5,20] overlap (lanes): 20 s; run-a3 adds 5 s.
    expect(summary.wallMs).toBe(25_000);
  });

  it('takes tokens and cost from the records when a run summary is missing, and says so', async () => {
    const data = await loadLineageData({ generationsDir: dir });
    const { records, runs } = await loadCampaignData(data, A);
    const summary = summarizeCampaign({ records, runs });
    expect(summary.tokens.source).toBe('records');
    const sum = (key: 'input' | 'output' | 'cache-read' | 'cache-write') =>
      records.reduce((total, r) => total + (r['token-usage']?.[key] ?? 0), 0);
    expect(summary.tokens).toMatchObject({
      input: sum('input'),
      output: sum('output'),
      cacheRead: sum('cache-read'),
      cacheWrite: sum('cache-write'),
    });
    // Billed costs from the run summaries, list prices for the generations of the runs without one (gen-6/7/8).
    const listed = records
      .filter((r) => r.run === 'run-a4' || r.run === 'run-a5')
      .reduce((total, r) => {
        const u = r['token-usage'];
        return (
          total +
          (costOf(r['producer-model'] ?? '', {
            input: u?.input ?? 0,
            output: u?.output ?? 0,
            cacheRead: u?.['cache-read'] ?? 0,
            cacheWrite: u?.['cache-write'] ?? 0,
          }) ?? 0)
        );
      }, 0);
    expect(summary.costUsd).toBeCloseTo(0.01 + 0.02 + 0.005 + listed, 10);
    expect(summary.notes.join(' ')).toMatch(/from the generation records/);
  });

  it('takes tokens and cost from the run summaries when every run has one, runs that spawned nothing included', async () => {
    const records = [
      makeRecord({ generation: 1, campaign: A, run: 'run-1', outcome: 'promoted', rigResult: 'viable', passed: 5 }),
    ];
    const runs = [
      makeRun({
        run: 'run-1',
        campaign: A,
        startSec: 0,
        endSec: 10,
        costUsd: 0.5,
        tokens: { input: 10, output: 20, cacheRead: 30, cacheWrite: 40 },
        generations: [{ generation: 1, purposes: { fresh: 1 } }],
      }),
      makeRun({
        run: 'run-2',
        campaign: A,
        startSec: 10,
        endSec: 12,
        costUsd: 0.25,
        tokens: { input: 1, output: 2, cacheRead: 3, cacheWrite: 4 },
        generations: [],
      }),
    ];
    const { dir: other, cleanup: done } = await tempDir('cambrian-summary-runs-');
    try {
      await writeFixtureLineage(other, { records, runs, campaigns: [makeCampaign(A)] });
      const data = await loadLineageData({ generationsDir: other });
      const loaded = await loadCampaignData(data, A);
      const summary = summarizeCampaign(loaded);
      expect(summary.tokens).toEqual({ input: 11, output: 22, cacheRead: 33, cacheWrite: 44, source: 'runs' });
      expect(summary.costUsd).toBeCloseTo(0.75, 10);
      expect(summary.runs).toBe(2);
      expect(summary.wallMs).toBe(12_000);
      expect(summary.firstTry).toEqual({ attempts: 1, viable: 1, rate: 1 });
    } finally {
      await done();
    }
  });

  it('classifies a verdict-less record by how its run ended', () => {
    const record = makeRecord({ generation: 5, run: 'r', outcome: 'failed', rigResult: null });
    const run = (stopped: string | null) =>
      ({
        ...makeRun({
          run: 'r',
          campaign: null,
          startSec: 0,
          endSec: 1,
          tokens: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
          generations: [],
          stopped,
        }),
      }) as never;
    expect(classifyRecord(record, run('stopped by SIGINT'))).toBe('interrupted');
    expect(classifyRecord(record, undefined)).toBe('interrupted');
    expect(classifyRecord(record, run(null))).toBe('attempt');
    expect(
      classifyRecord(makeRecord({ generation: 6, outcome: 'tested', rigResult: 'viable', passed: 5 }), run(null)),
    ).toBe('pending');
  });

  it('computes the least-squares slope', () => {
    expect(leastSquaresSlope([0, 0, 1, 1])).toBeCloseTo(0.4, 12);
    expect(leastSquaresSlope([1, 1, 1])).toBe(0);
    expect(leastSquaresSlope([1, 0])).toBe(-1);
    expect(leastSquaresSlope([1])).toBeNull();
    expect(leastSquaresSlope([])).toBeNull();
  });

  it('summarizes an empty campaign without dividing by zero', () => {
    const summary = summarizeCampaign({ records: [], runs: [] });
    expect(summary).toMatchObject({
      attempts: 0,
      viabilityRate: null,
      firstTry: { rate: null },
      wallMs: null,
      costUsd: 0,
    });
  });
});
