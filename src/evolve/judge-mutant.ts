import { readFile } from 'node:fs/promises';
import type { Backend } from '../gateway/backend.js';
import type { Spec } from '../spec/parse-spec.js';
import type { EvolveEntry } from './evolve-log.js';
import { guardMutation } from './guard-mutation.js';
import { askScreen } from './screen-mutation.js';

export const SCREEN_MAX_TOKENS = 2_000;

/**
 * The deterministic guard, then the `screen` role: the `rejected` entry of the first that refuses (with the reason and
 * the tokens it cost), or the `admitted` one with the mutant's parsed spec. Both read only the two files, so they run
 * again unchanged after a kill between the mutant and their verdict.
 */
export async function judgeMutant(options: {
  backend: Backend;
  model: string;
  parent: Spec;
  file: string;
  step: number;
  version: string;
  signal?: AbortSignal;
}): Promise<{ entry: EvolveEntry; mutant: Spec | null }> {
  const { step, version, parent, file } = options;
  const guarded = guardMutation({ parent, bytes: await readFile(file), file });
  if (!guarded.ok)
    return { entry: { type: 'rejected', step, version, by: 'guard', reason: guarded.reason, tokens: 0 }, mutant: null };
  const { verdict, tokens } = await askScreen({
    backend: options.backend,
    model: options.model,
    maxTokens: SCREEN_MAX_TOKENS,
    parent,
    mutant: guarded.spec,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  if (!verdict.coherent) {
    const reason = verdict.issues.length === 0 ? verdict.summary : verdict.issues.join('; ');
    return { entry: { type: 'rejected', step, version, by: 'screen', reason, tokens }, mutant: null };
  }
  return { entry: { type: 'admitted', step, version, screen: verdict.summary, tokens }, mutant: guarded.spec };
}
