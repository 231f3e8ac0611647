import type { GenerationRecord } from '../artifact/generation-record-schema.js';

/** `cambrian stats` for directed changes: what was tried, what each stage refused, and the cost of a promotion. */
export interface DirectedStats {
  /** Spawned directed generations (a reply that could not be applied spawns nothing and is not counted). */
  attempted: number;
  promoted: number;
  rejectedByRig: number;
  rejectedByGuards: number;
  rejectedByReviewer: number;
  /** Dollars of the change and review roles over every attempt; null when a model has no known price. */
  costUsd: number | null;
  costPerPromotion: number | null;
}

export function summarizeDirected(records: readonly GenerationRecord[]): DirectedStats {
  const directed = records.filter((r) => r.directed !== undefined);
  let costUsd: number | null = 0;
  for (const record of directed) {
    for (const usage of [record.directed?.usage.change, record.directed?.usage.review]) {
      costUsd = costUsd === null || usage?.costUsd == null ? null : costUsd + usage.costUsd;
    }
  }
  const promoted = directed.filter((r) => r.outcome === 'promoted').length;
  const refused = directed.filter(
    (r) => r.outcome !== 'promoted' && r.outcome !== 'in_progress' && r.outcome !== 'tested',
  );
  return {
    attempted: directed.length,
    promoted,
    rejectedByRig: refused.filter((r) => r.directed?.failure_stage === null).length,
    rejectedByGuards: refused.filter((r) => r.directed?.failure_stage === 'guard').length,
    rejectedByReviewer: refused.filter((r) => r.directed?.failure_stage === 'review').length,
    costUsd,
    costPerPromotion: costUsd === null || promoted === 0 ? null : costUsd / promoted,
  };
}
