import { type BetaPosterior, betaPosterior } from './beta-posterior.js';
import { probabilityBetter } from './probability-better.js';

/**
 * The selection thresholds (bench/RESULTS.md measures them against the original's raw-rate rule):
 * - after the short screening campaign a mutant goes on to its full campaign only while P(mutant better than its
 *   parent) ≥ `continueAt`: a mutant that has already fallen that far behind is unlikely to catch up, and its full
 *   campaign is the expensive part;
 * - after the full campaign it replaces its parent as the line's head only when P(better) ≥ `promoteAt` (0.8);
 *   otherwise it stays in the archive as what it is. On the bench (3 + 5 attempts against a head known from 8) this
 *   keeps a mutant 10 points worse out 88 % of the time where the raw rate of 5 keeps it out 73 %, and promotes a
 *   mutant 30 points better about as often (69 % against 73 %).
 * `cannotTell` is the band in which a comparison says the samples cannot tell the two rates apart.
 */
export const SELECTION: SelectionThresholds = {
  continueAt: 0.3,
  promoteAt: 0.8,
  cannotTell: [0.1, 0.9],
};

export interface SelectionThresholds {
  continueAt: number;
  promoteAt: number;
  cannotTell: readonly [number, number];
}

export interface Counts {
  successes: number;
  trials: number;
}

export type RateVerdict = 'b-better' | 'a-better' | 'cannot-tell' | 'no-data';

export interface RateComparison {
  a: BetaPosterior;
  b: BetaPosterior;
  /** P(rate of b > rate of a); null when either side has no trials. */
  pBetter: number | null;
  verdict: RateVerdict;
}

/** Posteriors of two counted rates, P(b better) and what the samples can say about it. */
export function compareRates(a: Counts, b: Counts): RateComparison {
  const pa = betaPosterior(a);
  const pb = betaPosterior(b);
  if (a.trials === 0 || b.trials === 0) return { a: pa, b: pb, pBetter: null, verdict: 'no-data' };
  const pBetter = probabilityBetter(pa, pb);
  const [low, high] = SELECTION.cannotTell;
  const verdict = pBetter >= high ? 'b-better' : pBetter <= low ? 'a-better' : 'cannot-tell';
  return { a: pa, b: pb, pBetter, verdict };
}

/** After the screening campaign: go on to the full campaign, or stop here. */
export function decideAfterScreening(
  parent: Counts,
  mutant: Counts,
  rule: SelectionThresholds = SELECTION,
): { next: 'full' | 'drop'; pBetter: number } {
  const pBetter = pBetterOf(parent, mutant);
  return { next: pBetter >= rule.continueAt ? 'full' : 'drop', pBetter };
}

/** After the full campaign (screening and full pooled): replace the head, or keep the mutant in the archive only. */
export function decideAfterFull(
  parent: Counts,
  mutant: Counts,
  rule: SelectionThresholds = SELECTION,
): { decision: 'promote' | 'keep'; pBetter: number } {
  const pBetter = pBetterOf(parent, mutant);
  return { decision: pBetter >= rule.promoteAt ? 'promote' : 'keep', pBetter };
}

/** The original's rule (CAMBRIAN-SPEC-005 v0.11.0, M2): the mutant wins when its raw rate beats its parent's. */
export function originalRule(parent: Counts, mutant: Counts): 'promote' | 'keep' {
  return mutant.successes / mutant.trials > parent.successes / parent.trials ? 'promote' : 'keep';
}

/** P(mutant better than parent) from their counts. */
export function pBetterOf(parent: Counts, mutant: Counts): number {
  return probabilityBetter(betaPosterior(parent), betaPosterior(mutant));
}
