import { CambrianError } from '../errors.js';
import { compareRates, type RateComparison } from '../evolve/selection-rule.js';
import { loadSpec } from '../spec/load-spec.js';
import type { Spec } from '../spec/parse-spec.js';
import { lineagePaths, resolveGenerationsDir } from '../supervisor/lineage-paths.js';
import { type CampaignFile, readCampaign, readCampaigns } from './campaign-store.js';
import { loadLineageData } from './load-lineage-data.js';
import { type CampaignSummary, summarizeCampaign } from './summarize-campaign.js';

/** One side of a comparison: the campaigns of one spec version, their records pooled into one summary. */
export interface OutcomeSide {
  spec: { id: string; version: string; hash: string };
  campaigns: string[];
  summary: CampaignSummary;
}

/** The change in outcomes between two spec versions, b minus a (`cambrian spec diff`'s `campaigns` key). */
export interface OutcomeComparison {
  a: OutcomeSide;
  b: OutcomeSide;
  delta: {
    attempts: number;
    viabilityRate: number | null;
    firstTryRate: number | null;
    fitnessMean: number | null;
    tokens: number;
    costUsd: number | null;
    /** Cost per viable generation, b minus a (null when either side has no viable one or no known cost). */
    costPerViable: number | null;
  };
  /**
   * The same rates as Beta posteriors (95 % intervals) with P(b better than a) and whether the samples can tell:
   * raw rates of a few attempts each cannot separate 60 % from 80 %.
   */
  posteriors: { viability: RateComparison; firstTry: RateComparison };
  /** Non-viable attempts per failing stage on each side, every stage either side saw. */
  failureStages: Array<{ stage: string; a: number; b: number }>;
}

function diffOrNull(a: number | null, b: number | null): number | null {
  return a === null || b === null ? null : b - a;
}

function totalTokens(summary: CampaignSummary): number {
  const t = summary.tokens;
  return t.input + t.output + t.cacheRead + t.cacheWrite;
}

function costPerViable(summary: CampaignSummary): number | null {
  return summary.costUsd === null || summary.viable === 0 ? null : summary.costUsd / summary.viable;
}

export function compareOutcomes(a: OutcomeSide, b: OutcomeSide): OutcomeComparison {
  const stages = [...new Set([...Object.keys(a.summary.failuresByStage), ...Object.keys(b.summary.failuresByStage)])];
  return {
    a,
    b,
    delta: {
      attempts: b.summary.attempts - a.summary.attempts,
      viabilityRate: diffOrNull(a.summary.viabilityRate, b.summary.viabilityRate),
      firstTryRate: diffOrNull(a.summary.firstTry.rate, b.summary.firstTry.rate),
      fitnessMean: diffOrNull(a.summary.fitness.mean, b.summary.fitness.mean),
      tokens: totalTokens(b.summary) - totalTokens(a.summary),
      costUsd: diffOrNull(a.summary.costUsd, b.summary.costUsd),
      costPerViable: diffOrNull(costPerViable(a.summary), costPerViable(b.summary)),
    },
    posteriors: {
      viability: compareRates(
        { successes: a.summary.viable, trials: a.summary.attempts },
        { successes: b.summary.viable, trials: b.summary.attempts },
      ),
      firstTry: compareRates(
        { successes: a.summary.firstTry.viable, trials: a.summary.firstTry.attempts },
        { successes: b.summary.firstTry.viable, trials: b.summary.firstTry.attempts },
      ),
    },
    failureStages: stages.map((stage) => ({
      stage,
      a: a.summary.failuresByStage[stage] ?? 0,
      b: b.summary.failuresByStage[stage] ?? 0,
    })),
  };
}

async function summarizeSide(options: {
  generationsDir: string;
  campaigns: readonly CampaignFile[];
}): Promise<CampaignSummary> {
  const ids = new Set(options.campaigns.map((c) => c.id));
  const data = await loadLineageData({ generationsDir: options.generationsDir });
  return summarizeCampaign({
    records: data.records.filter((r) => r.campaign !== null && ids.has(r.campaign)),
    runs: data.runs.filter((run) => run.campaign !== null && ids.has(run.campaign)),
    unbilledRuns: data.unbilledRuns,
  });
}

/**
 * `cambrian spec diff --campaigns <c1> <c2>`: the two campaigns' spec versions (loaded again and checked against the
 * hash each campaign recorded) and their outcomes side by side.
 */
export async function compareCampaigns(options: {
  generationsDir?: string | undefined;
  a: string;
  b: string;
}): Promise<{ specA: Spec; specB: Spec; comparison: OutcomeComparison }> {
  const generationsDir = resolveGenerationsDir(options.generationsDir);
  const paths = lineagePaths(generationsDir);
  const [ca, cb] = await Promise.all([readCampaign(paths, options.a), readCampaign(paths, options.b)]);
  const [specA, specB] = await Promise.all([specOf(ca, generationsDir), specOf(cb, generationsDir)]);
  const [sa, sb] = await Promise.all([
    summarizeSide({ generationsDir, campaigns: [ca] }),
    summarizeSide({ generationsDir, campaigns: [cb] }),
  ]);
  return {
    specA,
    specB,
    comparison: compareOutcomes(
      { spec: ca.spec, campaigns: [ca.id], summary: sa },
      { spec: cb.spec, campaigns: [cb.id], summary: sb },
    ),
  };
}

/**
 * For `cambrian spec diff <a> <b>`: when the generations dir holds campaigns for both spec versions (matched by
 * hash), their pooled outcomes; otherwise null.
 */
export async function findOutcomeComparison(options: {
  generationsDir?: string | undefined;
  a: Spec;
  b: Spec;
}): Promise<OutcomeComparison | null> {
  const generationsDir = resolveGenerationsDir(options.generationsDir);
  const campaigns = await readCampaigns(lineagePaths(generationsDir));
  const ofA = campaigns.filter((c) => c.spec.hash === options.a.hash);
  const ofB = campaigns.filter((c) => c.spec.hash === options.b.hash);
  if (ofA.length === 0 || ofB.length === 0) return null;
  const [sa, sb] = await Promise.all([
    summarizeSide({ generationsDir, campaigns: ofA }),
    summarizeSide({ generationsDir, campaigns: ofB }),
  ]);
  const spec = (s: Spec): OutcomeSide['spec'] => ({ id: s.id, version: s.version, hash: s.hash });
  return compareOutcomes(
    { spec: spec(options.a), campaigns: ofA.map((c) => c.id), summary: sa },
    { spec: spec(options.b), campaigns: ofB.map((c) => c.id), summary: sb },
  );
}

async function specOf(campaign: CampaignFile, generationsDir: string): Promise<Spec> {
  for (const ref of [campaign.spec.ref, `${campaign.spec.id}@${campaign.spec.version}`]) {
    const spec = await loadSpec(ref, { generationsDir }).catch(() => null);
    if (spec !== null && spec.hash === campaign.spec.hash) return spec;
  }
  throw new CambrianError({
    code: 'E_CAMPAIGN_SPEC_MISSING',
    message: `campaign ${campaign.id} reproduced ${campaign.spec.id}@${campaign.spec.version} (${campaign.spec.hash}), but no spec file with that hash is found (tried ${campaign.spec.ref})`,
    hint: 'archive that version under spec/archive/<ID>@<version>.md to compare it',
    exitCode: 2,
  });
}
