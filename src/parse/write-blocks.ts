import { randomBytes } from 'node:crypto';
import type { Stats } from 'node:fs';
import { link, lstat, mkdir, realpath, rename, rm, rmdir, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CambrianError } from '../errors.js';
import { checkBlockPath, quotePath } from './check-block-path.js';

/** The output folder (or something in it) would make a write land somewhere other than the named file. */
export class UnsafeOutputError extends CambrianError {
  constructor(message: string, data: Record<string, unknown>) {
    super({
      code: 'E_OUT_UNSAFE',
      message,
      hint: 'write into an empty folder, or remove the symlink/file that is in the way',
      data,
      exitCode: 2,
    });
  }
}

export interface WriteBlocksOptions {
  /** Folder to write into; created if absent. Every file lands inside it or nothing is written. */
  outDir: string;
  files: ReadonlyArray<{ path: string; content: string }>;
}

async function lstatOrUndefined(file: string): Promise<Stats | undefined> {
  try {
    return await lstat(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Writes parsed blocks under `outDir`, refusing anything that could land elsewhere: each path must pass the block
 * path rules again, must resolve inside `outDir`, and no existing component below `outDir` may be a symlink (checked
 * with lstat before anything is written; files are created with O_EXCL, which never follows a link). All files are
 * first written as temp files next to their targets, then renamed into place; if anything fails, files already
 * renamed are removed (or their old content put back), so the folder is as it was. Duplicates and file/folder
 * conflicts are the parser's job (they cannot escape, only fail and roll back here). Returns the real output folder.
 */
export async function writeBlocks(options: WriteBlocksOptions): Promise<string> {
  for (const file of options.files) {
    const violation = checkBlockPath(file.path);
    if (violation !== undefined) throw new UnsafeOutputError(violation.message, { path: file.path });
  }
  const requested = path.resolve(options.outDir);
  const existing = await lstatOrUndefined(requested);
  let createdRoot: string | undefined;
  if (existing === undefined) {
    createdRoot = await mkdir(requested, { recursive: true });
  } else if (!existing.isDirectory() && !existing.isSymbolicLink()) {
    throw new UnsafeOutputError(`${requested} exists and is not a folder`, { outDir: requested });
  }
  const createdDirs: string[] = [];
  const temps: Array<{ temp: string; target: string; backup: string | undefined }> = [];
  const done: typeof temps = [];
  try {
    // The folder the user named may itself be a link (their choice); everything below it is checked strictly.
    const root = await realpath(requested);
    if (!(await lstat(root)).isDirectory()) {
      throw new UnsafeOutputError(`${requested} is not a folder`, { outDir: requested });
    }
    const targets = await planTargets(root, options.files);
    for (const dir of targets.dirs) {
      try {
        await mkdir(dir);
        createdDirs.push(dir);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || !(await lstat(dir)).isDirectory()) throw error;
      }
    }
    for (const { target, content, exists } of targets.files) {
      const temp = tempNameFor(target, 'tmp');
      // 'wx' = O_CREAT|O_EXCL: fails on any existing entry, a planted symlink included, instead of following it.
      await writeFile(temp, content, { flag: 'wx', mode: 0o644 });
      const entry = { temp, target, backup: exists ? tempNameFor(target, 'old') : undefined };
      temps.push(entry);
      // a hard link keeps the old content reachable, so a later failure can put it back
      if (entry.backup !== undefined) await link(target, entry.backup);
    }
    for (const entry of temps) {
      await rename(entry.temp, entry.target);
      done.push(entry);
    }
    for (const { backup } of temps) if (backup !== undefined) await unlink(backup).catch(() => undefined);
    return root;
  } catch (error) {
    for (const { target, backup } of done.reverse()) {
      if (backup === undefined) await unlink(target).catch(() => undefined);
      else await rename(backup, target).catch(() => undefined);
    }
    for (const { temp, backup } of temps) {
      await unlink(temp).catch(() => undefined);
      if (backup !== undefined) await unlink(backup).catch(() => undefined);
    }
    for (const dir of createdDirs.reverse()) await rmdir(dir).catch(() => undefined);
    if (createdRoot !== undefined) await rm(createdRoot, { recursive: true, force: true });
    throw error;
  }
}

function tempNameFor(target: string, kind: 'tmp' | 'old'): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${randomBytes(6).toString('hex')}.${kind}`);
}

async function planTargets(
  root: string,
  files: WriteBlocksOptions['files'],
): Promise<{ dirs: string[]; files: Array<{ target: string; content: string; exists: boolean }> }> {
  const known = new Map<string, Stats | undefined>();
  const dirs = new Set<string>();
  const planned: Array<{ target: string; content: string; exists: boolean }> = [];
  async function statOnce(abs: string): Promise<Stats | undefined> {
    if (!known.has(abs)) known.set(abs, await lstatOrUndefined(abs));
    return known.get(abs);
  }
  for (const file of files) {
    const target = path.resolve(root, ...file.path.split('/'));
    if (!target.startsWith(root + path.sep)) {
      throw new UnsafeOutputError(`path ${quotePath(file.path)} resolves outside ${root}`, { path: file.path });
    }
    const segments = file.path.split('/');
    let dir = root;
    for (const segment of segments.slice(0, -1)) {
      dir = path.join(dir, segment);
      const stats = await statOnce(dir);
      if (stats === undefined) {
        dirs.add(dir);
        // a folder we will create is empty, so nothing below it exists either
        known.set(dir, undefined);
      } else if (stats.isSymbolicLink()) {
        throw new UnsafeOutputError(`${dir} is a symlink; refusing to write ${quotePath(file.path)} through it`, {
          path: file.path,
          symlink: dir,
        });
      } else if (!stats.isDirectory()) {
        throw new UnsafeOutputError(`${dir} is not a folder; cannot write ${quotePath(file.path)}`, {
          path: file.path,
        });
      }
    }
    const stats = await statOnce(target);
    if (stats !== undefined && !stats.isFile()) {
      const what = stats.isSymbolicLink() ? 'a symlink' : stats.isDirectory() ? 'a folder' : 'not a regular file';
      throw new UnsafeOutputError(`${target} is ${what}; refusing to replace it with ${quotePath(file.path)}`, {
        path: file.path,
      });
    }
    planned.push({ target, content: file.content, exists: stats !== undefined });
  }
  return { dirs: [...dirs], files: planned };
}
