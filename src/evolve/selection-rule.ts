import { type BetaPosterior, betaPosterior } from './beta-posterior.js';
import { probabilityBetter } from './probability-better.js';

/**
 * The sequential selection rule (bench/RESULTS.md, "Evolve selection", measures it on whole lines against the
 * original's raw-rate rule). A mutant is tried in batches; after each batch, from `minAttempts` on, P(mutant better than
 * the head) is computed from Beta(1, 1) posteriors over all the attempts of each:
 * - P ≥ `decideAt`: provisionally promoted; P ≤ 1 − `decideAt`: dropped (it stays in the archive as what it is);
 * - otherwise it goes on, up to the cap (`--length` attempts), where it is promoted when P ≥ `atCap`, else kept in the
 *   archive undecided.
 * A provisional head known from 2 or 3 attempts would weaken every comparison after it, so before it replaces the head
 * it is topped up to the cap too (the confirmation): dropped back (`demote`) as soon as P ≤ 1 − `decideAt`, or at the
 * cap when P < `confirmAt`. The early stop is what the "screening campaign first" became: a mutant that falls
 * clearly behind stops after two attempts instead of three, and one that is still undecided goes on one batch at a time.
 * `cannotTell` is the band in which a comparison says the samples cannot tell the two rates apart.
 */
export const SELECTION: SelectionThresholds = {
  minAttempts: 2,
  decideAt: 0.8,
  atCap: 0.6,
  confirmAt: 0.6,
  cannotTell: [0.1, 0.9],
};

export interface SelectionThresholds {
  minAttempts: number;
  decideAt: number;
  atCap: number;
  confirmAt: number;
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

/** Where a mutant's evaluation stands after a batch: go on, or the decision and why it stopped there. */
export interface SequentialStep {
  next: 'continue' | 'promote' | 'drop' | 'keep' | 'demote';
  pBetter: number;
  why: string;
}

/** The evidence a sequential decision looks at: both sides' counts so far and the cap of the mutant's attempts. */
export interface SequentialEvidence {
  head: Counts;
  mutant: Counts;
  cap: number;
  rule?: SelectionThresholds;
}

/** After a batch of the mutant's attempts: go on, provisionally promote, drop, or (at the cap) decide. */
export function decideMutant(options: SequentialEvidence): SequentialStep {
  const weighed = weigh(options);
  const { rule, pBetter, p, cap } = weighed;
  if (options.mutant.trials < Math.min(rule.minAttempts, cap))
    return { next: 'continue', pBetter, why: `fewer than ${rule.minAttempts} attempts` };
  if (pBetter >= rule.decideAt) return { next: 'promote', pBetter, why: `P(better) ${p} ≥ ${rule.decideAt}` };
  if (pBetter <= 1 - rule.decideAt) return fallBehind(weighed, 'drop', '');
  if (options.mutant.trials < cap) return { next: 'continue', pBetter, why: `P(better) ${p} undecided` };
  const at = `at the cap of ${cap} attempts,`;
  return decideAtCap(weighed, rule.atCap, { next: 'keep', pass: at, fail: at });
}

/** After a batch of a provisional head's top-up: go on to the cap, confirm it as the head, or demote it. */
export function decideConfirmation(options: SequentialEvidence): SequentialStep {
  const weighed = weigh(options);
  const { rule, pBetter, cap } = weighed;
  if (pBetter <= 1 - rule.decideAt) return fallBehind(weighed, 'demote', 'confirmation: ');
  if (options.mutant.trials < cap) return { next: 'continue', pBetter, why: 'confirming up to the cap' };
  return decideAtCap(weighed, rule.confirmAt, {
    next: 'demote',
    pass: `confirmed at ${cap} attempts,`,
    fail: `confirmation at ${cap} attempts:`,
  });
}

interface Weighed {
  rule: SelectionThresholds;
  pBetter: number;
  /** P(better) as the reasons print it. */
  p: string;
  cap: number;
}

function weigh(options: SequentialEvidence): Weighed {
  const pBetter = pBetterOf(options.head, options.mutant);
  return { rule: options.rule ?? SELECTION, pBetter, p: pBetter.toFixed(2), cap: options.cap };
}

/** Clearly behind the head (P ≤ 1 − `decideAt`): a mutant is dropped, a provisional head demoted. */
function fallBehind(weighed: Weighed, next: 'drop' | 'demote', prefix: string): SequentialStep {
  const bound = (1 - weighed.rule.decideAt).toFixed(2);
  return { next, pBetter: weighed.pBetter, why: `${prefix}P(better) ${weighed.p} ≤ ${bound}` };
}

/** At the cap: promoted when P(better) reaches `threshold`, else `next`, each reason opened by its own words. */
function decideAtCap(
  weighed: Weighed,
  threshold: number,
  words: { next: 'keep' | 'demote'; pass: string; fail: string },
): SequentialStep {
  const { pBetter, p } = weighed;
  return pBetter >= threshold
    ? { next: 'promote', pBetter, why: `${words.pass} P(better) ${p} ≥ ${threshold}` }
    : { next: words.next, pBetter, why: `${words.fail} P(better) ${p} < ${threshold}` };
}

/** The original's rule (CAMBRIAN-SPEC-005 v0.11.0, M2): the mutant wins when its raw rate beats its parent's. */
export function originalRule(parent: Counts, mutant: Counts): 'promote' | 'keep' {
  return mutant.successes / mutant.trials > parent.successes / parent.trials ? 'promote' : 'keep';
}

/** P(mutant better than parent) from their counts. */
export function pBetterOf(parent: Counts, mutant: Counts): number {
  return probabilityBetter(betaPosterior(parent), betaPosterior(mutant));
}
