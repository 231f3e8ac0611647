import { createRandom } from './seeded-random.js';
import {
  type Counts,
  decideAfterFull,
  decideAfterScreening,
  originalRule,
  SELECTION,
  type SelectionThresholds,
} from './selection-rule.js';

export interface SelectionTrialOptions {
  /** True viability of the parent and of the mutant (per attempt). */
  parentRate: number;
  mutantRate: number;
  /** Attempts behind the parent's rate (its campaigns so far): both rules compare against the same evidence. */
  parentAttempts: number;
  /** The cascade's screening and full campaign lengths (attempts on the mutant). */
  screening: number;
  full: number;
  /** The original's campaign length (5). */
  originalLength: number;
  trials: number;
  seed: number;
  /** Thresholds to measure (default: the documented SELECTION). */
  rule?: SelectionThresholds;
}

export interface RuleOutcome {
  /** Share of trials in which the mutant replaced its parent. */
  promoted: number;
  /** Mean attempts spent on the mutant per decision. */
  attempts: number;
}

/**
 * Measures the selection rule on a known pair of rates: `trials` independent decisions, each drawing the parent's
 * evidence and the mutant's attempts from the true rates, for the cascade and for the original's rule.
 */
export function measureSelection(options: SelectionTrialOptions): { cascade: RuleOutcome; original: RuleOutcome } {
  const random = createRandom(options.seed);
  const rule = options.rule ?? SELECTION;
  const draw = (rate: number, n: number): Counts => {
    let successes = 0;
    for (let i = 0; i < n; i += 1) if (random() < rate) successes += 1;
    return { successes, trials: n };
  };
  let cascadePromoted = 0;
  let cascadeAttempts = 0;
  let originalPromoted = 0;
  for (let t = 0; t < options.trials; t += 1) {
    const parent = draw(options.parentRate, options.parentAttempts);
    const screen = draw(options.mutantRate, options.screening);
    cascadeAttempts += options.screening;
    if (decideAfterScreening(parent, screen, rule).next === 'full') {
      const rest = draw(options.mutantRate, options.full - options.screening);
      cascadeAttempts += options.full - options.screening;
      const pooled = { successes: screen.successes + rest.successes, trials: options.full };
      if (decideAfterFull(parent, pooled, rule).decision === 'promote') cascadePromoted += 1;
    }
    const originalParent = draw(options.parentRate, options.originalLength);
    if (originalRule(originalParent, draw(options.mutantRate, options.originalLength)) === 'promote')
      originalPromoted += 1;
  }
  return {
    cascade: { promoted: cascadePromoted / options.trials, attempts: cascadeAttempts / options.trials },
    original: { promoted: originalPromoted / options.trials, attempts: options.originalLength },
  };
}
