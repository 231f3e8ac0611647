import { readdir } from 'node:fs/promises';
import path from 'node:path';

/** Folders at the top of an artifact that the build or the rig provides, never part of the artifact itself. */
export const IGNORED_TOP_LEVEL = new Set(['node_modules', 'dist']);

/** Every regular file of an artifact (relative, `/`-separated, sorted), `manifest.json` and provided folders excluded. */
export async function listArtifactFiles(artifactDir: string): Promise<string[]> {
  const found: string[] = [];
  async function walk(rel: string): Promise<void> {
    const entries = await readdir(path.join(artifactDir, rel), { withFileTypes: true });
    for (const entry of entries) {
      const child = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (rel === '' && (IGNORED_TOP_LEVEL.has(entry.name) || entry.name === 'manifest.json')) continue;
      if (entry.isDirectory()) await walk(child);
      else found.push(child);
    }
  }
  await walk('');
  return found.sort();
}
