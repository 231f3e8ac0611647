import { chmod, copyFile, lstat, mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';

/** Folders at an artifact's top that a build provides; never copied, never sealed. */
const SKIPPED_TOP = new Set(['node_modules', 'dist']);

/**
 * Copies an artifact folder, regular files and folders only. A symlink or any other kind of entry is refused: an
 * offspring could point one at a host file, and following it would seal (or leak) that file.
 */
export async function copyArtifactTree(options: {
  from: string;
  to: string;
  readOnly?: boolean;
  keepBuildOutput?: boolean;
}): Promise<void> {
  const skipped = options.keepBuildOutput === true ? new Set(['node_modules']) : SKIPPED_TOP;
  async function walk(rel: string): Promise<void> {
    const source = path.join(options.from, rel);
    const target = path.join(options.to, rel);
    await mkdir(target, { recursive: true });
    for (const entry of await readdir(source, { withFileTypes: true })) {
      if (rel === '' && skipped.has(entry.name)) continue;
      const childRel = rel === '' ? entry.name : path.join(rel, entry.name);
      const info = await lstat(path.join(options.from, childRel));
      if (info.isDirectory()) await walk(childRel);
      else if (info.isFile()) {
        await copyFile(path.join(options.from, childRel), path.join(options.to, childRel));
        if (options.readOnly === true) await chmod(path.join(options.to, childRel), 0o444);
      } else {
        throw new ArtifactEntryError(childRel.split(path.sep).join('/'));
      }
    }
  }
  await walk('');
}

export class ArtifactEntryError extends Error {
  readonly entry: string;
  constructor(entry: string) {
    super(`${entry} is not a regular file or folder (symlinks and special files are not allowed in an artifact)`);
    this.entry = entry;
  }
}

/** Makes every file and folder of a tree writable again, so it can be moved or removed. */
export async function makeWritable(dir: string): Promise<void> {
  const info = await lstat(dir).catch(() => null);
  if (info === null) return;
  if (info.isDirectory()) {
    await chmod(dir, 0o755);
    for (const entry of await readdir(dir)) await makeWritable(path.join(dir, entry));
  } else if (info.isFile()) {
    await chmod(dir, 0o644);
  }
}
