import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { computeArtifactHash } from './artifact-hash.js';
import { checkPath, type ParsedFile } from './block-parser.js';
import { PrimeError } from './errors.js';
import type { TokenUsage } from './llm.js';
import type { SpecInfo } from './spec.js';

/** `manifest.json`: computed by the Prime from what is on disk, never written by the LLM. */
export interface Manifest {
  'cambrian-version': 1;
  generation: number;
  'parent-generation': number | null;
  'spec-id': string;
  'spec-version': string;
  'spec-path': string;
  'spec-hash': string;
  'artifact-hash': string;
  'producer-model': string;
  'token-usage': TokenUsage;
  files: string[];
  'created-at': string;
  entry: Record<string, unknown>;
  contracts: unknown[];
  /** An edit-mode retry: the failed generation it edits and the files it kept from it unchanged. */
  'edited-from'?: number;
  'kept-files'?: string[];
}

/** Resolves `relative` inside `root`, refusing any path that would end up anywhere else. */
export function resolveInside(root: string, relative: string): string {
  const base = path.resolve(root);
  const target = path.resolve(base, relative);
  if (!target.startsWith(base + path.sep)) {
    throw new PrimeError('E_PATH', `path ${JSON.stringify(relative)} resolves outside ${base}; nothing was written`);
  }
  return target;
}

/** The folder of generation N inside the workspace. */
export function artifactDir(workspace: string, generation: number): string {
  return resolveInside(workspace, `gen-${generation}`);
}

/**
 * Writes `$workspace/gen-N/`: the parsed files, the spec copy (byte-identical), the spec's inherited files (both
 * replacing any file of the reply at their paths) and `manifest.json`. Everything is written into a scratch folder
 * first and renamed into place, so a failure leaves nothing half-written behind.
 */
export async function writeArtifact(options: {
  workspace: string;
  generation: number;
  parent: number;
  files: ParsedFile[];
  spec: SpecInfo;
  model: string;
  usage: TokenUsage;
  editOf: { generation: number; kept: string[] } | null;
}): Promise<{ dir: string; manifest: Manifest }> {
  const { workspace, generation, spec } = options;
  await mkdir(path.resolve(workspace), { recursive: true });
  const dir = artifactDir(workspace, generation);
  const scratch = resolveInside(workspace, `.gen-${generation}.partial`);
  await rm(scratch, { recursive: true, force: true });
  try {
    const written = new Set<string>();
    // The spec copy and the inherited files win over a reply file at their path, under it, or at one of their folders.
    const fixed = [{ path: spec.copyPath, content: spec.bytes as Uint8Array | string }, ...spec.inherited];
    const clashes = (file: string): boolean => fixed.some(({ path: own }) => file === own || file.startsWith(`${own}/`) || own.startsWith(`${file}/`));
    for (const file of [...options.files.filter((reply) => !clashes(reply.path)), ...fixed]) {
      const problem = checkPath(file.path);
      if (problem !== null) throw new PrimeError('E_PATH', `${problem.message}; nothing was written`);
      const target = resolveInside(scratch, file.path);
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(target, file.content);
      written.add(file.path);
    }

    const files = [...written].sort();
    const manifest: Manifest = {
      'cambrian-version': 1,
      generation,
      'parent-generation': options.parent,
      'spec-id': spec.id,
      'spec-version': spec.version,
      'spec-path': spec.copyPath,
      'spec-hash': spec.hash,
      'artifact-hash': await computeArtifactHash(scratch, files),
      'producer-model': options.model,
      'token-usage': options.usage,
      files,
      'created-at': new Date().toISOString(),
      entry: spec.entry,
      contracts: spec.contracts,
    };
    if (options.editOf !== null) {
      manifest['edited-from'] = options.editOf.generation;
      manifest['kept-files'] = options.editOf.kept.filter((file) => written.has(file)).sort();
    }
    await writeManifest(scratch, manifest);
    await rm(dir, { recursive: true, force: true });
    await rename(scratch, dir);
    return { dir, manifest };
  } catch (error) {
    await rm(scratch, { recursive: true, force: true });
    throw error;
  }
}

async function writeManifest(dir: string, manifest: Manifest): Promise<void> {
  await writeFile(path.join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`, 'utf8');
}

/** Moves `gen-<from>` to `gen-<to>` after the Supervisor said `from` is taken; the files and hashes stay the same. */
export async function renumberArtifact(options: {
  workspace: string;
  from: number;
  to: number;
  manifest: Manifest;
}): Promise<{ dir: string; manifest: Manifest }> {
  const dir = artifactDir(options.workspace, options.to);
  await rm(dir, { recursive: true, force: true });
  await rename(artifactDir(options.workspace, options.from), dir);
  const manifest: Manifest = { ...options.manifest, generation: options.to };
  await writeManifest(dir, manifest);
  return { dir, manifest };
}
