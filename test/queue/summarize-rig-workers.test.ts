import { describe, expect, it } from 'vitest';
import { summarizeRigWorkers } from '../../src/campaign/summarize-rig-workers.js';
import { makeRecord } from '../campaign/lineage-fixture.js';

describe('cambrian stats: rig time per worker', () => {
  it('groups verdicts by the worker that gave them, local when none, and skips undecided generations', () => {
    const judged = (generation: number, worker: string | null, ms: number) => {
      const record = makeRecord({ generation, run: 'run-1', outcome: 'failed', rigResult: 'non-viable', passed: 2 });
      if (record.viability !== null) record.viability.fitness.total_ms = ms;
      return worker === null ? record : { ...record, 'rig-worker': worker };
    };
    const undecided = {
      ...makeRecord({ generation: 9, run: 'run-1', outcome: 'failed', rigResult: null, passed: 0 }),
      viability: null,
    };
    const stats = summarizeRigWorkers([
      judged(1, 'w1', 4000),
      judged(2, 'w2', 1000),
      judged(3, 'w1', 2000),
      judged(4, null, 500),
      undecided,
    ]);
    expect(stats).toEqual([
      { worker: 'w1', verdicts: 2, rigMs: 6000, meanRigMs: 3000, crashes: 0, lost: 0 },
      { worker: 'w2', verdicts: 1, rigMs: 1000, meanRigMs: 1000, crashes: 0, lost: 0 },
      { worker: 'local', verdicts: 1, rigMs: 500, meanRigMs: 500, crashes: 0, lost: 0 },
    ]);
  });

  it('credits a crash to the worker it happened on and a takeover to the worker that lost the job', () => {
    const record = (generation: number, rigResult: 'viable' | 'crash', workers: string[]) => {
      const base = makeRecord({ generation, run: 'run-1', outcome: 'failed', rigResult, passed: 2 });
      if (base.viability !== null) base.viability.fitness.total_ms = 1000;
      return {
        ...base,
        'rig-worker': workers.at(-1) ?? 'local',
        ...(workers.length > 1 ? { 'rig-workers': workers } : {}),
      };
    };
    const stats = summarizeRigWorkers([
      // w1 died mid-job (SIGKILL); w2 judged it.
      record(1, 'viable', ['w1', 'w2']),
      // The rig failed with an internal error on w3.
      record(2, 'crash', ['w3']),
      // w1 died again, then w3 died too: the job was failed past the stall limit, on w3.
      record(3, 'crash', ['w1', 'w3']),
    ]);
    expect(stats).toEqual([
      { worker: 'w3', verdicts: 2, rigMs: 2000, meanRigMs: 1000, crashes: 2, lost: 0 },
      { worker: 'w2', verdicts: 1, rigMs: 1000, meanRigMs: 1000, crashes: 0, lost: 0 },
      { worker: 'w1', verdicts: 0, rigMs: 0, meanRigMs: 0, crashes: 0, lost: 2 },
    ]);
  });
});
