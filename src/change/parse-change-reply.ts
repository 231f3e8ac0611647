import { checkBlockPath, quotePath } from '../parse/check-block-path.js';
import type { BlockError } from '../parse/create-block-parser.js';
import { parseReply } from '../parse/parse-reply.js';

/** A file the change removes: `<delete path="relative/path"/>` on its own line, outside every `<file>` block. */
export interface DeleteMarker {
  path: string;
  line: number;
}

export interface ChangeReply {
  files: Array<{ path: string; content: string; line: number }>;
  deletes: DeleteMarker[];
  /** Every problem; the change may be applied only when this is empty. */
  errors: Array<Pick<BlockError, 'line' | 'rule' | 'message'> & { path?: string }>;
}

const OPEN = /^<file path="[^"]*">$/;
const DELETE = /^<delete path="([^"]*)"\s*\/>$/;

/**
 * Parses the `change` role's reply with the engine's block parser (docs/contracts.md §6: same path rules, same
 * errors) plus delete markers. A reply may hold only deletes; writing and deleting one path is an error, and so is
 * touching a path the engine owns (`protectedPaths`: the spec copy; manifest.json is reserved by the path rules).
 */
export function parseChangeReply(text: string, options: { protectedPaths: readonly string[] }): ChangeReply {
  const parsed = parseReply(text);
  const deletes: DeleteMarker[] = [];
  const errors: ChangeReply['errors'] = [];
  let inside = false;
  text.split('\n').forEach((raw, index) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (inside) {
      if (line === '</file:end>') inside = false;
      return;
    }
    if (OPEN.test(line)) {
      inside = true;
      return;
    }
    const match = DELETE.exec(line);
    if (match === null) return;
    const target = match[1] ?? '';
    const violation = checkBlockPath(target);
    if (violation !== undefined)
      errors.push({ line: index + 1, path: target, rule: violation.rule, message: violation.message });
    else if (deletes.some((d) => d.path === target)) {
      errors.push({
        line: index + 1,
        path: target,
        rule: 'path-duplicate',
        message: `${quotePath(target)} is deleted twice`,
      });
    } else deletes.push({ path: target, line: index + 1 });
  });
  for (const error of parsed.errors) {
    // A reply of deletes only has no <file> block, and that is fine.
    if (error.rule === 'no-blocks' && deletes.length > 0) continue;
    errors.push(error);
  }
  for (const file of parsed.files) {
    if (deletes.some((d) => d.path === file.path)) {
      errors.push({
        line: file.line,
        path: file.path,
        rule: 'path-conflict',
        message: `${quotePath(file.path)} is both written and deleted`,
      });
    }
  }
  for (const item of [...parsed.files, ...deletes]) {
    if (options.protectedPaths.includes(item.path)) {
      errors.push({
        line: item.line,
        path: item.path,
        rule: 'path-reserved',
        message: `${quotePath(item.path)} is the spec copy: the engine keeps it byte-equal to the parent's spec; change the code, not the genome`,
      });
    }
  }
  return { files: parsed.files, deletes, errors: errors.sort((a, b) => a.line - b.line) };
}
