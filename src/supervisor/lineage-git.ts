import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { EnvironmentError } from '../errors.js';
import { isProcessAlive } from '../is-process-alive.js';

/**
 * The Supervisor's own git history of a lineage: a bare repository (`.cambrian/lineage.git`, never a folder named
 * `.git`, since the project's repository may contain the generations dir), a commit per generation on branch `gen-N`
 * whose tree is the artifact and whose parent is the parent generation's commit, tag `gen-N` on promotion and
 * `gen-N-failed` on rollback. Every command names the git dir, the work tree and a private index explicitly.
 */
export interface LineageGit {
  gitDir: string;
  init(): Promise<void>;
  /** Commits the artifact folder on branch `gen-N` (parent: branch `gen-<parent>`, when it exists). Idempotent. */
  commitArtifact(options: {
    generation: number;
    artifactDir: string;
    parent: number | null;
    message: string;
  }): Promise<string>;
  branchCommit(generation: number): Promise<string | null>;
  tags(): Promise<string[]>;
  setTag(name: string, generation: number): Promise<void>;
  deleteTag(name: string): Promise<void>;
  /** Runs git on this lineage; `input` is written to its stdin (e.g. the pairs of a `diff-tree --stdin`). */
  run(args: readonly string[], options?: RunOptions): Promise<string>;
}

interface RunOptions {
  workTree?: string;
  indexFile?: string;
  input?: string;
}

const GIT_ENV = {
  GIT_AUTHOR_NAME: 'cambrian supervisor',
  GIT_AUTHOR_EMAIL: 'supervisor@cambrian.invalid',
  GIT_COMMITTER_NAME: 'cambrian supervisor',
  GIT_COMMITTER_EMAIL: 'supervisor@cambrian.invalid',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_TERMINAL_PROMPT: '0',
};

/** A commit's private index (and git's `.lock` beside it) is named for its owner, so a dead owner's can be swept. */
const INDEX_PREFIX = 'cambrian-index-';

/**
 * Removes the temporary indexes of commits whose engine was killed mid-commit (SIGKILL skips the `finally` that
 * removes them); a live owner's are left alone. Best effort.
 */
export async function sweepDeadCommitIndexes(): Promise<void> {
  const names = await readdir(os.tmpdir()).catch(() => [] as string[]);
  for (const name of names) {
    const owner = Number(new RegExp(`^${INDEX_PREFIX}(\\d+)-`).exec(name)?.[1] ?? 'NaN');
    if (!Number.isInteger(owner) || owner <= 0 || isProcessAlive(owner)) continue;
    await rm(path.join(os.tmpdir(), name), { force: true }).catch(() => {});
  }
}

export function createLineageGit(gitDir: string): LineageGit {
  async function run(args: readonly string[], options: RunOptions = {}): Promise<string> {
    const full = [
      `--git-dir=${gitDir}`,
      ...(options.workTree === undefined ? [] : [`--work-tree=${options.workTree}`]),
      ...args,
    ];
    // Only what git needs: never the engine's environment (it may hold provider keys).
    const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: os.tmpdir(), ...GIT_ENV };
    if (options.indexFile !== undefined) env.GIT_INDEX_FILE = options.indexFile;
    return new Promise((resolve, reject) => {
      const child = execFile('git', full, { env, maxBuffer: 256 * 1024 * 1024 }, (error, stdout, stderr) => {
        if (error === null) {
          resolve(stdout);
          return;
        }
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
          reject(
            new EnvironmentError({
              code: 'E_NO_GIT',
              message: 'git is not installed',
              hint: 'install git (Debian: apt-get install git); the Supervisor keeps the lineage in git',
              cause: error,
            }),
          );
          return;
        }
        reject(new Error(`git ${args.join(' ')} failed: ${stderr.trim() || error.message}`, { cause: error }));
      });
      // git may exit before reading all of it (a bad object): the error above says why, not EPIPE.
      child.stdin?.on('error', () => {});
      child.stdin?.end(options.input);
    });
  }

  async function branchCommit(generation: number): Promise<string | null> {
    try {
      return (await run(['rev-parse', '--verify', '--quiet', `refs/heads/gen-${generation}^{commit}`])).trim() || null;
    } catch {
      return null;
    }
  }

  return {
    gitDir,
    run,
    branchCommit,
    async init() {
      if (existsSync(path.join(gitDir, 'HEAD'))) return;
      await mkdir(path.dirname(gitDir), { recursive: true });
      await run(['init', '--quiet', '--bare', '--initial-branch=gen-0']);
      // Folders the build provides are never part of an artifact.
      await writeFile(path.join(gitDir, 'info', 'exclude'), '/node_modules/\n/dist/\n');
    },
    async commitArtifact({ generation, artifactDir, parent, message }) {
      const existing = await branchCommit(generation);
      if (existing !== null) return existing;
      const indexFile = path.join(os.tmpdir(), `${INDEX_PREFIX}${process.pid}-${randomBytes(6).toString('hex')}`);
      try {
        await run(['add', '--all', '--force', '--', '.', ':!node_modules', ':!dist'], {
          workTree: artifactDir,
          indexFile,
        });
        const tree = (await run(['write-tree'], { indexFile })).trim();
        const parentCommit = parent === null ? null : await branchCommit(parent);
        const args = ['commit-tree', tree, '-m', message, ...(parentCommit === null ? [] : ['-p', parentCommit])];
        const commit = (await run(args)).trim();
        await run(['update-ref', `refs/heads/gen-${generation}`, commit]);
        return commit;
      } finally {
        await rm(indexFile, { force: true });
      }
    },
    async tags() {
      return (await run(['tag', '--list'])).split('\n').filter((line) => line !== '');
    },
    async setTag(name, generation) {
      const commit = await branchCommit(generation);
      if (commit === null) throw new Error(`cannot tag ${name}: no branch gen-${generation} in ${gitDir}`);
      await run(['update-ref', `refs/tags/${name}`, commit]);
    },
    async deleteTag(name) {
      await run(['update-ref', '-d', `refs/tags/${name}`]);
    },
  };
}
