import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { CambrianError } from '../errors.js';
import { parseStoredJson } from '../parse-stored-json.js';
import type { LineagePaths } from '../supervisor/lineage-paths.js';
import { runCacheSchema } from './sum-cache-usage.js';

const tokenCountSchema = z.object({
  input: z.number().nonnegative(),
  output: z.number().nonnegative(),
  cacheRead: z.number().nonnegative(),
  cacheWrite: z.number().nonnegative(),
});

/**
 * The part of a run summary (`.cambrian/runs/<run>.json`, written by `cambrian reproduce`) that campaigns and
 * reports read. Validated here, at the boundary; unknown keys pass so the writer can add fields.
 */
export const runSummaryFileSchema = z
  .object({
    'cambrian-run': z.literal(1),
    run: z.string(),
    campaign: z.string().nullable(),
    spec: z.object({ id: z.string(), version: z.string(), hash: z.string() }),
    prime: z.number().int().nonnegative(),
    started: z.string(),
    ended: z.string(),
    wallMs: z.number().nonnegative(),
    generations: z.array(
      z
        .object({
          generation: z.number().int(),
          tokens: tokenCountSchema,
          costUsd: z.number().nullable(),
          exchanges: z.number().int().nonnegative(),
          purposes: z.record(z.string(), z.number().int().nonnegative()),
          rigMs: z.number().nullable(),
        })
        .passthrough(),
    ),
    promoted: z.array(z.number().int()),
    tokens: tokenCountSchema,
    costUsd: z.number().nullable(),
    exchanges: z.number().int().nonnegative(),
    primeExit: z
      .object({ code: z.number().nullable(), signal: z.string().nullable(), meaning: z.string() })
      .passthrough(),
    stopped: z.string().nullable(),
    cache: runCacheSchema.optional(),
  })
  .passthrough();
export type RunSummaryFile = z.infer<typeof runSummaryFileSchema>;

const RUN_FILE = /^(run-[A-Za-z0-9-]+)\.json$/;

/** Every run summary of a lineage, oldest first. A damaged file is an error that names it and says what is wrong. */
export async function readRunSummaries(paths: LineagePaths): Promise<RunSummaryFile[]> {
  let names: string[];
  try {
    names = await readdir(paths.runs);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const runs = await Promise.all(
    names
      .filter((name) => RUN_FILE.test(name))
      .map((name) => readRunFile(path.join(paths.runs, name), runSummaryFileSchema, 'run summary')),
  );
  return runs.sort((a, b) => a.started.localeCompare(b.started) || a.run.localeCompare(b.run));
}

/** A file of `.cambrian/runs/`, validated; a damaged one is an error naming the file and the field. */
export async function readRunFile<T>(file: string, schema: z.ZodType<T>, kind: string): Promise<T> {
  const text = await readFile(file, 'utf8');
  return parseStoredJson({ text, schema, damaged: (detail, cause) => damagedRun(file, kind, detail, cause) });
}

function damagedRun(file: string, kind: string, detail: string, cause?: unknown): CambrianError {
  return new CambrianError({
    code: 'E_RUN_DAMAGED',
    message: `${file}: damaged ${kind}: ${detail}`,
    hint: 'restore the file from a backup, or move it out of .cambrian/runs/ (its generations keep their records)',
    data: { file },
    cause,
  });
}
