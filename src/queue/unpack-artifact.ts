import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { computeArtifactHash } from '../artifact/compute-artifact-hash.js';
import { hashBytes } from '../artifact/hash.js';
import { type JobFile, MAX_ARTIFACT_BYTES } from './rig-job-schema.js';

/** Why a worker will not judge what a job carries; the message names paths and hashes only. */
export class UnpackRefused extends Error {}

/**
 * Writes a job's files into `targetDir` (a fresh, empty folder) and checks them against the hashes the Supervisor
 * recorded. A path that could leave the folder, a file written twice, or bytes that hash otherwise are refused
 * before the rig sees anything.
 */
export async function unpackArtifact(options: {
  files: readonly JobFile[];
  targetDir: string;
  artifactHash: string;
  manifestHash: string;
}): Promise<void> {
  const seen = new Set<string>();
  let total = 0;
  let manifestHash: string | null = null;
  for (const file of options.files) {
    const problem = checkJobPath(file.path);
    if (problem !== null) throw new UnpackRefused(`file path ${JSON.stringify(file.path.slice(0, 80))}: ${problem}`);
    if (seen.has(file.path)) throw new UnpackRefused(`file ${JSON.stringify(file.path)} appears twice`);
    seen.add(file.path);
    const data = Buffer.from(file.data, 'base64');
    total += data.length;
    if (total > MAX_ARTIFACT_BYTES) throw new UnpackRefused(`the files exceed ${MAX_ARTIFACT_BYTES} bytes`);
    if (file.path === 'manifest.json') manifestHash = hashBytes(data);
    const target = path.join(options.targetDir, ...file.path.split('/'));
    await mkdir(path.dirname(target), { recursive: true });
    // wx: the folder is fresh, so nothing may already be there (a file and a folder of one name is refused here).
    await writeFile(target, data, { flag: 'wx', mode: file.executable ? 0o755 : 0o644 }).catch((error: unknown) => {
      throw new UnpackRefused(
        `file ${JSON.stringify(file.path)} cannot be written (${(error as NodeJS.ErrnoException).code})`,
      );
    });
  }
  if (manifestHash !== options.manifestHash)
    throw new UnpackRefused(
      `manifest.json hashes to ${manifestHash ?? '(missing)'}, the job names ${options.manifestHash}`,
    );
  const artifactHash = await computeArtifactHash({
    artifactDir: options.targetDir,
    files: [...seen],
  });
  if (artifactHash !== options.artifactHash)
    throw new UnpackRefused(`the files hash to ${artifactHash}, the Supervisor recorded ${options.artifactHash}`);
}

function checkJobPath(file: string): string | null {
  if (file.includes('\0')) return 'it holds a NUL byte';
  if (file.startsWith('/')) return 'it is absolute';
  for (const segment of file.split('/')) {
    if (segment === '' || segment === '.' || segment === '..') return 'it has an empty, "." or ".." segment';
  }
  return null;
}
