import { lstat, realpath } from 'node:fs/promises';
import path from 'node:path';
import { checkBlockPath, quotePath } from '../../parse/check-block-path.js';
import { readUntrustedFile } from '../../rig/read-untrusted-file.js';
import type { ReplyFile } from './render-file-blocks.js';

/** Far above any source file of a Prime (gen-0's largest is ~40 KB); a bigger one is not something to reply with. */
export const MAX_SEALED_FILE_BYTES = 1024 * 1024;
/** The whole reply; a real model's reply is bounded by its output tokens long before this. */
export const MAX_SEALED_TOTAL_BYTES = 8 * 1024 * 1024;

/**
 * A manifest entry the exemplar will not read. Its message names the entry and why, never a host path, so it can go
 * back to the Prime as it is: an entry that breaks the path rules (absolute, `..`) is named by its position only.
 */
export class SealedFileRefusedError extends Error {
  constructor(options: { entry: string; index: number; reason: string }) {
    const named = checkBlockPath(options.entry) === undefined ? ` ${quotePath(options.entry)}` : '';
    super(`manifest entry ${options.index + 1}${named} ${options.reason}`);
    this.name = 'SealedFileRefusedError';
  }
}

/**
 * Reads the files a sealed artifact's manifest lists, relative to `root`, for a reply. The list was written by an
 * organism, so each entry must be a valid `<file>` block path (relative, normalised, no `..`: the very rules the
 * Prime's parser applies to what it receives), every folder on the way must be a real folder (not a link), the
 * resolved path must stay inside `root`, and the file is opened without following a link, must be a regular file and
 * is read up to a size cap. `root` itself is chosen by the engine and may sit behind links of the host's own.
 */
export async function readSealedFiles(options: { root: string; files: readonly string[] }): Promise<ReplyFile[]> {
  const root = await realpath(options.root);
  const replies: ReplyFile[] = [];
  let total = 0;
  for (const [index, entry] of options.files.entries()) {
    const read = await readSealedFile({ root, entry });
    if (!read.ok) throw new SealedFileRefusedError({ entry, index, reason: read.reason });
    total += Buffer.byteLength(read.text);
    if (total > MAX_SEALED_TOTAL_BYTES) {
      throw new SealedFileRefusedError({
        entry,
        index,
        reason: `takes the reply past ${MAX_SEALED_TOTAL_BYTES} bytes`,
      });
    }
    replies.push({ path: entry, content: read.text });
  }
  return replies;
}

async function readSealedFile(options: {
  root: string;
  entry: string;
}): Promise<{ ok: true; text: string } | { ok: false; reason: string }> {
  const { root, entry } = options;
  const violation = checkBlockPath(entry);
  if (violation !== undefined) return { ok: false, reason: `breaks the path rule ${violation.rule}` };
  const segments = entry.split('/');
  let at = root;
  for (const [index, segment] of segments.entries()) {
    at = path.join(at, segment);
    const info = await lstat(at).catch(() => null);
    if (info === null) return { ok: false, reason: 'names no file of the artifact' };
    if (info.isSymbolicLink()) return { ok: false, reason: 'is or passes through a symbolic link' };
    const last = index === segments.length - 1;
    if (!last && !info.isDirectory()) return { ok: false, reason: 'passes through something not a folder' };
  }
  // Belt and braces against anything the component walk missed: the resolved file must be the one named.
  if ((await realpath(at).catch(() => null)) !== at) {
    return { ok: false, reason: 'does not resolve to itself inside the artifact' };
  }
  const read = await readUntrustedFile(at, MAX_SEALED_FILE_BYTES);
  if (read.ok) return read;
  const reasons = {
    missing: 'names no file of the artifact',
    'not-a-file': 'is not a regular file',
    'too-large': `is larger than ${MAX_SEALED_FILE_BYTES} bytes`,
  };
  return { ok: false, reason: reasons[read.reason] };
}
