import { checkBlockPath } from '../../parse/check-block-path.js';
import { parseReply } from '../../parse/parse-reply.js';
import type { MessagesRequest } from '../backend.js';
import { type ReplyFile, renderFileBlocks } from './render-file-blocks.js';

const SOURCE_OPEN = /^<failed-source generation="\d+">\n/;
const LISTED = /^<listed path="([^"]*)" bytes="(\d+)"\/>$/;

/** A file of the failed source: carried in full (`content`), or only listed by path and UTF-8 size (`content` null). */
export interface FailedSourceFile {
  path: string;
  content: string | null;
  bytes: number;
}

/** The `<listed path="…" bytes="…"/>` lines outside every block; null when one names a path the rules refuse. */
function readListedFiles(text: string): FailedSourceFile[] | null {
  const listed: FailedSourceFile[] = [];
  let inside = false;
  for (const line of text.split('\n')) {
    if (inside || /^<file path="[^"]*">$/.test(line)) {
      inside = line !== '</file:end>';
      continue;
    }
    const match = LISTED.exec(line);
    if (match === null) continue;
    const [, path = '', bytes = '0'] = match;
    if (checkBlockPath(path) !== undefined) return null;
    listed.push({ path, content: null, bytes: Number(bytes) });
  }
  return listed;
}

/**
 * The failed source an edit-mode retry carries (CAMBRIAN-SPEC-005 0.5.0: a text block `<failed-source …>` after the
 * spec in the first user message, holding some files as blocks and listing the others by path and size), or null when
 * the request asks for a complete codebase (a fresh attempt, a retry without a source, any older Prime). Only
 * well-formed blocks and listed paths count; a damaged block is no source.
 */
export function readFailedSource(request: MessagesRequest): FailedSourceFile[] | null {
  const content = request.messages[0]?.content;
  if (typeof content === 'string' || content === undefined) return null;
  for (const block of content) {
    if (block.type !== 'text' || !SOURCE_OPEN.test(block.text)) continue;
    const parsed = parseReply(block.text);
    const listed = readListedFiles(block.text);
    if (parsed.errors.length > 0 || listed === null) return null;
    const shown = parsed.files.map(({ path, content: text }) => ({
      path,
      content: text,
      bytes: Buffer.byteLength(text),
    }));
    return [...shown, ...listed];
  }
  return null;
}

/** Whether `file` differs from what the source holds at its path: by content when carried, by size when listed. */
function differs(before: FailedSourceFile | undefined, file: ReplyFile): boolean {
  if (before === undefined) return true;
  return before.content === null ? before.bytes !== Buffer.byteLength(file.content) : before.content !== file.content;
}

/**
 * The edit that turns `source` into `target`, as the Prime's edit reply reads it: a delete line for every source file
 * the target lacks, a block for every target file that is new or differs (a listed file: differs in size). An edit
 * with nothing to change rewrites the first target file, so the reply is never empty.
 */
export function renderEdit(source: readonly FailedSourceFile[], target: readonly ReplyFile[]): string {
  const before = new Map(source.map((file) => [file.path, file]));
  const wanted = new Set(target.map((file) => file.path));
  const deletes = source.filter((file) => !wanted.has(file.path)).map((file) => `<delete path="${file.path}"/>\n`);
  const changed = target.filter((file) => differs(before.get(file.path), file));
  const blocks = changed.length > 0 || deletes.length > 0 ? changed : target.slice(0, 1);
  const text = blocks.length > 0 ? renderFileBlocks(blocks) : 'Here is the edit.\n\n';
  return `${text}${deletes.join('')}`;
}
