import type { ProbeContext } from './probe-context.js';
import { continuationStep, freshRequestStep, informedRetryStep, parseRepairStep } from './probe-llm-steps.js';
import {
  artifactFirstStep,
  artifactRetryStep,
  historyStep,
  pollNonViableStep,
  pollViableStep,
  promoteStep,
  rollbackStep,
  settleStep,
  spawnFirstStep,
  spawnRetryStep,
} from './probe-supervisor-steps.js';
import type { ProbeStepName } from './probe-types.js';

/** What each step does; each returns the detail of a pass or throws a StepFailure. */
export const STEP_ACTIONS: Record<ProbeStepName, (context: ProbeContext) => Promise<string>> = {
  history: historyStep,
  'fresh-request': freshRequestStep,
  'parse-repair': parseRepairStep,
  spawn: spawnFirstStep,
  artifact: artifactFirstStep,
  'poll-non-viable': pollNonViableStep,
  rollback: rollbackStep,
  'informed-retry': informedRetryStep,
  continuation: continuationStep,
  'retry-spawn': spawnRetryStep,
  'retry-artifact': artifactRetryStep,
  'poll-viable': pollViableStep,
  promote: promoteStep,
  settle: settleStep,
};
