import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { hashBytes } from '../artifact/hash.js';
import { listArtifactFiles } from '../artifact/list-artifact-files.js';
import { type JobFile, MAX_ARTIFACT_BYTES, MAX_ARTIFACT_FILES } from './rig-job-schema.js';

/** A sealed artifact as a job carries it. */
export interface PackedArtifact {
  files: JobFile[];
  manifestHash: string;
  bytes: number;
}

/** Too large for a job: the Supervisor refuses to enqueue it (a verdict of `crash` that names the cap). */
export class ArtifactTooLarge extends Error {}

/**
 * Reads a sealed artifact (the Supervisor's own copy, already hash-checked) into job form: every file the artifact
 * hash covers plus manifest.json, whose hash travels separately because the artifact hash leaves it out.
 */
export async function packArtifact(artifactDir: string): Promise<PackedArtifact> {
  const paths = [...(await listArtifactFiles(artifactDir)), 'manifest.json'];
  if (paths.length > MAX_ARTIFACT_FILES)
    throw new ArtifactTooLarge(`the artifact has ${paths.length} files, more than the queue's ${MAX_ARTIFACT_FILES}`);
  const files: JobFile[] = [];
  let bytes = 0;
  let manifestHash = '';
  for (const file of paths) {
    const full = path.join(artifactDir, file);
    const data = await readFile(full);
    bytes += data.length;
    if (bytes > MAX_ARTIFACT_BYTES)
      throw new ArtifactTooLarge(
        `the artifact is larger than the queue's ${MAX_ARTIFACT_BYTES / 1024 / 1024} MiB per job`,
      );
    if (file === 'manifest.json') manifestHash = hashBytes(data);
    const executable = ((await stat(full)).mode & 0o111) !== 0;
    files.push({ path: file, data: data.toString('base64'), executable });
  }
  return { files, manifestHash, bytes };
}
