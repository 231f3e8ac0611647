import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { CambrianError } from '../errors.js';
import { parseStoredJson } from '../parse-stored-json.js';
import type { LineagePaths } from '../supervisor/lineage-paths.js';
import { writeFileAtomic } from '../supervisor/write-file-atomic.js';
import { campaignSummarySchema } from './summarize-campaign.js';

export const CAMPAIGN_STATUSES = ['running', 'stopped', 'complete', 'failed'] as const;

/** `.cambrian/campaigns/<id>.json`: what a campaign is for, how far it got, and its summary (computed from records). */
export const campaignFileSchema = z.object({
  'cambrian-campaign': z.literal(1),
  id: z.string().regex(/^camp-[A-Za-z0-9-]+$/),
  /** `ref` is how runs load it (id@version, or an absolute path); a resume checks the hash is still the same. */
  spec: z.object({ id: z.string(), version: z.string(), hash: z.string(), ref: z.string() }),
  prime: z.number().int().nonnegative(),
  length: z.number().int().positive(),
  lanes: z.number().int().positive(),
  maxRetries: z.number().int().nonnegative(),
  faults: z.string().nullable(),
  provider: z.object({ generation: z.string(), escalation: z.string() }),
  status: z.enum(CAMPAIGN_STATUSES),
  /** Why the campaign is stopped or failed; null otherwise. */
  reason: z.string().nullable(),
  created: z.string(),
  updated: z.string(),
  /** Run ids of the campaign's `reproduce` runs, in the order they ended. */
  runs: z.array(z.string()),
  summary: campaignSummarySchema.nullable(),
});
export type CampaignFile = z.infer<typeof campaignFileSchema>;

export const CAMPAIGN_ID = /^camp-[A-Za-z0-9-]+$/;

export function newCampaignId(now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  return `camp-${stamp}-${randomBytes(2).toString('hex')}`;
}

export function campaignsDir(paths: LineagePaths): string {
  return path.join(paths.state, 'campaigns');
}

export async function writeCampaign(paths: LineagePaths, campaign: CampaignFile): Promise<void> {
  await mkdir(campaignsDir(paths), { recursive: true });
  const valid = campaignFileSchema.parse(campaign);
  await writeFileAtomic(path.join(campaignsDir(paths), `${valid.id}.json`), `${JSON.stringify(valid, null, 2)}\n`);
}

/** One campaign by id; an unknown id lists the known ones in its hint. */
export async function readCampaign(paths: LineagePaths, id: string): Promise<CampaignFile> {
  if (!CAMPAIGN_ID.test(id)) {
    throw new CambrianError({
      code: 'E_NO_CAMPAIGN',
      message: `${JSON.stringify(id)} is not a campaign id`,
      hint: 'campaign ids look like camp-20261122-020304-ab12; `cambrian stats --json` lists them',
      exitCode: 2,
    });
  }
  const file = path.join(campaignsDir(paths), `${id}.json`);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    const known = (await listCampaignIds(paths)).slice(-5);
    throw new CambrianError({
      code: 'E_NO_CAMPAIGN',
      message: `no campaign ${id} in ${paths.root}`,
      hint:
        known.length === 0
          ? 'this generations dir has no campaigns: start one with `cambrian campaign --spec <ref> --length N`, or pass the right --generations DIR'
          : `known campaigns: ${known.join(', ')}`,
      data: { file },
      exitCode: 2,
    });
  }
  return parseCampaign(file, text);
}

export async function listCampaignIds(paths: LineagePaths): Promise<string[]> {
  const names = await readdir(campaignsDir(paths)).catch(() => [] as string[]);
  return names
    .filter((name) => name.endsWith('.json') && CAMPAIGN_ID.test(name.slice(0, -5)))
    .map((name) => name.slice(0, -5))
    .sort();
}

export async function readCampaigns(paths: LineagePaths): Promise<CampaignFile[]> {
  const ids = await listCampaignIds(paths);
  const campaigns = await Promise.all(ids.map((id) => readCampaign(paths, id)));
  return campaigns.sort((a, b) => a.created.localeCompare(b.created));
}

function parseCampaign(file: string, text: string): CampaignFile {
  return parseStoredJson({
    text,
    schema: campaignFileSchema,
    damaged: (detail, cause) => damagedCampaign(file, detail, cause),
  });
}

function damagedCampaign(file: string, detail: string, cause?: unknown): CambrianError {
  return new CambrianError({
    code: 'E_CAMPAIGN_DAMAGED',
    message: `${file}: damaged campaign file: ${detail}`,
    hint: 'restore it from a backup, or delete it (its generation records keep the campaign id, so nothing else is lost)',
    data: { file },
    cause,
  });
}
