/** One step of the reproduce probe's script, in the order the Prime must go through them. */
export const PROBE_STEPS = [
  'history',
  'fresh-request',
  'parse-repair',
  'spawn',
  'artifact',
  'poll-non-viable',
  'rollback',
  'informed-retry',
  'continuation',
  'retry-spawn',
  'retry-artifact',
  'poll-viable',
  'promote',
  'settle',
] as const;
export type ProbeStepName = (typeof PROBE_STEPS)[number];

export interface ProbeStep {
  name: string;
  passed: boolean;
  detail: string;
}

/** Same shape as a viability report's `diagnostics.failures[]`, so the stage runner can copy them over. */
export interface ProbeFailure {
  test: string;
  error: string;
  file: string | null;
  line: number | null;
}

export interface ProbeResult {
  passed: boolean;
  duration_ms: number;
  steps: ProbeStep[];
  failures: ProbeFailure[];
}

/** A missed expectation: fails the current step with a message that says what was expected and what came. */
export class StepFailure extends Error {
  readonly file: string | null;

  constructor(message: string, file: string | null = null) {
    super(message);
    this.name = 'StepFailure';
    this.file = file;
  }
}
