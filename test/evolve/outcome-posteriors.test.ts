import { describe, expect, it } from 'vitest';
import { compareOutcomes, type OutcomeSide } from '../../src/campaign/compare-campaigns.js';
import { renderOutcomeComparison } from '../../src/campaign/render-outcome-comparison.js';
import { summarizeCampaign } from '../../src/campaign/summarize-campaign.js';
import type { SpecDiff } from '../../src/spec/diff-specs.js';

function side(version: string, viable: number, attempts: number): OutcomeSide {
  const empty = summarizeCampaign({ records: [], runs: [] });
  return {
    spec: { id: 'MINIMAL-SPEC-001', version, hash: `sha256:${version}` },
    campaigns: [`camp-${version}`],
    summary: {
      ...empty,
      attempts,
      viable,
      viabilityRate: viable / attempts,
      firstTry: { attempts, viable, rate: viable / attempts },
    },
  };
}

const diff: SpecDiff = {
  a: { id: 'MINIMAL-SPEC-001', version: '0.1.0', hash: 'a' },
  b: { id: 'MINIMAL-SPEC-001', version: '0.2.0', hash: 'b' },
  frontMatter: [],
  sections: [],
  frozenViolations: [],
  unified: '',
};

describe('spec diff --campaigns posteriors', () => {
  it('shows intervals and P(better) beside 60 % → 80 % of five attempts, and says the samples cannot tell', () => {
    const k = compareOutcomes(side('0.1.0', 3, 5), side('0.2.0', 4, 5));
    expect(k.posteriors.viability.verdict).toBe('cannot-tell');
    expect(k.posteriors.viability.pBetter).toBeGreaterThan(0.5);
    const text = renderOutcomeComparison({ diff, comparison: k, color: false });
    expect(text).toMatch(/viability\s+60% → 80%/);
    expect(text).toMatch(/posterior\s+\[22–88%\] → \[36–96%\] P\(better\) 0\.\d\d: the samples cannot tell/);
  });

  it('says b is better when a hundred attempts each separate the rates', () => {
    const k = compareOutcomes(side('0.1.0', 60, 100), side('0.2.0', 80, 100));
    expect(k.posteriors.viability.verdict).toBe('b-better');
    expect(renderOutcomeComparison({ diff, comparison: k, color: false })).toMatch(/P\(better\) 1\.00: b is better/);
  });
});
