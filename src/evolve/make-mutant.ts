import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Backend } from '../gateway/backend.js';
import { parseSpec, type Spec } from '../spec/parse-spec.js';
import { askMutate, type MutationRequest, nameMutation } from './ask-mutate.js';
import type { EvolveEntry } from './evolve-log.js';

/** Room for a whole spec in the reply (the largest spec the guard admits is well under this). */
export const MUTATE_MAX_TOKENS = 32_000;

/**
 * One mutation: asks `mutate` for a new version of the parent, keeps what it wrote as `<ID>@<version>.md` in the
 * lineage's spec store (whatever it is: the guard judges it next), and returns the log entry that says so.
 */
export async function makeMutant(options: {
  backend: Backend;
  model: string;
  parent: Spec;
  version: string;
  step: number;
  request: MutationRequest;
  specsDir: string;
  signal?: AbortSignal;
}): Promise<Extract<EvolveEntry, { type: 'mutant' }>> {
  const { parent, version } = options;
  const { bytes, tokens } = await askMutate({
    backend: options.backend,
    model: options.model,
    maxTokens: MUTATE_MAX_TOKENS,
    parent,
    version,
    request: options.request,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  const file = path.join(options.specsDir, `${parent.id}@${version}.md`);
  await writeFile(file, bytes);
  let changes: string[] = [];
  try {
    changes = parseSpec({ bytes, file }).changes;
  } catch {
    // Unparsable: the guard rejects it with the parser's reason.
  }
  return {
    type: 'mutant',
    step: options.step,
    version,
    parentVersion: parent.version,
    mutation: nameMutation({ changes, type: options.request.type, version }),
    changes,
    tokens,
    file,
    at: new Date().toISOString(),
  };
}
