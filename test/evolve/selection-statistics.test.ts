import { describe, expect, it } from 'vitest';
import { betaCdf, betaPosterior, betaQuantile, logGamma } from '../../src/evolve/beta-posterior.js';
import { type LineOutcome, measureLines } from '../../src/evolve/measure-selection.js';
import { probabilityBetter } from '../../src/evolve/probability-better.js';
import { createRandom } from '../../src/evolve/seeded-random.js';
import { compareRates, decideConfirmation, decideMutant, originalRule } from '../../src/evolve/selection-rule.js';

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

  it('stops a mutant early when it falls clearly behind, goes on while undecided, and decides at the cap', () => {
    const head = { successes: 4, trials: 8 };
    const cap = 8;
    // Below the minimum of 2 attempts nothing is decided, however the first one went.
    expect(decideMutant({ head, mutant: { successes: 0, trials: 1 }, cap }).next).toBe('continue');
    expect(decideMutant({ head, mutant: { successes: 0, trials: 2 }, cap })).toMatchObject({ next: 'drop' });
    expect(decideMutant({ head, mutant: { successes: 2, trials: 2 }, cap }).next).toBe('promote');
    expect(decideMutant({ head, mutant: { successes: 1, trials: 2 }, cap }).next).toBe('continue');
    // At the cap: 5/8 against 4/8 is P ≈ 0.68 ≥ 0.6, promoted; 4/8 against 4/8 is 0.5, kept in the archive.
    expect(decideMutant({ head, mutant: { successes: 5, trials: 8 }, cap })).toMatchObject({
      next: 'promote',
      why: expect.stringMatching(/^at the cap of 8 attempts/),
    });
    expect(decideMutant({ head, mutant: { successes: 4, trials: 8 }, cap }).next).toBe('keep');
    // The original promotes on any raw gain, however small the sample.
    expect(originalRule({ successes: 2, trials: 5 }, { successes: 3, trials: 5 })).toBe('promote');
  });

  it('a provisional head is topped up to the cap, and demoted when its evidence falls behind', () => {
    const head = { successes: 4, trials: 8 };
    expect(decideConfirmation({ head, mutant: { successes: 2, trials: 3 }, cap: 8 }).next).toBe('continue');
    expect(decideConfirmation({ head, mutant: { successes: 7, trials: 8 }, cap: 8 }).next).toBe('promote');
    expect(decideConfirmation({ head, mutant: { successes: 4, trials: 8 }, cap: 8 })).toMatchObject({
      next: 'demote',
      why: expect.stringMatching(/^confirmation at 8 attempts/),
    });
    expect(decideConfirmation({ head, mutant: { successes: 1, trials: 7 }, cap: 8 }).next).toBe('demote');
  });

  it('on whole lines it picks the better more often than the raw rate of five, at no more attempts', () => {
    const result = measureLines({ base: 0.5, d: 0.3, mutants: 12, lines: 150, seed: 3, cap: 8, originalLength: 5 });
    const mean = (o: LineOutcome): number => (o.better + 1 - o.worse) / 2;
    expect(mean(result.sequential)).toBeGreaterThan(mean(result.original) + 0.03);
    expect(result.sequential.attempts).toBeLessThanOrEqual(result.original.attempts);
    expect(result.sequential.finalHead).toBeGreaterThanOrEqual(result.original.finalHead);
    // Without the top-up, promotions are cheaper: the top-up's attempts are counted.
    const bare = measureLines({
      base: 0.5,
      d: 0.3,
      mutants: 12,
      lines: 150,
      seed: 3,
      cap: 8,
      originalLength: 5,
      confirm: false,
    });
    expect(bare.sequential.attempts).toBeLessThan(result.sequential.attempts);
  });
});
