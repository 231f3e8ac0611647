import { checkPath, type ParsedFile, type ParseFailure, type ParseResult } from './block-parser.js';

/** A reply read as an edit of `base` (the failed attempt's files; empty for a fresh attempt). */
export type EditResult = { ok: true; files: ParsedFile[]; kept: string[] } | { ok: false; error: ParseFailure };

const DELETE_LINE = /^<delete path="([^"]*)"\s*\/>$/;

/**
 * Applies a parsed reply to `base`: its blocks replace or add files, a line `<delete path="…"/>` outside every block
 * removes one, every other file of `base` is kept. Errors are parse failures, so the parse repair handles them; a
 * reply of deletes only is fine (its `no-blocks` error is dropped).
 */
export function applyEdit(text: string, result: ParseResult, base: ParsedFile[]): EditResult {
  const deletes = new Map<string, number>();
  let inside = false;
  const failures: ParseFailure[] = [];
  const fail = (line: number, path: string, rule: string, message: string): void => {
    failures.push({ line, path, rule, message: `line ${line}: ${message} (rule ${rule})` });
  };
  text.split('\n').forEach((raw, index) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (inside || /^<file path="[^"]*">$/.test(line)) {
      inside = line !== '</file:end>';
      return;
    }
    const path = DELETE_LINE.exec(line)?.[1];
    if (path === undefined) return;
    const problem = checkPath(path);
    if (problem !== null) fail(index + 1, path, problem.rule, problem.message);
    else if (deletes.has(path)) fail(index + 1, path, 'path-duplicate', `path ${JSON.stringify(path)} is deleted twice`);
    else if (!base.some((file) => file.path === path)) {
      fail(index + 1, path, 'delete-unknown', `path ${JSON.stringify(path)} is deleted but the failed source has no such file`);
    } else deletes.set(path, index + 1);
  });
  // A reply of deletes only has no block, and that is fine.
  if (!result.ok && (result.error.rule !== 'no-blocks' || (deletes.size === 0 && failures.length === 0))) {
    return { ok: false, error: result.error };
  }
  const written = result.ok ? result.files : [];
  const kept = base.filter((file) => !deletes.has(file.path) && !written.some((other) => other.path === file.path));
  for (const file of written) {
    if (deletes.has(file.path)) fail(deletes.get(file.path) ?? 1, file.path, 'path-conflict', `path ${JSON.stringify(file.path)} is both written and deleted`);
    const clash = kept.find((old) => file.path.startsWith(`${old.path}/`) || old.path.startsWith(`${file.path}/`));
    if (clash !== undefined) {
      fail(1, file.path, 'path-conflict', `path ${JSON.stringify(file.path)} clashes with the kept file ${JSON.stringify(clash.path)}; delete it`);
    }
  }
  const [first] = failures.sort((a, b) => a.line - b.line);
  if (first !== undefined) return { ok: false, error: first };
  return { ok: true, files: [...kept, ...written], kept: kept.map((file) => file.path) };
}
