import type { FileHandle } from 'node:fs/promises';
import { SpecError } from '../errors.js';
import { openRegularFile } from '../open-regular-file.js';

/**
 * A spec is sent whole in every prompt, so 1 MB (about 250k tokens, more than a model's context) is far past any real
 * one (the genome is ~90 KB). The cap also bounds a read of something that only looks like a file (`/proc/…`).
 */
export const MAX_SPEC_BYTES = 1024 * 1024;

/** Codes of a path that names no readable spec file: a usage problem (exit 2), unlike an invalid spec (exit 1). */
export const SPEC_PATH_ERROR_CODES = new Set(['E_SPEC_NOT_FOUND', 'E_SPEC_NOT_A_FILE', 'E_SPEC_UNREADABLE']);

/**
 * The bytes of a spec file, or undefined when nothing is there. Anything else that is no regular file (a symlink
 * loop, a fifo, a device, a folder) or is over MAX_SPEC_BYTES is a SpecError naming the file, never a stack trace or
 * a read that never ends: the file is opened without blocking and checked on the open descriptor before reading.
 */
export async function readSpecBytes(file: string): Promise<Buffer | undefined> {
  const opened = await openRegularFile(file);
  if (opened.type === 'missing') return undefined;
  if (opened.type === 'unopenable') {
    throw new SpecError({
      code: 'E_SPEC_UNREADABLE',
      file,
      message: opened.why,
      hint: 'pass the path of the spec .md file itself',
      cause: opened.cause,
    });
  }
  if (opened.type === 'not-a-file') {
    throw new SpecError({
      code: 'E_SPEC_NOT_A_FILE',
      file,
      message: `is ${opened.kind}, not a spec file`,
      hint: 'pass the path of a spec .md file (a regular file)',
    });
  }
  const { handle } = opened;
  try {
    const bytes = await readUpTo(handle, MAX_SPEC_BYTES + 1);
    if (bytes.length > MAX_SPEC_BYTES) {
      throw new SpecError({
        code: 'E_SPEC_TOO_LARGE',
        file,
        message: `is larger than ${MAX_SPEC_BYTES} bytes`,
        hint: 'a spec is sent whole in every prompt; split it or cut it down',
      });
    }
    return bytes;
  } finally {
    await handle.close();
  }
}

/** Reads until end of file or `limit` bytes, whichever comes first (a size from fstat can be 0 or wrong). */
async function readUpTo(handle: FileHandle, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  while (total < limit) {
    const buffer = Buffer.alloc(Math.min(64 * 1024, limit - total));
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
    if (bytesRead === 0) break;
    chunks.push(buffer.subarray(0, bytesRead));
    total += bytesRead;
  }
  return Buffer.concat(chunks);
}
