import type { FileChange } from './diff-generations.js';

/** `git diff --numstat -z --find-renames` → one FileChange per file (status `modified` or `renamed` until marked). */
export function parseNumstat(numstat: string): FileChange[] {
  const files: FileChange[] = [];
  const fields = numstat.split('\0');
  for (let i = 0; i < fields.length; i++) {
    const head = fields[i];
    if (head === undefined || head === '') continue;
    const [added, deleted, name] = head.split('\t');
    let oldPath: string | null = null;
    let newPath = name ?? '';
    if (newPath === '') {
      // A rename: the paths follow as two more NUL-separated fields.
      oldPath = fields[i + 1] ?? null;
      newPath = fields[i + 2] ?? '';
      i += 2;
    }
    const binary = added === '-';
    files.push({
      path: newPath,
      status: oldPath === null ? 'modified' : 'renamed',
      oldPath,
      additions: binary ? 0 : Number(added),
      deletions: binary ? 0 : Number(deleted),
      binary,
    });
  }
  return files;
}

/** Marks the files that `git diff --name-status -z --find-renames` lists as added (A) or deleted (D). */
export function markAddedAndDeleted(files: FileChange[], nameStatus: string): void {
  const parts = nameStatus.split('\0');
  for (let i = 0; i < parts.length; i++) {
    const code = parts[i];
    if (code === undefined || code === '') continue;
    const name = code.startsWith('R') ? parts[i + 2] : parts[i + 1];
    i += code.startsWith('R') ? 2 : 1;
    const file = files.find((f) => f.path === name);
    if (file === undefined) continue;
    if (code === 'A') file.status = 'added';
    else if (code === 'D') file.status = 'deleted';
  }
}
