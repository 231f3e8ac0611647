import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { LineagePaths } from '../supervisor/lineage-paths.js';
import { writeFileAtomic } from '../supervisor/write-file-atomic.js';
import { readRunFile } from './read-run-summaries.js';

/**
 * `.cambrian/runs/<run>.start.json`, written when a run's gateway starts: whether it bills its tokens. A run killed
 * before its summary (`<run>.json`) leaves its generations' tokens in their records only; this file says whether
 * those tokens cost anything (an exemplar or replay run bills nothing), instead of guessing from a model name.
 */
export const runStartFileSchema = z
  .object({
    'cambrian-run-start': z.literal(1),
    run: z.string(),
    campaign: z.string().nullable(),
    started: z.string(),
    billed: z.boolean(),
  })
  .passthrough();
export type RunStartFile = z.infer<typeof runStartFileSchema>;

// Runs of `reproduce`/`campaign` (run-…) and sessions of `cambrian change` (change-…).
const START_FILE = /^((?:run|change)-[A-Za-z0-9-]+)\.start\.json$/;

export async function writeRunStart(
  paths: LineagePaths,
  start: Omit<RunStartFile, 'cambrian-run-start'>,
): Promise<void> {
  const file = path.join(paths.runs, `${start.run}.start.json`);
  await writeFileAtomic(file, `${JSON.stringify({ 'cambrian-run-start': 1, ...start }, null, 2)}\n`);
}

/** Ids of the runs whose gateway billed nothing (offline backends). A damaged file is an error that names it. */
export async function readUnbilledRuns(paths: LineagePaths): Promise<Set<string>> {
  const names = await readdir(paths.runs).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [] as string[];
    throw error;
  });
  const unbilled = new Set<string>();
  for (const name of names.filter((n) => START_FILE.test(n))) {
    const start = await readRunFile(path.join(paths.runs, name), runStartFileSchema, 'run start file');
    if (!start.billed) unbilled.add(start.run);
  }
  return unbilled;
}
