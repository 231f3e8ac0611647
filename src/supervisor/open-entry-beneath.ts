import { constants, type Stats } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';

/** What an entry turned out to be once opened; only these two are ever handed back. */
export interface OpenedEntry {
  handle: FileHandle;
  kind: 'file' | 'folder';
  info: Stats;
}

/** Why an entry cannot be part of an artifact, phrased to follow its artifact-relative name. */
export type EntryProblem = 'symlink' | 'special' | 'hard-link' | 'vanished';

/**
 * Opens `name` inside the folder `dir` refers to, without following a link, and says what was really opened.
 *
 * Node has no `openat`; on Linux, `/proc/self/fd/<dir>/<name>` resolves `<name>` inside the very folder the descriptor
 * holds (wherever it has been moved since), and `O_NOFOLLOW` refuses a symlink at `<name>` (ELOOP). A name checked
 * with `lstat` and then opened could have been swapped for a symlink in between; the descriptor cannot. `O_NONBLOCK`
 * keeps a FIFO from blocking the open, and `fstat` on the descriptor tells what was opened. A regular file with a
 * second link is refused too: a hard link made outside a sandbox can name a host file without being a symlink.
 */
export async function openEntryBeneath(options: {
  dir: FileHandle;
  name: string;
}): Promise<OpenedEntry | { problem: EntryProblem }> {
  if (options.name === '' || options.name === '.' || options.name === '..' || options.name.includes('/')) {
    throw new Error(`openEntryBeneath: ${JSON.stringify(options.name)} is not a single entry name`);
  }
  let handle: FileHandle;
  try {
    handle = await open(
      `/proc/self/fd/${options.dir.fd}/${options.name}`,
      constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY,
    );
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') return { problem: 'symlink' };
    // A socket cannot be opened at all; a name listed a moment ago and gone now was moved during the copy.
    if (code === 'ENXIO' || code === 'EOPNOTSUPP') return { problem: 'special' };
    if (code === 'ENOENT') return { problem: 'vanished' };
    throw error;
  }
  const info = await handle.stat();
  if (info.isDirectory()) return { handle, kind: 'folder', info };
  // nlink 0: replaced or removed since it was opened; what was opened is still the workspace's own file.
  if (info.isFile() && info.nlink <= 1) return { handle, kind: 'file', info };
  await handle.close();
  return { problem: info.isFile() ? 'hard-link' : 'special' };
}

/** Opens a trusted folder (one the engine chose) as the starting point of a walk. */
export function openTrustedFolder(dir: string): Promise<FileHandle> {
  return open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
}

/** The path the kernel resolves to the folder an open descriptor holds, for listing it. */
export function folderOf(handle: FileHandle): string {
  return `/proc/self/fd/${handle.fd}`;
}
