import { buildArchive } from './build-archive.js';
import type { EvolveEntry } from './evolve-log.js';
import type { MutationType } from './landscape.js';
import type { EvolveState } from './replay-log.js';

/**
 * The meta-monitor's thresholds. Deterministic on purpose: a rule that fires is a logged fact a person can check
 * against the log, and a resumed run makes the same decisions. Chosen for runs of 8–16 attempts a version:
 * - a plateau is 3 settled mutants in a row without a promotion (below that, a 50 % mutant is still likely to win one);
 * - the archive collapses when 4 or more versions share half as many cells or fewer (the mutations stay in one niche);
 * - failures cluster at a stage when 6 or more of the head's failures are in and 70 % of them are at that stage;
 * - the budget burns when, at the tokens per attempt so far, the campaigns left would overrun what is left of it; the
 *   campaigns are then shortened to the length it affords (never below 2 attempts, the shortest the CLI accepts).
 */
export const MONITOR_RULES = {
  plateauSteps: 3,
  collapseMembers: 4,
  clusterFailures: 6,
  clusterShare: 0.7,
  minLength: 2,
} as const;

export type MonitorEntry = Extract<EvolveEntry, { type: 'monitor' }>;

/**
 * The meta-monitor's decisions before step `state.step`'s mutant is made: at most one choice of mutation
 * (collapse → restructuring, else plateau → transplant, else clustered failures → refinement at that stage) and at most
 * one shortening of the campaigns (budget burn). A decision already logged for this step is not made again (resume).
 */
export function monitorStep(options: {
  entries: readonly EvolveEntry[];
  state: EvolveState;
  start: Extract<EvolveEntry, { type: 'start' }>;
}): MonitorEntry[] {
  const { entries, state, start } = options;
  const step = state.step;
  const logged = entries.filter((e): e is MonitorEntry => e.type === 'monitor' && e.step === step);
  const decisions: MonitorEntry[] = [];
  if (!logged.some((e) => e.mutation !== undefined)) {
    const choice = chooseMutation(entries, state);
    if (choice !== null) decisions.push({ type: 'monitor', step, ...choice });
  }
  if (!logged.some((e) => e.length !== undefined)) {
    const burn = shortenOnBurn(state, start);
    if (burn !== null) decisions.push({ type: 'monitor', step, ...burn });
  }
  return decisions;
}

type Decision = Omit<MonitorEntry, 'type' | 'step'>;

function chooseMutation(entries: readonly EvolveEntry[], state: EvolveState): Decision | null {
  const archive = buildArchive(entries);
  const members = archive.members.length;
  if (members >= MONITOR_RULES.collapseMembers && archive.elites.length * 2 <= members)
    return mutation(
      'collapse',
      'restructuring',
      `archive collapsing (${members} versions in ${archive.elites.length} cells): next mutation restructures a section`,
    );
  const settled = entries.filter((e) => e.type === 'rejected' || e.type === 'decision');
  const recent = settled.slice(-MONITOR_RULES.plateauSteps);
  if (
    recent.length === MONITOR_RULES.plateauSteps &&
    recent.every((e) => e.type === 'rejected' || e.decision !== 'promote')
  )
    return mutation(
      'plateau',
      'transplant',
      `plateau (${MONITOR_RULES.plateauSteps} mutants without a promotion): next mutation transplants a section from a distant archive cell`,
    );
  const failures = Object.entries(state.failures.get(state.head) ?? {}).sort((a, b) => b[1] - a[1]);
  const total = failures.reduce((sum, [, n]) => sum + n, 0);
  const [stage, top] = failures[0] ?? ['', 0];
  if (total >= MONITOR_RULES.clusterFailures && top / total >= MONITOR_RULES.clusterShare)
    return {
      ...mutation(
        'stage-cluster',
        'refinement',
        `${top} of ${total} failures of ${state.head} at the ${stage} stage: next mutation refines for it`,
      ),
      stage,
    };
  return null;
}

function mutation(rule: string, type: MutationType, action: string): Decision {
  return { rule, action, mutation: type };
}

function shortenOnBurn(state: EvolveState, start: Extract<EvolveEntry, { type: 'start' }>): Decision | null {
  if (start.budget === null) return null;
  const remaining = start.campaigns - state.campaigns;
  let attempts = 0;
  for (const counts of state.evidence.values()) attempts += counts.trials;
  if (remaining <= 0 || attempts === 0) return null;
  // An evaluation averages about half the cap: the sequential rule stops most mutants early, tops up only promotions.
  const perAttempt = state.tokens / attempts;
  const affordable = Math.floor((2 * (start.budget - state.tokens)) / (remaining * perAttempt));
  if (affordable >= state.length) return null;
  const length = Math.max(MONITOR_RULES.minLength, affordable);
  if (length >= state.length) return null;
  const pace = Math.round(perAttempt * remaining * (state.length / 2));
  return {
    rule: 'budget-burn',
    action: `${state.tokens} of ${start.budget} tokens spent, ${remaining} campaigns to go would need about ${pace}: campaigns shortened from ${state.length} to ${length} attempts`,
    length,
  };
}
