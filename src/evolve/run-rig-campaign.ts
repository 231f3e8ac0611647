import { runCampaign } from '../campaign/run-campaign.js';
import { CambrianError } from '../errors.js';
import type { RigQueueConnection } from '../queue/read-rig-queue-url.js';
import type { CampaignOutcome } from './simulate-campaign.js';

/**
 * One evaluation of a spec version by a real campaign in the rig (src/campaign/run-campaign.ts): `length` attempts,
 * `lanes` at once, in the evolve run's generations dir. With a landscape the exemplar fails generations of each
 * version as often as the landscape says (offline, known ground truth); without one the configured providers write them.
 */
export async function runRigCampaign(options: {
  spec: string;
  length: number;
  lanes: number;
  generationsDir: string;
  landscape: string | null;
  rigQueue?: RigQueueConnection;
  signal?: AbortSignal;
}): Promise<CampaignOutcome & { campaign: string }> {
  const { campaign, exitCode } = await runCampaign({
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
      hint: 'see `cambrian stats` for the campaign; resume the evolve run to evaluate the version again',
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
