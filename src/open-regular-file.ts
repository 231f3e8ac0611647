import { constants } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';

/** A path opened for reading: the open regular file, nothing there, or why it cannot be read, in words for a person. */
export type OpenedFile =
  | { type: 'file'; handle: FileHandle }
  | { type: 'missing' }
  /** The open failed: `why` says so ("is a symbolic link loop …", "cannot be opened (EACCES)"). */
  | { type: 'unopenable'; why: string; cause: unknown }
  /** Opened, but a folder, fifo, socket or device: `kind` names it ("a folder"). */
  | { type: 'not-a-file'; kind: string };

/**
 * Opens `file` for reading without blocking and checks on the open descriptor that it is a regular file, so a fifo
 * never hangs the open, a device never feeds an endless read, a symlink loop is a sentence rather than an ELOOP
 * stack, and nothing can be swapped between the check and the read. The caller closes a returned handle.
 */
export async function openRegularFile(file: string): Promise<OpenedFile> {
  let handle: FileHandle;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { type: 'missing' };
    const why =
      code === 'ELOOP' ? 'is a symbolic link loop (or a chain of too many links)' : `cannot be opened (${code})`;
    return { type: 'unopenable', why, cause: error };
  }
  const info = await handle.stat().catch(async (error: unknown) => {
    await handle.close();
    throw error;
  });
  if (info.isFile()) return { type: 'file', handle };
  await handle.close();
  return { type: 'not-a-file', kind: describeKind(info) };
}

function describeKind(info: { isDirectory(): boolean; isFIFO(): boolean; isSocket(): boolean }): string {
  if (info.isDirectory()) return 'a folder';
  if (info.isFIFO()) return 'a fifo';
  if (info.isSocket()) return 'a socket';
  return 'a device';
}
