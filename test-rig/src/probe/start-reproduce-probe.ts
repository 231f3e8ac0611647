import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { buildProbeScript } from './build-probe-script.js';
import { FakeSupervisorState } from './fake-supervisor-state.js';
import { ESCALATION_MODEL, MODEL, ProbeContext } from './probe-context.js';
import { ProbeInbox } from './probe-inbox.js';
import type { ProbeResult } from './probe-types.js';
import { readProbeSpec } from './read-probe-spec.js';
import { runProbeScript } from './run-probe-script.js';
import { startFakeLlm } from './start-fake-llm.js';
import { startFakeSupervisor } from './start-fake-supervisor.js';

export type { ProbeFailure, ProbeResult, ProbeStep } from './probe-types.js';
export { PROBE_STEPS } from './probe-types.js';

export interface ReproduceProbe {
  /** The environment to start the Prime with (add PATH, HOME, CAMBRIAN_PORT…; nothing else belongs there). */
  env: Record<string, string>;
  /** Settles once the script passed or its first step failed; never rejects. */
  result: Promise<ProbeResult>;
  /**
   * Ends the script if still running and drops both servers' connections. The step that was waiting fails with
   * `<reason> while waiting for …` (default reason "the probe was closed"), e.g. close('the Prime exited with code 1').
   */
  close(reason?: string): Promise<void>;
}

/**
 * The `reproduce` stage's conformance probe: a fake Supervisor and a fake Messages API (real SSE) on loopback that
 * drive a running Prime through one scripted generation (docs/contracts.md §1–§7) and judge every request it makes and
 * every file it writes. Start the Prime with `env` after this resolves; the script begins waiting at once.
 */
export async function startReproduceProbe(options: {
  specPath: string;
  workspaceDir: string;
  primeGeneration: number;
  timeoutMs: number;
  stepTimeoutMs?: number;
}): Promise<ReproduceProbe> {
  const stepTimeoutMs = options.stepTimeoutMs ?? 20_000;
  const spec = await readProbeSpec(options.specPath);
  const script = buildProbeScript({ spec, primeGeneration: options.primeGeneration });
  const inbox = new ProbeInbox();
  const state = new FakeSupervisorState(script.history);
  const token = `probe-${randomBytes(24).toString('hex')}`;
  const supervisor = await startFakeSupervisor({ inbox, state, stepTimeoutMs });
  const llm = await startFakeLlm({ inbox, token, stepTimeoutMs }).catch(async (error: unknown) => {
    await supervisor.close();
    throw error;
  });
  const startedAt = Date.now();
  const context = new ProbeContext({
    inbox,
    state,
    spec,
    script,
    workspaceDir: path.resolve(options.workspaceDir),
    primeGeneration: options.primeGeneration,
    stepTimeoutMs,
    timeoutMs: options.timeoutMs,
    deadline: startedAt + options.timeoutMs,
  });
  const result = runProbeScript(context, startedAt);
  return {
    env: {
      CAMBRIAN_SUPERVISOR_URL: supervisor.url,
      ANTHROPIC_BASE_URL: llm.url,
      ANTHROPIC_API_KEY: token,
      CAMBRIAN_SPEC_PATH: options.specPath,
      CAMBRIAN_WORKSPACE: options.workspaceDir,
      CAMBRIAN_MODEL: MODEL,
      CAMBRIAN_ESCALATION_MODEL: ESCALATION_MODEL,
      CAMBRIAN_MAX_GENS: '1',
      CAMBRIAN_MAX_RETRIES: '2',
      CAMBRIAN_POLL_INTERVAL_MS: '100',
      CAMBRIAN_GENERATION: String(options.primeGeneration),
    },
    result,
    close: async (reason = 'the probe was closed') => {
      context.closedReason ??= reason;
      inbox.close();
      await result;
      await Promise.all([supervisor.close(), llm.close()]);
    },
  };
}
