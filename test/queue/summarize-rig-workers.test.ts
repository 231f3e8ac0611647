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
      { worker: 'w1', verdicts: 2, rigMs: 6000, meanRigMs: 3000 },
      { worker: 'w2', verdicts: 1, rigMs: 1000, meanRigMs: 1000 },
      { worker: 'local', verdicts: 1, rigMs: 500, meanRigMs: 500 },
    ]);
  });
});
