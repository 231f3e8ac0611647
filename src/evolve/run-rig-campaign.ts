import { listCampaignIds, newCampaignId } from '../campaign/campaign-store.js';
import { runCampaign } from '../campaign/run-campaign.js';
import { CambrianError } from '../errors.js';
import type { RigQueueConnection } from '../queue/read-rig-queue-url.js';
import { lineagePaths } from '../supervisor/lineage-paths.js';
import type { EvolveEntry } from './evolve-log.js';
import type { CampaignOutcome } from './simulate-campaign.js';

type CampaignStage = 'head' | 'mutant' | 'confirm' | 'screening' | 'full';

/**
 * The rig campaign of one evaluation: the one its `launch` entry names when a killed run left one, else a new id with
 * the `launch` entry the caller must log before the campaign starts. So a resume continues the campaign whose
 * attempts are already recorded, and never starts a second one for the same evaluation.
 */
export function planRigCampaign(options: {
  entries: readonly EvolveEntry[];
  step: number;
  version: string;
  stage: CampaignStage;
}): { id: string; launch: EvolveEntry | null } {
  const { step, version, stage } = options;
  // A step evaluates a mutant in several batches of one stage, so only a launch whose campaign was never logged as
  // finished is the one a killed run left.
  const finished = new Set(options.entries.flatMap((e) => (e.type === 'campaign' && e.campaign ? [e.campaign] : [])));
  const launched = options.entries.find(
    (e) =>
      e.type === 'launch' && e.step === step && e.version === version && e.stage === stage && !finished.has(e.campaign),
  );
  if (launched?.type === 'launch') return { id: launched.campaign, launch: null };
  const id = newCampaignId();
  return { id, launch: { type: 'launch', step, version, stage, campaign: id, at: new Date().toISOString() } };
}

/**
 * One evaluation of a spec version by a real campaign in the rig (src/campaign/run-campaign.ts): `length` attempts,
 * `lanes` at once, in the evolve run's generations dir, under the id `campaign`: a new campaign, or, when a campaign of
 * that id is stored (the run was killed during it), that one resumed, its recorded attempts kept and not run again.
 * With a landscape the exemplar fails generations of each version as often, and at the stages, the landscape says
 * (offline, known ground truth); without one the configured providers write them.
 */
export async function runRigCampaign(options: {
  campaign: string;
  spec: string;
  length: number;
  lanes: number;
  generationsDir: string;
  landscape: string | null;
  rigQueue?: RigQueueConnection;
  signal?: AbortSignal;
}): Promise<CampaignOutcome & { campaign: string }> {
  const stored = await listCampaignIds(lineagePaths(options.generationsDir));
  const { campaign, exitCode } = await runCampaign({
    ...(stored.includes(options.campaign) ? { resume: options.campaign } : { id: options.campaign }),
    spec: options.spec,
    length: options.length,
    lanes: options.lanes,
    generationsDir: options.generationsDir,
    ...(options.landscape === null ? {} : { exemplarLandscape: options.landscape }),
    ...(options.rigQueue === undefined ? {} : { rigQueue: options.rigQueue }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  const summary = campaign.summary;
  if (exitCode !== 0 || summary === null)
    throw new CambrianError({
      code: 'E_EVOLVE_CAMPAIGN',
      message: `campaign ${campaign.id} of ${options.spec} stopped (${campaign.reason ?? campaign.status}): evolve cannot judge a version on it`,
      hint: 'see `cambrian stats` for the campaign; resume the evolve run to continue it',
    });
  const tokens = summary.tokens;
  return {
    campaign: campaign.id,
    attempts: summary.attempts,
    viable: summary.viable,
    firstTry: { attempts: summary.firstTry.attempts, viable: summary.firstTry.viable },
    failuresByStage: summary.failuresByStage,
    tokens: tokens.input + tokens.output + tokens.cacheRead + tokens.cacheWrite,
  };
}
