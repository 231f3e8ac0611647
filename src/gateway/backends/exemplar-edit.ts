import { parseReply } from '../../parse/parse-reply.js';
import type { MessagesRequest } from '../backend.js';
import { type ReplyFile, renderFileBlocks } from './render-file-blocks.js';

const SOURCE_OPEN = /^<failed-source generation="\d+">\n/;

/**
 * The failed source an edit-mode retry carries (CAMBRIAN-SPEC-005 0.5.0: a text block `<failed-source …>` after the
 * spec in the first user message), or null when the request asks for a complete codebase (a fresh attempt, a retry
 * without a source, any older Prime). Only well-formed blocks count; a damaged block is no source.
 */
export function readFailedSource(request: MessagesRequest): ReplyFile[] | null {
  const content = request.messages[0]?.content;
  if (typeof content === 'string' || content === undefined) return null;
  for (const block of content) {
    if (block.type !== 'text' || !SOURCE_OPEN.test(block.text)) continue;
    const parsed = parseReply(block.text);
    if (parsed.errors.length > 0) return null;
    return parsed.files.map((file) => ({ path: file.path, content: file.content }));
  }
  return null;
}

/**
 * The edit that turns `source` into `target`, as the Prime's edit reply reads it: a delete line for every source file
 * the target lacks, a block for every target file that is new or differs. An edit with nothing to change rewrites the
 * first target file, so the reply is never empty.
 */
export function renderEdit(source: readonly ReplyFile[], target: readonly ReplyFile[]): string {
  const before = new Map(source.map((file) => [file.path, file.content]));
  const wanted = new Set(target.map((file) => file.path));
  const deletes = source.filter((file) => !wanted.has(file.path)).map((file) => `<delete path="${file.path}"/>\n`);
  const changed = target.filter((file) => before.get(file.path) !== file.content);
  const blocks = changed.length > 0 || deletes.length > 0 ? changed : target.slice(0, 1);
  const text = blocks.length > 0 ? renderFileBlocks(blocks) : 'Here is the edit.\n\n';
  return `${text}${deletes.join('')}`;
}
