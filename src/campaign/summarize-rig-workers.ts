import type { GenerationRecord } from '../artifact/generation-record-schema.js';

/** Rig time of one worker (`local` for the engine's own rig), from the verdicts it gave. */
export interface RigWorkerStats {
  worker: string;
  verdicts: number;
  /** Sum and mean of the viability reports' fitness.total_ms: the rig's own time, queue wait excluded. */
  rigMs: number;
  meanRigMs: number;
  /** Of its verdicts, the `crash`es: the rig failed on this worker (an internal error, or the job's last worker died). */
  crashes: number;
  /** Jobs it took and lost to another worker's takeover (it died or stalled mid-job), from `rig-workers`. */
  lost: number;
}

/**
 * Groups the judged records by the worker that judged them (`rig-worker`, absent for the local rig), busiest first;
 * a worker that only lost jobs is listed too.
 */
export function summarizeRigWorkers(records: readonly GenerationRecord[]): RigWorkerStats[] {
  const byWorker = new Map<string, { times: number[]; crashes: number; lost: number }>();
  const entry = (worker: string) => {
    let found = byWorker.get(worker);
    if (found === undefined) {
      found = { times: [], crashes: 0, lost: 0 };
      byWorker.set(worker, found);
    }
    return found;
  };
  for (const record of records) {
    // Every worker but the last one that took the job handed it on.
    for (const worker of (record['rig-workers'] ?? []).slice(0, -1)) entry(worker).lost += 1;
    const total = record.viability?.fitness.total_ms;
    if (typeof total !== 'number') continue;
    const judged = entry(record['rig-worker'] ?? 'local');
    judged.times.push(total);
    if (record['rig-result'] === 'crash') judged.crashes += 1;
  }
  return [...byWorker.entries()]
    .map(([worker, { times, crashes, lost }]) => {
      const rigMs = times.reduce((sum, ms) => sum + ms, 0);
      const meanRigMs = times.length === 0 ? 0 : Math.round(rigMs / times.length);
      return { worker, verdicts: times.length, rigMs, meanRigMs, crashes, lost };
    })
    .sort((a, b) => b.rigMs - a.rigMs || a.worker.localeCompare(b.worker));
}
