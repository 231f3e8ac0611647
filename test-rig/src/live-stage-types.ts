/** What the host hands the live stage runner (a JSON file bound read-only into the sandbox). */
export interface LiveStageInput {
  kind: 'prime' | 'service';
  startCommand: string;
  healthPath: string;
  port: number;
  generation: number;
  startTimeoutMs: number;
  healthTimeoutMs: number;
  reproduceTimeoutMs: number;
  /** The manifest's contracts (checked equal to the trusted spec's by the manifest stage). */
  contracts: unknown[];
  /** The trusted spec's vectors, never the artifact's copy. */
  vectors: unknown[];
  /** The trusted spec inside the sandbox (for the reproduce probe). */
  specPath: string;
  /** A writable folder for the probe's workspace. */
  workspaceDir: string;
  /** Absolute prefixes the artifact runs under, stripped from failure paths. */
  artifactRoots: string[];
}

export interface LiveFailure {
  test: string;
  error: string;
  file: string | null;
  line: number | null;
}

export interface LiveStageCheck {
  passed: boolean;
  duration_ms: number;
  skipped?: boolean;
  [key: string]: unknown;
}

/** Printed by the runner as one line `CAMBRIAN-LIVE-RESULT <json>`. */
export interface LiveStageOutput {
  checks: { start: LiveStageCheck; health: LiveStageCheck; reproduce?: LiveStageCheck };
  failure: {
    stage: 'start' | 'health' | 'reproduce';
    summary: string;
    exit_code: number | null;
    failures: LiveFailure[];
    stdout_tail: string;
    stderr_tail: string;
  } | null;
}

export const LIVE_RESULT_MARKER = 'CAMBRIAN-LIVE-RESULT ';
