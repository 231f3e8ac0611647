import { z } from 'zod';
import { reviewRecordSchema } from './review-schema.js';

const roleUsageSchema = z.object({
  input: z.number().int().nonnegative(),
  output: z.number().int().nonnegative(),
  cacheRead: z.number().int().nonnegative(),
  cacheWrite: z.number().int().nonnegative(),
  costUsd: z.number().nullable(),
  exchanges: z.number().int().nonnegative(),
});
export type RoleUsageRecord = z.infer<typeof roleUsageSchema>;

const measuresSchema = z.object({
  testFiles: z.number(),
  testCases: z.number(),
  assertions: z.number(),
  trivialShare: z.number(),
});

/** Where a directed change stopped: a rig stage, the guards, or the reviewer. */
export const DIRECTED_FAILURE_STAGES = ['guard', 'review'] as const;

/**
 * What a generation made by a directed change carries in its record (optional: older records and reproduced
 * generations have none). `failure_stage` is `guard` or `review` when the rig said viable but the change was refused
 * after it; a rig failure keeps the rig's stage in `viability`.
 */
export const directedRecordSchema = z.object({
  change: z.string(),
  attempt: z.number().int().nonnegative(),
  program: z.object({ title: z.string(), hash: z.string(), file: z.string() }),
  failure_stage: z.enum(DIRECTED_FAILURE_STAGES).nullable(),
  diagnostics: z.array(z.string()),
  guards: z
    .object({ passed: z.boolean(), violations: z.array(z.string()), before: measuresSchema, after: measuresSchema })
    .nullable(),
  review: reviewRecordSchema.nullable(),
  usage: z.object({ change: roleUsageSchema, review: roleUsageSchema }),
  diff: z.object({ files: z.number(), additions: z.number(), deletions: z.number() }).nullable(),
});
export type DirectedRecord = z.infer<typeof directedRecordSchema>;
