import type { GenerationRecord } from '../artifact/generation-record-schema.js';
import type { GuardVerdict } from './check-guards.js';

const STAGE_TIMES = '- stage times (ms):';

/** The stage times differ on every run: a replay of a review compares everything else (see createReplayBackend). */
export function maskStageTimes(text: string): string {
  return text.replace(/^- stage times \(ms\): .*$/gm, `${STAGE_TIMES} (masked for replay)`);
}

/** The rig's and the guards' numbers before and after a change, as lines for the reviewer. */
export function describeNumbers(options: {
  parentRecord: GenerationRecord | null;
  child: GenerationRecord;
  guards: GuardVerdict;
}): string {
  const { guards } = options;
  const fitness = (record: GenerationRecord | null) => (record?.viability?.fitness ?? {}) as Record<string, unknown>;
  const before = fitness(options.parentRecord);
  const after = fitness(options.child);
  const show = (value: unknown) => (value === undefined ? '?' : String(value));
  const lines = [
    `- tests run by the rig: ${show(before.tests_run)} → ${show(after.tests_run)} (passed ${show(after.tests_passed)})`,
    `- test cases in the source: ${guards.before.testCases} → ${guards.after.testCases}; test files ${guards.before.testFiles} → ${guards.after.testFiles}`,
    `- assertions: ${guards.before.assertions} → ${guards.after.assertions}; trivial share ${guards.before.trivialShare} → ${guards.after.trivialShare}`,
  ];
  const stages = after.stage_durations_ms as Record<string, number> | undefined;
  if (stages !== undefined) {
    lines.push(
      `${STAGE_TIMES} ${Object.entries(stages)
        .map(([stage, ms]) => `${stage} ${ms}`)
        .join(', ')}`,
    );
  }
  return lines.join('\n');
}
