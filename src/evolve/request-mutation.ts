import type { Spec } from '../spec/parse-spec.js';
import type { MutationRequest } from './ask-mutate.js';
import type { MutationType } from './landscape.js';
import type { EvolveState } from './replay-log.js';
import { restructurableSections } from './restructure-section.js';

/**
 * What the step's mutation is asked to do: the type planned for it (plan-mutation.ts: the meta-monitor's choice, a
 * restructuring on a collapsing archive, a transplant on a plateau, a refinement aimed at the stage failures cluster
 * at, after its fallbacks), a Type 1 refinement aimed at the stage where most of the head's failures fell ("what single change would
 * address failures at stage X?"), fed with its counts by stage.
 */
export function requestMutation(options: {
  state: EvolveState;
  parent: Spec;
  /** The type the step makes, as its parent entry logged it. */
  type: MutationType;
  /** The transplant's donor, when the meta-monitor asked for one and the archive offers one. */
  donor?: { spec: Spec; section: string } | null;
}): MutationRequest {
  const { state, parent } = options;
  const evidence = state.evidence.get(parent.version) ?? { successes: 0, trials: 0 };
  const stages = Object.entries(state.failures.get(parent.version) ?? {}).sort((a, b) => b[1] - a[1]);
  const top = state.choice?.stage ?? stages[0]?.[0];
  const results = [
    `${evidence.successes} of ${evidence.trials} attempts viable.`,
    stages.length === 0
      ? 'No failures recorded yet.'
      : `Failures by stage: ${stages.map(([stage, n]) => `${stage} ${n}`).join(', ')}.`,
  ].join('\n');
  const donor = options.donor ?? null;
  if (options.type === 'transplant' && donor !== null)
    return {
      type: 'transplant',
      instruction: `Selection has reached a plateau: recent mutations do not beat the parent. Replace the parent's section "${donor.section}" with the donor's section of that title (the donor below, ${donor.spec.version}, is the elite of the archive cell farthest from the parent's), adapted only where the parent's other sections require it.`,
      results,
      tried: state.changes,
      donor,
    };
  const section = options.type === 'restructuring' ? restructurableSections(parent, state.changes)[0] : undefined;
  if (section !== undefined)
    return {
      type: 'restructuring',
      instruction: `The archive is collapsing: recent mutations all land in the same niche. Restructure the section "${section}" (reorder, split or merge its parts, keeping every rule it states) so the next versions can differ in kind.`,
      results,
      tried: state.changes,
      restructure: section,
    };
  // A transplant with no donor the archive can offer, or a restructuring with no section left to restructure, is a
  // refinement.
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
