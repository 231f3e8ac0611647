/**
 * What the host and the live stage runner exchange. The runner runs in a sandbox of its own (the judge); the
 * artifact's start process runs in another (the judged). They meet only at unix sockets in two folders: the runner's
 * probe servers in `probeSocketDir` (read-only to the artifact), the artifact's exposed port in `artifactSocket`'s
 * folder (read-only to the runner). The runner's stdout, which the artifact never holds, carries three kinds of line.
 */
export interface LiveStageInput {
  kind: 'prime' | 'service';
  healthPath: string;
  /** The port the artifact listens on inside its own sandbox (named in diagnostics). */
  port: number;
  generation: number;
  startTimeoutMs: number;
  healthTimeoutMs: number;
  reproduceTimeoutMs: number;
  /** The manifest's contracts (checked equal to the trusted spec's by the manifest stage). */
  contracts: unknown[];
  /** The trusted spec's vectors, never the artifact's copy. */
  vectors: unknown[];
  /** The trusted spec, at the same path in both sandboxes (for the reproduce probe). */
  specPath: string;
  /** The probe workspace, at the same path in both sandboxes: writable for the artifact, read-only here. */
  workspaceDir: string;
  /** The unix socket the artifact's sandbox creates once its port accepts (lstat-checked: a socket, never a link). */
  artifactSocket: string;
  /** Where the runner exposes the probe's servers, one socket per PROBE_BRIDGES entry. */
  probeSocketDir: string;
}

/** The probe's servers as the artifact sees them: the env key, the socket in probeSocketDir, the port in its sandbox. */
export const PROBE_BRIDGES = [
  { envKey: 'CAMBRIAN_SUPERVISOR_URL', socket: 'supervisor.sock', port: 8400 },
  { envKey: 'ANTHROPIC_BASE_URL', socket: 'llm.sock', port: 8402 },
] as const;

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

/** Printed by the runner as one line `CAMBRIAN-LIVE-RESULT <json>`; the host adds the artifact's output tails. */
export interface LiveStageOutput {
  checks: { start: LiveStageCheck; health: LiveStageCheck; reproduce?: LiveStageCheck };
  failure: {
    stage: 'start' | 'health' | 'reproduce';
    summary: string;
    exit_code: number | null;
    failures: LiveFailure[];
  } | null;
}

/** `CAMBRIAN-LIVE-READY <json {env}>`: the probe (if any) listens; start the artifact with this environment. */
export const LIVE_READY_MARKER = 'CAMBRIAN-LIVE-READY ';
/** `CAMBRIAN-LIVE-BOUND`: the start check passed (from here on the artifact's exit is judged by the checks). */
export const LIVE_BOUND_MARKER = 'CAMBRIAN-LIVE-BOUND';
export const LIVE_RESULT_MARKER = 'CAMBRIAN-LIVE-RESULT ';
