import { constants } from 'node:fs';
import { open } from 'node:fs/promises';

/**
 * Reads a file the sandboxed artifact could have written, without following a symlink it planted (which could point
 * the host at a secret), blocking on a FIFO, or reading more than `maxBytes`. Returns a reason instead of throwing.
 */
export async function readUntrustedFile(
  file: string,
  maxBytes: number,
): Promise<{ ok: true; text: string } | { ok: false; reason: 'missing' | 'not-a-file' | 'too-large'; size?: number }> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { ok: false, reason: code === 'ENOENT' ? 'missing' : 'not-a-file' };
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) return { ok: false, reason: 'not-a-file' };
    if (info.size > maxBytes) return { ok: false, reason: 'too-large', size: info.size };
    const buffer = Buffer.alloc(info.size);
    const { bytesRead } = await handle.read(buffer, 0, info.size, 0);
    return { ok: true, text: buffer.subarray(0, bytesRead).toString('utf8') };
  } finally {
    await handle.close();
  }
}
