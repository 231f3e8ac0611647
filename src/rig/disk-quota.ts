import { execFile } from 'node:child_process';
import { statfsSync, statSync } from 'node:fs';
import { mkdir, rename, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { EnvironmentError } from '../errors.js';
import { HOST_PATH } from './sandbox/spawn-sandboxed.js';

const run = promisify(execFile);
const HOST_ENV = { PATH: HOST_PATH };
/** Free space below this on a quota filesystem after a failed stage means the artifact filled it. */
const FULL_MARGIN_BYTES = 1024 * 1024;

let warned = false;

/**
 * Mounts a tmpfs of `sizeMb` on `dir` (an empty folder the rig just made), so everything the artifact writes into its
 * copy, the JUnit folder or the probe workspace counts against one cap instead of the host disk. Needs root; when the
 * mount fails the rig runs as before (only single files capped) and says so once per process.
 */
export async function mountDiskQuota(options: { dir: string; sizeMb: number }): Promise<boolean> {
  const reason = await tryMount(options);
  if (reason === null) return true;
  if (!warned) {
    warned = true;
    process.stderr.write(
      `warning: no disk quota for the rig (${reason}); an artifact's writes are capped per file only (see docs/sandbox.md)\n`,
    );
  }
  return false;
}

async function tryMount(options: { dir: string; sizeMb: number }): Promise<string | null> {
  if (process.getuid?.() !== 0) return 'mounting a size-capped tmpfs needs root';
  try {
    const flags = `size=${options.sizeMb}m,mode=0700,nosuid,nodev`;
    await run('mount', ['-t', 'tmpfs', '-o', flags, 'cambrian-rig', options.dir], { env: HOST_ENV });
    return null;
  } catch (error) {
    return `mount failed: ${((error as { stderr?: string }).stderr ?? String(error)).trim().split('\n')[0]}`;
  }
}

/** True when `dir` is the root of a filesystem other than its parent's (a mount point). */
export function isMountPoint(dir: string): boolean {
  try {
    return statSync(dir).dev !== statSync(path.dirname(dir)).dev;
  } catch {
    return false;
  }
}

/**
 * Unmounts whatever is mounted on `dir` (the quota tmpfs; a lazy unmount when something still holds it), or throws:
 * the caller deletes the folder only after this, so nothing is ever `rm -rf`ed through a mount.
 */
export async function unmountDiskQuota(dir: string): Promise<void> {
  for (const args of [[dir], ['-l', dir]]) {
    if (!isMountPoint(dir)) return;
    await run('umount', args, { env: HOST_ENV }).catch(() => undefined);
  }
  if (!isMountPoint(dir)) return;
  throw new EnvironmentError({
    code: 'E_RIG_UNMOUNT',
    message: `cannot unmount the rig's disk quota at ${dir}`,
    hint: `umount -l ${dir} (as root), then delete the folder`,
  });
}

/** For a kept run: moves the content of the quota tmpfs on `dir` to a plain folder at the same path, then unmounts. */
export async function unmountKeepingContent(dir: string): Promise<void> {
  if (!isMountPoint(dir)) return;
  const staging = `${dir}.kept`;
  await mkdir(staging);
  // cp -a copies the links, fifos and sockets the artifact left as they are, never what they point to.
  await run('cp', ['-a', '--', `${dir}/.`, staging], { env: HOST_ENV });
  await unmountDiskQuota(dir);
  await rmdir(dir);
  await rename(staging, dir);
}

/** True when the quota filesystem on `dir` has (almost) no space left: the reason a failed stage failed, likely. */
export function isDiskQuotaFull(dir: string): boolean {
  try {
    const stats = statfsSync(dir);
    return stats.bavail * stats.bsize < FULL_MARGIN_BYTES;
  } catch {
    return false;
  }
}
