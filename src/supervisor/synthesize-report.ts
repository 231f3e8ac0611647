import { STAGES, type Stage, type StageCheck, type ViabilityReport } from '../artifact/viability-report-schema.js';

/**
 * The non-viable report stored when the rig itself timed out or crashed, so the Prime handles every ending the same
 * way (contracts §3): stages already reported keep their checks, the running one failed, the rest skipped.
 */
export function synthesizeReport(options: {
  generation: number;
  kind: 'prime' | 'service';
  completed: ReadonlyArray<{ stage: Stage; check: StageCheck }>;
  summary: string;
}): ViabilityReport {
  const stages = STAGES.filter((stage) => stage !== 'reproduce' || options.kind === 'prime');
  const checks: Record<string, StageCheck> = {};
  for (const { stage, check } of options.completed) checks[stage] = check;
  const running =
    stages.find((stage) => checks[stage] === undefined || checks[stage]?.passed !== true) ??
    stages[stages.length - 1] ??
    'manifest';
  let after = false;
  for (const stage of stages) {
    if (stage === running) {
      checks[stage] = { passed: false, duration_ms: checks[stage]?.duration_ms ?? 0 };
      after = true;
    } else if (after) {
      checks[stage] = { passed: false, duration_ms: 0, skipped: true };
    }
  }
  return {
    generation: options.generation,
    status: 'non-viable',
    failure_stage: running,
    checks,
    fitness: {},
    completed_at: new Date().toISOString(),
    diagnostics: {
      stage: running,
      summary: options.summary,
      exit_code: null,
      failures: [],
      stdout_tail: '',
      stderr_tail: '',
    },
  };
}
