import { checkPath, type ParsedFile, type ParseFailure, type ParseResult } from './block-parser.js';

export type EditResult = { ok: true; files: ParsedFile[]; kept: string[] } | { ok: false; error: ParseFailure };

/**
 * Applies a reply to `base` (the failed source a retry edits; empty for a fresh attempt): blocks replace or add files,
 * a line `<delete path="…"/>` outside every block removes one, the rest of `base` is kept. Errors are parse failures
 * (the lowest line wins), so the parse repair handles them; a reply of deletes only is fine.
 */
export function applyEdit(text: string, result: ParseResult, base: ParsedFile[]): EditResult {
  const deletes = new Map<string, number>();
  const errors: ParseFailure[] = [];
  const fail = (line: number, path: string, rule: string, message: string): number =>
    errors.push({ line, path, rule, message: `line ${line}: path ${JSON.stringify(path)} ${message} (rule ${rule})` });
  let inside = false;
  text.split('\n').forEach((raw, index) => {
    const line = raw.replace(/\r$/, '');
    if (inside || /^<file path="[^"]*">$/.test(line)) {
      inside = line !== '</file:end>';
      return;
    }
    const path = /^<delete path="([^"]*)"\s*\/>$/.exec(line)?.[1];
    if (path === undefined) return;
    const problem = checkPath(path);
    if (problem !== null) errors.push({ line: index + 1, path, rule: problem.rule, message: `line ${index + 1}: ${problem.message} (rule ${problem.rule})` });
    else if (deletes.has(path)) fail(index + 1, path, 'path-duplicate', 'is deleted twice');
    else if (!base.some((file) => file.path === path)) fail(index + 1, path, 'delete-unknown', 'is deleted but the failed source has no such file');
    else deletes.set(path, index + 1);
  });
  if (!result.ok && (result.error.rule !== 'no-blocks' || deletes.size + errors.length === 0)) return result;
  const written = result.ok ? result.files : [];
  const kept = base.filter((file) => !deletes.has(file.path) && !written.some((other) => other.path === file.path));
  for (const { path } of written) {
    if (deletes.has(path)) fail(deletes.get(path) ?? 1, path, 'path-conflict', 'is both written and deleted');
    const clash = kept.find((old) => path.startsWith(`${old.path}/`) || old.path.startsWith(`${path}/`));
    if (clash !== undefined) fail(1, path, 'path-conflict', `clashes with the kept file ${JSON.stringify(clash.path)}; delete it`);
  }
  const [first] = errors.sort((a, b) => a.line - b.line);
  return first === undefined ? { ok: true, files: [...kept, ...written], kept: kept.map((file) => file.path) } : { ok: false, error: first };
}
