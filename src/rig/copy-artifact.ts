import { copyFile, mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { IGNORED_TOP_LEVEL } from '../artifact/list-artifact-files.js';

/**
 * Copies an artifact's regular files (no top-level node_modules/ or dist/) into `targetDir`. Anything that is not a
 * regular file or folder (symlinks, sockets, fifos) is not copied and is returned, so the manifest stage can refuse it:
 * a symlink could point the sandboxed build at a host path.
 */
export async function copyArtifact(options: { sourceDir: string; targetDir: string }): Promise<{ rejected: string[] }> {
  const rejected: string[] = [];
  async function walk(rel: string): Promise<void> {
    const from = path.join(options.sourceDir, rel);
    const to = path.join(options.targetDir, rel);
    await mkdir(to, { recursive: true });
    const entries = await readdir(from, { withFileTypes: true });
    await Promise.all(
      entries.map(async (entry) => {
        const child = rel === '' ? entry.name : `${rel}/${entry.name}`;
        if (rel === '' && IGNORED_TOP_LEVEL.has(entry.name)) return;
        if (entry.isDirectory()) await walk(child);
        else if (entry.isFile()) await copyFile(path.join(from, entry.name), path.join(to, entry.name));
        else rejected.push(child);
      }),
    );
  }
  await walk('');
  return { rejected: rejected.sort() };
}
