import { randomBytes } from 'node:crypto';
import type { Stats } from 'node:fs';
import { lstat, mkdir, realpath, rename, rm, rmdir, unlink, writeFile } from 'node:fs/promises';
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
 * first written as temp files next to their targets, then renamed into place, so a failure leaves no partial file.
 * Returns the absolute, real output folder.
 */
export async function writeBlocks(options: WriteBlocksOptions): Promise<string> {
  const requested = path.resolve(options.outDir);
  const existing = await lstatOrUndefined(requested);
  let createdRoot: string | undefined;
  if (existing === undefined) {
    createdRoot = await mkdir(requested, { recursive: true });
  } else if (!existing.isDirectory() && !existing.isSymbolicLink()) {
    throw new UnsafeOutputError(`${requested} exists and is not a folder`, { outDir: requested });
  }
  // The folder the user named may itself be a link (their choice); everything below it is checked strictly.
  const root = await realpath(requested);
  if (!(await lstat(root)).isDirectory()) {
    throw new UnsafeOutputError(`${requested} is not a folder`, { outDir: requested });
  }
  const targets = await planTargets(root, options.files);
  const createdDirs: string[] = [];
  const temps: Array<{ temp: string; target: string }> = [];
  try {
    for (const dir of targets.dirs) {
      try {
        await mkdir(dir);
        createdDirs.push(dir);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || !(await lstat(dir)).isDirectory()) throw error;
      }
    }
    for (const { target, content } of targets.files) {
      const temp = path.join(path.dirname(target), `.${path.basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
      // 'wx' = O_CREAT|O_EXCL: fails on any existing entry, a planted symlink included, instead of following it.
      await writeFile(temp, content, { flag: 'wx', mode: 0o644 });
      temps.push({ temp, target });
    }
    for (const { temp, target } of temps) await rename(temp, target);
  } catch (error) {
    for (const { temp } of temps) await unlink(temp).catch(() => undefined);
    for (const dir of createdDirs.reverse()) await rmdir(dir).catch(() => undefined);
    if (createdRoot !== undefined) await rm(createdRoot, { recursive: true, force: true });
    throw error;
  }
  return root;
}

async function planTargets(
  root: string,
  files: WriteBlocksOptions['files'],
): Promise<{ dirs: string[]; files: Array<{ target: string; content: string }> }> {
  const known = new Map<string, Stats | undefined>();
  const dirs = new Set<string>();
  const planned: Array<{ target: string; content: string }> = [];
  async function statOnce(abs: string): Promise<Stats | undefined> {
    if (!known.has(abs)) known.set(abs, await lstatOrUndefined(abs));
    return known.get(abs);
  }
  for (const file of files) {
    const violation = checkBlockPath(file.path);
    if (violation !== undefined) throw new UnsafeOutputError(violation.message, { path: file.path });
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
    planned.push({ target, content: file.content });
  }
  return { dirs: [...dirs], files: planned };
}
