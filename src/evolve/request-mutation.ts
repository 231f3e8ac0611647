import type { Spec } from '../spec/parse-spec.js';
import type { MutationRequest } from './ask-mutate.js';
import type { EvolveState } from './replay-log.js';

/**
 * What the next mutation of the head is asked to do. Type 1 refinement aimed at the stage where most of the head's
 * failures fell ("what single change would address failures at stage X?"), fed with its counts by stage.
 */
export function requestMutation(options: { state: EvolveState; parent: Spec }): MutationRequest {
  const { state, parent } = options;
  const evidence = state.evidence.get(parent.version) ?? { successes: 0, trials: 0 };
  const stages = Object.entries(state.failures.get(parent.version) ?? {}).sort((a, b) => b[1] - a[1]);
  const top = stages[0]?.[0];
  const results = [
    `${evidence.successes} of ${evidence.trials} attempts viable.`,
    stages.length === 0
      ? 'No failures recorded yet.'
      : `Failures by stage: ${stages.map(([stage, n]) => `${stage} ${n}`).join(', ')}.`,
  ].join('\n');
  return {
    type: 'refinement',
    instruction:
      top === undefined
        ? 'Make one refinement: the single change most likely to raise the share of viable generations.'
        : `Make one refinement aimed at the ${top} stage, where most failures fall: what single change would address failures at the ${top} stage?`,
    results,
    tried: state.changes,
  };
}
