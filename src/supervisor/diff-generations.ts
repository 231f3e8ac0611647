import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createTwoFilesPatch, structuredPatch } from 'diff';
import { listArtifactFiles } from '../artifact/list-artifact-files.js';
import { CambrianError, UsageError } from '../errors.js';
import { createLineageGit } from './lineage-git.js';
import { lineagePaths } from './lineage-paths.js';
import { markAddedAndDeleted, parseNumstat } from './parse-git-diff.js';

export interface FileChange {
  path: string;
  status: 'added' | 'deleted' | 'modified' | 'renamed';
  /** For renames: where it came from. */
  oldPath: string | null;
  additions: number;
  deletions: number;
  binary: boolean;
}

export interface GenerationDiff {
  from: number;
  to: number;
  /** `git` when both generations are in the lineage git, else the two folders compared directly. */
  source: 'git' | 'folders';
  files: FileChange[];
  additions: number;
  deletions: number;
  /** Unified diff of every change. */
  patch: string;
}

/** `gen-N` or `N` → N. */
export function parseGenerationRef(ref: string): number {
  const match = /^(?:gen-)?(\d+)$/.exec(ref.trim());
  if (match === null)
    throw new UsageError(`${JSON.stringify(ref)} is not a generation`, 'write gen-N, e.g. cambrian diff gen-1 gen-2');
  return Number(match[1]);
}

/** What changed between two artifacts, file by file, with a unified diff: from the lineage git, else the folders. */
export async function diffGenerations(options: {
  generationsDir: string;
  from: number;
  to: number;
}): Promise<GenerationDiff> {
  const paths = lineagePaths(options.generationsDir);
  const git = createLineageGit(paths.lineageGit);
  if (existsSync(path.join(paths.lineageGit, 'HEAD'))) {
    const [a, b] = await Promise.all([git.branchCommit(options.from), git.branchCommit(options.to)]);
    if (a !== null && b !== null) return diffWithGit({ git, from: options.from, to: options.to, a, b });
  }
  return diffGenerationFolders(options);
}

/** The artifact folders `gen-<from>` and `gen-<to>` compared directly; E_NO_GENERATION when one is missing. */
export async function diffGenerationFolders(options: {
  generationsDir: string;
  from: number;
  to: number;
}): Promise<GenerationDiff> {
  const root = lineagePaths(options.generationsDir).root;
  const dirs = [options.from, options.to].map((n) => path.join(root, `gen-${n}`));
  for (const [i, dir] of dirs.entries()) {
    if (!existsSync(dir)) {
      throw new CambrianError({
        code: 'E_NO_GENERATION',
        message: `gen-${i === 0 ? options.from : options.to} is neither in the lineage git nor a folder of ${root}`,
        hint: 'run `cambrian lineage` to list the generations, or pass the right --generations DIR',
        exitCode: 2,
      });
    }
  }
  return diffFolders({ from: options.from, to: options.to, fromDir: dirs[0] as string, toDir: dirs[1] as string });
}

async function diffWithGit(options: {
  git: ReturnType<typeof createLineageGit>;
  from: number;
  to: number;
  a: string;
  b: string;
}): Promise<GenerationDiff> {
  const { git, a, b } = options;
  const files = parseNumstat(await git.run(['diff', '--numstat', '-z', '--find-renames', a, b]));
  markAddedAndDeleted(files, await git.run(['diff', '--name-status', '-z', '--find-renames', a, b]));
  const patch = await git.run([
    'diff',
    '--no-color',
    '--find-renames',
    `--src-prefix=gen-${options.from}/`,
    `--dst-prefix=gen-${options.to}/`,
    a,
    b,
  ]);
  return summarizeDiff({ from: options.from, to: options.to, source: 'git', files, patch });
}

async function diffFolders(options: {
  from: number;
  to: number;
  fromDir: string;
  toDir: string;
}): Promise<GenerationDiff> {
  const list = async (dir: string): Promise<string[]> =>
    [
      ...(await listArtifactFiles(dir)),
      ...(existsSync(path.join(dir, 'manifest.json')) ? ['manifest.json'] : []),
    ].sort();
  const [before, after] = await Promise.all([list(options.fromDir), list(options.toDir)]);
  const all = [...new Set([...before, ...after])].sort();
  const files: FileChange[] = [];
  const patches: string[] = [];
  for (const file of all) {
    const old = before.includes(file) ? await readFile(path.join(options.fromDir, file), 'utf8') : null;
    const now = after.includes(file) ? await readFile(path.join(options.toDir, file), 'utf8') : null;
    if (old === now) continue;
    const hunks = structuredPatch(file, file, old ?? '', now ?? '').hunks;
    let additions = 0;
    let deletions = 0;
    for (const hunk of hunks) {
      for (const line of hunk.lines) {
        if (line.startsWith('+')) additions++;
        else if (line.startsWith('-')) deletions++;
      }
    }
    files.push({
      path: file,
      status: old === null ? 'added' : now === null ? 'deleted' : 'modified',
      oldPath: null,
      additions,
      deletions,
      binary: false,
    });
    patches.push(
      createTwoFilesPatch(
        old === null ? '/dev/null' : `gen-${options.from}/${file}`,
        now === null ? '/dev/null' : `gen-${options.to}/${file}`,
        old ?? '',
        now ?? '',
      ),
    );
  }
  return summarizeDiff({ from: options.from, to: options.to, source: 'folders', files, patch: patches.join('') });
}

/** Sorts the files by path and totals their lines. */
export function summarizeDiff(diff: Omit<GenerationDiff, 'additions' | 'deletions'>): GenerationDiff {
  const files = [...diff.files].sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
  return {
    ...diff,
    files,
    additions: files.reduce((sum, f) => sum + f.additions, 0),
    deletions: files.reduce((sum, f) => sum + f.deletions, 0),
  };
}
