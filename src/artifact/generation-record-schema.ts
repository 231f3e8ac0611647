import { z } from 'zod';
import { directedRecordSchema } from '../change/directed-record-schema.js';
import { tokenUsageSchema } from './manifest-schema.js';
import { viabilityReportSchema } from './viability-report-schema.js';

export const OUTCOMES = ['in_progress', 'tested', 'promoted', 'failed', 'timeout'] as const;
export type Outcome = (typeof OUTCOMES)[number];
export const RIG_RESULTS = ['viable', 'non-viable', 'timeout', 'crash'] as const;

/** One generation as the Supervisor records it and serves it on `GET /versions` (docs/contracts.md §3). */
export const generationRecordSchema = z.object({
  generation: z.number().int().positive(),
  parent: z.number().int().nonnegative().nullable(),
  'spec-id': z.string(),
  'spec-version': z.string(),
  'spec-hash': z.string(),
  'artifact-path': z.string(),
  'artifact-hash': z.string().nullable(),
  outcome: z.enum(OUTCOMES),
  'rig-result': z.enum(RIG_RESULTS).nullable(),
  viability: viabilityReportSchema.nullable(),
  'producer-model': z.string().nullable(),
  'token-usage': tokenUsageSchema.nullable(),
  created: z.string(),
  completed: z.string().nullable(),
  campaign: z.string().nullable(),
  run: z.string().nullable(),
  reason: z.string().nullable(),
  /**
   * The `cambrian worker` that judged it when the rig ran on a queue (docs/scale-out.md), or the one it crashed on;
   * absent for the local rig.
   */
  'rig-worker': z.string().optional(),
  /**
   * Every worker that took the job, in order, when more than one did: the ones before `rig-worker` died or stalled
   * with it (a takeover). Absent when one worker (or the local rig) saw it through.
   */
  'rig-workers': z.array(z.string()).optional(),
  /** Set on a generation made by `cambrian change` (DESIGN.md §9); absent on older and reproduced records. */
  directed: directedRecordSchema.optional(),
});
export type GenerationRecord = z.infer<typeof generationRecordSchema>;
