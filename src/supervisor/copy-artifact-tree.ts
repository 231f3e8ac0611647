import { chmod, type FileHandle, lstat, mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ArtifactEntryError } from './artifact-entry-error.js';
import { folderOf, openEntryBeneath, openTrustedFolder } from './open-entry-beneath.js';

export { ArtifactEntryError } from './artifact-entry-error.js';

/** Folders at an artifact's top that a build provides; never copied, never sealed. */
const SKIPPED_TOP = new Set(['node_modules', 'dist']);
const READ_CHUNK = 256 * 1024;

/** How much one copy may take: an artifact is source text, so these sit far above any real one. */
export interface CopyLimits {
  maxFileBytes: number;
  maxTotalBytes: number;
  /** Files and folders together. */
  maxEntries: number;
  maxDepth: number;
}

export const ARTIFACT_COPY_LIMITS: CopyLimits = {
  maxFileBytes: 8 * 1024 * 1024,
  maxTotalBytes: 64 * 1024 * 1024,
  maxEntries: 5000,
  maxDepth: 32,
};

/**
 * Copies an artifact folder, regular files and folders only, opening every entry without following a link and
 * reading from what was opened (see `openEntryBeneath`), so a writer racing the copy cannot point it at a host file
 * or folder. `from` is a folder the engine chose; `artifactPath`, when given, is a relative path beneath it that
 * someone else named, opened one component at a time the same way. Errors name entries relative to the artifact.
 */
export async function copyArtifactTree(options: {
  from: string;
  artifactPath?: string;
  to: string;
  readOnly?: boolean;
  keepBuildOutput?: boolean;
  limits?: CopyLimits;
}): Promise<{ files: number; bytes: number }> {
  const limits = options.limits ?? ARTIFACT_COPY_LIMITS;
  const skipped = options.keepBuildOutput === true ? new Set(['node_modules']) : SKIPPED_TOP;
  const totals = { files: 0, entries: 0, bytes: 0 };
  const prefix = options.artifactPath === undefined ? [] : options.artifactPath.split('/');

  async function copyFileFrom(handle: FileHandle, parts: string[], target: string, mode: number): Promise<void> {
    const room = Math.min(limits.maxFileBytes, limits.maxTotalBytes - totals.bytes);
    // Read until end of file, not to the size fstat gave: the writer may still be growing it. One byte past the room
    // tells "too large" apart from "exactly full".
    const chunks: Buffer[] = [];
    let length = 0;
    while (length <= room) {
      const chunk = Buffer.alloc(Math.min(READ_CHUNK, room + 1 - length));
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, length);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      length += bytesRead;
    }
    if (length > room) {
      const perFile = length > limits.maxFileBytes;
      throw new ArtifactEntryError({
        entry: parts.join('/'),
        problem: perFile ? 'file-too-large' : 'too-large',
        limit: perFile ? limits.maxFileBytes : limits.maxTotalBytes,
      });
    }
    totals.bytes += length;
    totals.files += 1;
    const writable = (mode & 0o755) | 0o600;
    await writeFile(target, Buffer.concat(chunks, length), {
      flag: 'wx',
      mode: options.readOnly === true ? 0o444 : writable,
    });
  }

  async function walk(folder: FileHandle, parts: string[], target: string): Promise<void> {
    if (parts.length > limits.maxDepth) {
      throw new ArtifactEntryError({ entry: parts.join('/'), problem: 'too-deep', limit: limits.maxDepth });
    }
    const names = (await readdir(folderOf(folder))).sort();
    for (const name of names) {
      if (parts.length === 0 && skipped.has(name)) continue;
      const childParts = [...parts, name];
      totals.entries += 1;
      if (totals.entries > limits.maxEntries) {
        throw new ArtifactEntryError({ entry: '', problem: 'too-many-entries', limit: limits.maxEntries });
      }
      const opened = await openEntryBeneath({ dir: folder, name });
      if ('problem' in opened) throw new ArtifactEntryError({ entry: childParts.join('/'), problem: opened.problem });
      try {
        const childTarget = path.join(target, name);
        if (opened.kind === 'file') await copyFileFrom(opened.handle, childParts, childTarget, opened.info.mode);
        else {
          await mkdir(childTarget);
          await walk(opened.handle, childParts, childTarget);
        }
      } finally {
        await opened.handle.close();
      }
    }
  }

  const root = await openArtifactRoot({ from: options.from, prefix });
  try {
    await mkdir(options.to, { recursive: true });
    await walk(root, [], options.to);
  } finally {
    await root.close();
  }
  return { files: totals.files, bytes: totals.bytes };
}

/** Opens `from`, then each component of `prefix` beneath it without following links; each must be a folder. */
async function openArtifactRoot(options: { from: string; prefix: string[] }): Promise<FileHandle> {
  let current = await openTrustedFolder(options.from);
  for (const [index, name] of options.prefix.entries()) {
    const entry = options.prefix.slice(0, index + 1).join('/');
    if (name === '' || name === '.' || name === '..') {
      await current.close();
      throw new ArtifactEntryError({ entry, problem: 'not-a-folder' });
    }
    const opened = await openEntryBeneath({ dir: current, name }).finally(() => current.close());
    if ('problem' in opened) {
      throw new ArtifactEntryError({ entry, problem: opened.problem === 'vanished' ? 'missing' : opened.problem });
    }
    if (opened.kind !== 'folder') {
      await opened.handle.close();
      throw new ArtifactEntryError({ entry, problem: 'not-a-folder' });
    }
    current = opened.handle;
  }
  return current;
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
