import { lstat, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { computeArtifactHash } from '../artifact/compute-artifact-hash.js';
import { listArtifactFiles } from '../artifact/list-artifact-files.js';
import { type Manifest, manifestSchema, type TokenUsage } from '../artifact/manifest-schema.js';
import { quotePath } from '../parse/check-block-path.js';
import { writeBlocks } from '../parse/write-blocks.js';
import { copyArtifactTree } from '../supervisor/copy-artifact-tree.js';
import type { Program } from './program-schema.js';

/** Why a parsed change could not be applied to the parent (a delete of a file it does not have). */
export class ApplyChangeError extends Error {}

/**
 * Makes the changed artifact: a copy of the sealed parent (never the parent itself), the deletes, then the written
 * files through the engine's safe writer, then the manifest computed from what is on disk (generation, parent,
 * hashes, files, the program's title and hash). Returns the manifest.
 */
export async function applyChange(options: {
  parentDir: string;
  outDir: string;
  generation: number;
  parent: number;
  files: ReadonlyArray<{ path: string; content: string }>;
  deletes: ReadonlyArray<{ path: string }>;
  program: Program;
  producerModel: string;
  tokenUsage: TokenUsage;
}): Promise<Manifest> {
  const parentManifest = manifestSchema.parse(
    JSON.parse(await readFile(path.join(options.parentDir, 'manifest.json'), 'utf8')),
  );
  await copyArtifactTree({ from: options.parentDir, to: options.outDir });
  for (const { path: file } of options.deletes) {
    const target = path.join(options.outDir, ...file.split('/'));
    const info = await lstat(target).catch(() => null);
    if (info === null || !info.isFile()) {
      throw new ApplyChangeError(`cannot delete ${quotePath(file)}: the parent has no such file`);
    }
    await rm(target);
  }
  if (options.files.length > 0) await writeBlocks({ outDir: options.outDir, files: options.files });
  const files = await listArtifactFiles(options.outDir);
  const manifest: Manifest = {
    ...parentManifest,
    generation: options.generation,
    'parent-generation': options.parent,
    'artifact-hash': await computeArtifactHash({ artifactDir: options.outDir, files }),
    'producer-model': options.producerModel,
    'token-usage': options.tokenUsage,
    files,
    'created-at': new Date().toISOString(),
    program: { title: options.program.title, hash: options.program.hash },
  };
  await writeFile(path.join(options.outDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}
