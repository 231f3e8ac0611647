import { type DirectedStats, summarizeDirected } from '../change/summarize-directed.js';
import type { CacheUsage } from '../gateway/account-cache.js';
import type { LineageData } from './load-lineage-data.js';
import { sumCacheUsage } from './sum-cache-usage.js';
import { type CampaignSummary, summarizeCampaign } from './summarize-campaign.js';
import { type CampaignListing, summarizeCampaigns, summarizeLineage } from './summarize-campaigns.js';
import { type RigWorkerStats, summarizeRigWorkers } from './summarize-rig-workers.js';

/** `cambrian stats`: the lineage by the numbers, overall, per spec version and per campaign. */
export interface LineageStats {
  generationsDir: string;
  generations: number;
  promoted: number;
  runs: number;
  summary: CampaignSummary;
  /** Directed changes (`cambrian change`), from the records that carry one. */
  directed: DirectedStats;
  /** Prompt-cache writes and reads by TTL and dollars saved, over the runs that recorded them (null: none did). */
  cache: CacheUsage | null;
  /** Rig time per worker (`local` for the engine's own rig; others ran on `cambrian worker`s). */
  rigWorkers: RigWorkerStats[];
  bySpec: Array<{ spec: string; generations: number; summary: CampaignSummary }>;
  campaigns: CampaignListing[];
}

/** Every summary is recomputed from the records and run summaries on disk (never read back from a campaign file). */
export function computeStats(data: LineageData): LineageStats {
  const specs = [...new Set(data.records.map((r) => `${r['spec-id']}@${r['spec-version']}`))].sort();
  return {
    generationsDir: data.paths.root,
    generations: data.records.length,
    promoted: data.records.filter((r) => r.outcome === 'promoted').length,
    runs: data.runs.length,
    summary: summarizeLineage(data),
    directed: summarizeDirected(data.records),
    rigWorkers: summarizeRigWorkers(data.records),
    cache: sumCacheUsage(data.runs),
    bySpec: specs.map((spec) => {
      const records = data.records.filter((r) => `${r['spec-id']}@${r['spec-version']}` === spec);
      const runIds = new Set(records.map((r) => r.run));
      return {
        spec,
        generations: records.length,
        summary: summarizeCampaign({
          records,
          runs: data.runs.filter((run) => `${run.spec.id}@${run.spec.version}` === spec || runIds.has(run.run)),
          unbilledRuns: data.unbilledRuns,
        }),
      };
    }),
    campaigns: summarizeCampaigns(data),
  };
}
