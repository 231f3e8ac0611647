import type { ProbeContext } from './probe-context.js';
import { STEP_ACTIONS } from './probe-steps.js';
import { PROBE_STEPS, type ProbeFailure, type ProbeResult, type ProbeStep, StepFailure } from './probe-types.js';

/** Runs the steps in order; the first failure ends the script and every later step is reported not passed. */
export async function runProbeScript(context: ProbeContext, startedAt: number): Promise<ProbeResult> {
  const steps: ProbeStep[] = [];
  const failures: ProbeFailure[] = [];
  let failed = false;
  for (const name of PROBE_STEPS) {
    if (failed) {
      steps.push({ name, passed: false, detail: 'not reached: an earlier step failed' });
      continue;
    }
    try {
      const detail = await STEP_ACTIONS[name](context);
      steps.push({ name, passed: true, detail });
    } catch (error) {
      failed = true;
      const failure = error instanceof StepFailure ? error : new StepFailure(`probe error: ${String(error)}`);
      steps.push({ name, passed: false, detail: failure.message });
      failures.push({ test: `reproduce: ${name}`, error: failure.message, file: failure.file, line: null });
      context.pending?.refuse(failure.message);
      context.pending = null;
    }
  }
  context.options.inbox.close();
  return { passed: !failed, duration_ms: Date.now() - startedAt, steps, failures };
}
