import type { GenerationRecord } from '../artifact/generation-record-schema.js';
import { CambrianError } from '../errors.js';
import { type LineagePaths, lineagePaths, resolveGenerationsDir } from '../supervisor/lineage-paths.js';
import { createRecordStore } from '../supervisor/record-store.js';
import { type CampaignFile, readCampaign, readCampaigns } from './campaign-store.js';
import { type RunSummaryFile, readRunSummaries } from './read-run-summaries.js';
import { readUnbilledRuns } from './run-start-file.js';

/** Everything on disk about a lineage that lineage, stats, report and spec diff read: never written here. */
export interface LineageData {
  paths: LineagePaths;
  records: GenerationRecord[];
  runs: RunSummaryFile[];
  /** Runs whose gateway billed nothing (exemplar, replay): their generations cost 0 even without a run summary. */
  unbilledRuns: Set<string>;
  campaigns: CampaignFile[];
}

/** Reads records, run summaries and campaigns of a generations dir (`--generations` > env > ./generations). */
export async function loadLineageData(options: { generationsDir?: string | undefined }): Promise<LineageData> {
  const paths = lineagePaths(resolveGenerationsDir(options.generationsDir));
  const [records, runs, unbilledRuns, campaigns] = await Promise.all([
    createRecordStore(paths).list(),
    readRunSummaries(paths),
    readUnbilledRuns(paths),
    readCampaigns(paths),
  ]);
  return { paths, records, runs, unbilledRuns, campaigns };
}

/** The records and runs of one campaign (an unknown id is a clear error naming the known ones). */
export async function loadCampaignData(
  data: LineageData,
  id: string,
): Promise<{ campaign: CampaignFile; records: GenerationRecord[]; runs: RunSummaryFile[] }> {
  const campaign = data.campaigns.find((c) => c.id === id) ?? (await readCampaign(data.paths, id));
  return {
    campaign,
    records: data.records.filter((record) => record.campaign === id),
    runs: data.runs.filter((run) => run.campaign === id),
  };
}

/** A generation number that is not in the lineage: clear error. */
export function requireGeneration(data: LineageData, generation: number): GenerationRecord {
  const record = data.records.find((r) => r.generation === generation);
  if (record === undefined) {
    throw new CambrianError({
      code: 'E_NO_GENERATION',
      message: `there is no generation ${generation} in ${data.paths.root}`,
      hint: 'run `cambrian lineage` to list the generations, or pass the right --generations DIR',
      exitCode: 2,
    });
  }
  return record;
}
