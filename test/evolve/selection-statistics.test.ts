import { describe, expect, it } from 'vitest';
import { betaCdf, betaPosterior, betaQuantile, logGamma } from '../../src/evolve/beta-posterior.js';
import { measureSelection } from '../../src/evolve/measure-selection.js';
import { probabilityBetter } from '../../src/evolve/probability-better.js';
import { createRandom } from '../../src/evolve/seeded-random.js';
import { compareRates, decideAfterFull, decideAfterScreening, originalRule } from '../../src/evolve/selection-rule.js';

describe('Beta posteriors', () => {
  it('logGamma matches factorials and Γ(1/2) = √π', () => {
    expect(logGamma(1)).toBeCloseTo(0, 12);
    expect(logGamma(6)).toBeCloseTo(Math.log(120), 10);
    expect(logGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 10);
  });

  it('the distribution function and quantiles of Beta(2, 1) (density 2x) are x² and √q', () => {
    expect(betaCdf(0.5, 2, 1)).toBeCloseTo(0.25, 12);
    expect(betaQuantile(0.25, 2, 1)).toBeCloseTo(0.5, 9);
    expect(betaQuantile(0.975, 1, 1)).toBeCloseTo(0.975, 9);
  });

  it('3 of 5 gives Beta(4, 3): mean 4/7 and a 95 % interval that holds both 60 % and 80 %', () => {
    const p = betaPosterior({ successes: 3, trials: 5 });
    expect([p.alpha, p.beta]).toEqual([4, 3]);
    expect(p.mean).toBeCloseTo(4 / 7, 12);
    // Beta(4,3) quantiles: 0.2228 and 0.8819 (scipy.stats.beta.ppf).
    expect(p.low).toBeCloseTo(0.2228, 3);
    expect(p.high).toBeCloseTo(0.8819, 3);
  });

  it('refuses counts that are not counts', () => {
    expect(() => betaPosterior({ successes: 6, trials: 5 })).toThrow(RangeError);
    expect(() => betaPosterior({ successes: 1.5, trials: 5 })).toThrow(RangeError);
  });
});

describe('P(better)', () => {
  it('equals the known integrals: 1/2 for equal evidence, 2/3 for Beta(2,1) over uniform', () => {
    expect(probabilityBetter({ alpha: 1, beta: 1 }, { alpha: 1, beta: 1 })).toBeCloseTo(0.5, 12);
    expect(probabilityBetter({ alpha: 1, beta: 1 }, { alpha: 2, beta: 1 })).toBeCloseTo(2 / 3, 12);
    expect(probabilityBetter({ alpha: 4, beta: 3 }, { alpha: 4, beta: 3 })).toBeCloseTo(0.5, 10);
  });

  it('agrees with a seeded Monte Carlo on 3/5 against 4/5 and stays exact for long campaigns', () => {
    const a = betaPosterior({ successes: 3, trials: 5 });
    const b = betaPosterior({ successes: 4, trials: 5 });
    const random = createRandom(7);
    const gamma = (k: number): number => {
      let sum = 0;
      for (let i = 0; i < k; i += 1) sum -= Math.log(1 - random());
      return sum;
    };
    const beta = (x: number, y: number): number => {
      const g = gamma(x);
      return g / (g + gamma(y));
    };
    let wins = 0;
    const n = 200_000;
    for (let i = 0; i < n; i += 1) if (beta(b.alpha, b.beta) > beta(a.alpha, a.beta)) wins += 1;
    expect(probabilityBetter(a, b)).toBeCloseTo(wins / n, 2);
    const long = probabilityBetter(
      betaPosterior({ successes: 500, trials: 1000 }),
      betaPosterior({ successes: 560, trials: 1000 }),
    );
    expect(long).toBeGreaterThan(0.99);
    expect(long).toBeLessThanOrEqual(1);
  });
});

describe('the selection rule', () => {
  it('says five attempts cannot tell 60 % from 80 %, and a hundred can', () => {
    const small = compareRates({ successes: 3, trials: 5 }, { successes: 4, trials: 5 });
    expect(small.verdict).toBe('cannot-tell');
    const large = compareRates({ successes: 60, trials: 100 }, { successes: 80, trials: 100 });
    expect(large.verdict).toBe('b-better');
    expect(compareRates({ successes: 80, trials: 100 }, { successes: 60, trials: 100 }).verdict).toBe('a-better');
    expect(compareRates({ successes: 0, trials: 0 }, { successes: 1, trials: 1 }).verdict).toBe('no-data');
  });

  it('screens out a mutant that starts 0/3 against a 4/8 head and promotes 7/8 over 4/8, not 5/8', () => {
    expect(decideAfterScreening({ successes: 4, trials: 8 }, { successes: 0, trials: 3 }).next).toBe('drop');
    expect(decideAfterScreening({ successes: 4, trials: 8 }, { successes: 2, trials: 3 }).next).toBe('full');
    expect(decideAfterFull({ successes: 4, trials: 8 }, { successes: 7, trials: 8 }).decision).toBe('promote');
    expect(decideAfterFull({ successes: 4, trials: 8 }, { successes: 5, trials: 8 }).decision).toBe('keep');
    // The original promotes on any raw gain, however small the sample.
    expect(originalRule({ successes: 2, trials: 5 }, { successes: 3, trials: 5 })).toBe('promote');
  });

  it('in simulation keeps worse mutants out more often than the raw rate of five, at the same mean accuracy', () => {
    const common = { parentAttempts: 8, screening: 3, full: 8, originalLength: 5, trials: 600 };
    const worse = measureSelection({ ...common, parentRate: 0.5, mutantRate: 0.3, seed: 1 });
    expect(1 - worse.cascade.promoted).toBeGreaterThan(1 - worse.original.promoted + 0.05);
    const better = measureSelection({ ...common, parentRate: 0.5, mutantRate: 0.8, seed: 2 });
    expect(better.cascade.promoted).toBeGreaterThan(0.5);
    expect(better.cascade.attempts).toBeLessThanOrEqual(8);
  });
});
