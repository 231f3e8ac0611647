import type { GenerationRecord } from '../artifact/generation-record-schema.js';

/** Rig time of one worker (`local` for the engine's own rig), from the verdicts it gave. */
export interface RigWorkerStats {
  worker: string;
  verdicts: number;
  /** Sum and mean of the viability reports' fitness.total_ms: the rig's own time, queue wait excluded. */
  rigMs: number;
  meanRigMs: number;
}

/** Groups the judged records by the worker that judged them (`rig-worker`, absent for the local rig), busiest first. */
export function summarizeRigWorkers(records: readonly GenerationRecord[]): RigWorkerStats[] {
  const byWorker = new Map<string, number[]>();
  for (const record of records) {
    const total = record.viability?.fitness.total_ms;
    if (typeof total !== 'number') continue;
    const worker = record['rig-worker'] ?? 'local';
    byWorker.set(worker, [...(byWorker.get(worker) ?? []), total]);
  }
  return [...byWorker.entries()]
    .map(([worker, times]) => {
      const rigMs = times.reduce((sum, ms) => sum + ms, 0);
      return { worker, verdicts: times.length, rigMs, meanRigMs: Math.round(rigMs / times.length) };
    })
    .sort((a, b) => b.rigMs - a.rigMs || a.worker.localeCompare(b.worker));
}
