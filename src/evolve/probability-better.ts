import { type BetaPosterior, logBeta } from './beta-posterior.js';

/**
 * P(rate of b > rate of a) for two independent Beta posteriors, exactly: for a whole `b.alpha` the probability is the
 * finite sum Σ_{i<αb} B(αa+i, βa+βb) / ((βb+i) · B(1+i, βb) · B(αa, βa)) (Miller's closed form of the integral),
 * summed in log space so long campaigns do not overflow.
 */
export function probabilityBetter(
  a: Pick<BetaPosterior, 'alpha' | 'beta'>,
  b: Pick<BetaPosterior, 'alpha' | 'beta'>,
): number {
  if (!Number.isInteger(b.alpha)) throw new RangeError('probabilityBetter: b.alpha must be a whole number');
  const base = logBeta(a.alpha, a.beta);
  let total = 0;
  for (let i = 0; i < b.alpha; i += 1) {
    total += Math.exp(logBeta(a.alpha + i, a.beta + b.beta) - Math.log(b.beta + i) - logBeta(1 + i, b.beta) - base);
  }
  return Math.min(1, Math.max(0, total));
}
