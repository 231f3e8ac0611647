import type { LineageData } from './load-lineage-data.js';
import { type CampaignSummary, summarizeCampaign } from './summarize-campaign.js';

/** A stored campaign as `cambrian stats` and the report list it. */
export interface CampaignListing {
  id: string;
  spec: string;
  status: string;
  length: number;
  lanes: number;
  created: string;
  summary: CampaignSummary;
}

/**
 * Every stored campaign of the lineage with its summary recomputed from the records and run summaries on disk (never
 * read back from the campaign file, which a killed campaign may have left behind its generations).
 */
export function summarizeCampaigns(data: LineageData): CampaignListing[] {
  return data.campaigns.map((campaign) => ({
    id: campaign.id,
    spec: `${campaign.spec.id}@${campaign.spec.version}`,
    status: campaign.status,
    length: campaign.length,
    lanes: campaign.lanes,
    created: campaign.created,
    summary: summarizeCampaign({
      records: data.records.filter((r) => r.campaign === campaign.id),
      runs: data.runs.filter((run) => run.campaign === campaign.id),
      unbilledRuns: data.unbilledRuns,
    }),
  }));
}

/** The whole lineage summarized as one campaign. */
export function summarizeLineage(data: LineageData): CampaignSummary {
  return summarizeCampaign({ records: data.records, runs: data.runs, unbilledRuns: data.unbilledRuns });
}
