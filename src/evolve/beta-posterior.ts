/**
 * Beta-binomial posteriors for a rate measured by counting (viable attempts out of attempts). The prior is uniform,
 * Beta(1, 1): it claims nothing about a spec before it is tried, and keeps both parameters whole numbers, so every
 * probability below is an exact finite sum rather than a numerical integral.
 */

/** The uniform prior's pseudo-counts. */
export const PRIOR = { alpha: 1, beta: 1 } as const;

/** The credible mass of the intervals shown beside raw rates. */
export const CREDIBLE_MASS = 0.95;

export interface BetaPosterior {
  successes: number;
  trials: number;
  alpha: number;
  beta: number;
  /** Posterior mean, (s + 1) / (n + 2). */
  mean: number;
  /** The equal-tailed 95 % credible interval. */
  low: number;
  high: number;
}

/** The posterior of a rate after `successes` of `trials` (whole numbers, successes ≤ trials). */
export function betaPosterior(counts: { successes: number; trials: number }): BetaPosterior {
  const { successes, trials } = counts;
  if (!Number.isInteger(successes) || !Number.isInteger(trials) || successes < 0 || successes > trials)
    throw new RangeError(`betaPosterior: ${successes} of ${trials} is not a count`);
  const alpha = PRIOR.alpha + successes;
  const beta = PRIOR.beta + trials - successes;
  const tail = (1 - CREDIBLE_MASS) / 2;
  return {
    successes,
    trials,
    alpha,
    beta,
    mean: alpha / (alpha + beta),
    low: betaQuantile(tail, alpha, beta),
    high: betaQuantile(1 - tail, alpha, beta),
  };
}

/**
 * The Beta(a, b) distribution function at x for whole a, b: P(X ≤ x) = P(Binomial(a + b − 1, x) ≥ a), a finite sum.
 */
export function betaCdf(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const n = a + b - 1;
  let sum = 0;
  for (let j = a; j <= n; j += 1) sum += Math.exp(logChoose(n, j) + j * Math.log(x) + (n - j) * Math.log1p(-x));
  return Math.min(1, sum);
}

/** The q-quantile of Beta(a, b) by bisection on the distribution function (60 halvings: far below display precision). */
export function betaQuantile(q: number, a: number, b: number): number {
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 60; i += 1) {
    const mid = (lo + hi) / 2;
    if (betaCdf(mid, a, b) < q) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

// Counts make whole arguments; the simulation asks for the same few thousand values millions of times.
const wholeLogGamma: number[] = [];

/** ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9: about 15 significant digits). */
export function logGamma(x: number): number {
  if (Number.isInteger(x) && x > 0 && x < 4096) {
    const known = wholeLogGamma[x];
    if (known !== undefined) return known;
    const value = lanczosLogGamma(x);
    wholeLogGamma[x] = value;
    return value;
  }
  return lanczosLogGamma(x);
}

function lanczosLogGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lanczosLogGamma(1 - x);
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  const z = x - 1;
  let sum = c[0] ?? 0;
  for (let i = 1; i < c.length; i += 1) sum += (c[i] ?? 0) / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

export function logBeta(a: number, b: number): number {
  return logGamma(a) + logGamma(b) - logGamma(a + b);
}

function logChoose(n: number, k: number): number {
  return logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1);
}
