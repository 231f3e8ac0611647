import type { Stage, StageCheck } from '../artifact/viability-report-schema.js';

/** What the Supervisor did, in order, for progress output and run summaries. */
export type SupervisorEvent =
  | { type: 'spawned'; generation: number; parent: number | null; artifactHash: string; files: number }
  | { type: 'rejected'; route: string; status: number; error: string }
  | { type: 'rig-stage'; generation: number; stage: Stage; check: StageCheck }
  | {
      type: 'verdict';
      generation: number;
      rigResult: 'viable' | 'non-viable' | 'timeout' | 'crash';
      failureStage: string | null;
      summary: string | null;
      rigMs: number;
      /** The queue worker that judged it; null for the local rig. */
      worker: string | null;
    }
  | { type: 'promoted'; generation: number }
  | { type: 'rolled-back'; generation: number }
  | { type: 'closed-undecided'; generation: number; outcome: 'failed' | 'timeout'; reason: string };
