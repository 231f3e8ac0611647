import { z } from 'zod';

export const STAGES = ['manifest', 'build', 'test', 'start', 'health', 'reproduce'] as const;
export type Stage = (typeof STAGES)[number];

export const failureSchema = z.object({
  test: z.string(),
  error: z.string(),
  file: z.string().nullable(),
  line: z.number().int().nullable(),
});
export type Failure = z.infer<typeof failureSchema>;

export const stageCheckSchema = z
  .object({
    passed: z.boolean(),
    duration_ms: z.number().nonnegative(),
    skipped: z.boolean().optional(),
    tests_run: z.number().int().nonnegative().optional(),
    tests_passed: z.number().int().nonnegative().optional(),
  })
  .passthrough();
export type StageCheck = z.infer<typeof stageCheckSchema>;

export const diagnosticsSchema = z.object({
  stage: z.string(),
  summary: z.string(),
  exit_code: z.number().int().nullable(),
  failures: z.array(failureSchema),
  stdout_tail: z.string(),
  stderr_tail: z.string(),
});
export type Diagnostics = z.infer<typeof diagnosticsSchema>;

/** The rig's verdict on one artifact (docs/contracts.md §9). */
export const viabilityReportSchema = z.object({
  generation: z.number().int().nonnegative(),
  status: z.enum(['viable', 'non-viable']),
  failure_stage: z.string().nullable(),
  checks: z.record(z.string(), stageCheckSchema),
  fitness: z.record(z.string(), z.unknown()),
  completed_at: z.string(),
  diagnostics: diagnosticsSchema.optional(),
});
export type ViabilityReport = z.infer<typeof viabilityReportSchema>;
