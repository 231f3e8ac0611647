import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { computeArtifactHash } from '../artifact/compute-artifact-hash.js';
import { listArtifactFiles } from '../artifact/list-artifact-files.js';
import { type Manifest, manifestSchema } from '../artifact/manifest-schema.js';
import type { Spec } from '../spec/parse-spec.js';
import { ArtifactEntryError, copyArtifactTree } from './copy-artifact-tree.js';
import { HttpFailure } from './http-failure.js';

/**
 * Seals what a Prime sent to /spawn: copies `artifactPath` out of its workspace into `staging` (never following a
 * link it planted, see `copyArtifactTree`), then checks the copy, so later writes to the workspace cannot change what
 * was checked. Every refusal is an `HttpFailure` that names artifact-relative paths only and quotes no file content.
 */
export async function sealArtifact(options: {
  workspaceDir: string;
  artifactPath: string;
  staging: string;
  generation: number;
  spec: Spec;
}): Promise<{ manifest: Manifest; files: string[]; artifactHash: string }> {
  const { generation, spec, staging } = options;
  try {
    await copyArtifactTree({
      from: options.workspaceDir,
      artifactPath: options.artifactPath,
      to: staging,
      readOnly: true,
    });
  } catch (error) {
    if (!(error instanceof ArtifactEntryError)) throw error;
    const status = error.problem === 'missing' || error.problem === 'not-a-folder' ? 400 : 422;
    throw new HttpFailure(status, error.message);
  }
  if (!existsSync(path.join(staging, 'manifest.json'))) {
    throw new HttpFailure(400, `no manifest.json in ${options.artifactPath} (workspace-relative)`);
  }
  const manifest = await readManifest(staging);
  if (manifest.generation !== generation) {
    throw new HttpFailure(422, `manifest.json says generation ${manifest.generation}, /spawn says ${generation}`);
  }
  if (manifest['spec-hash'] !== spec.hash) {
    throw new HttpFailure(422, `manifest.json spec-hash ${manifest['spec-hash']} is not the spec's ${spec.hash}`);
  }
  const files = await listArtifactFiles(staging);
  const artifactHash = await computeArtifactHash({ artifactDir: staging, files });
  if (artifactHash !== manifest['artifact-hash']) {
    throw new HttpFailure(
      422,
      `artifact hash does not verify: manifest.json says ${manifest['artifact-hash']}, the ${files.length} files on disk hash to ${artifactHash}`,
    );
  }
  return { manifest, files, artifactHash };
}

async function readManifest(dir: string): Promise<Manifest> {
  let data: unknown;
  try {
    data = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8'));
  } catch {
    // JSON.parse quotes the text around the fault; the reply says where to look, never what is there.
    throw new HttpFailure(422, 'manifest.json is not valid JSON; write it as one JSON object');
  }
  const parsed = manifestSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new HttpFailure(
      422,
      `manifest.json field ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`,
    );
  }
  return parsed.data;
}
