import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statfsSync } from 'node:fs';
import { lstat, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isDiskQuotaFull, isMountPoint } from '../../src/rig/disk-quota.js';
import { createRigLayout, releaseRigLayout, removeRigLayout } from '../../src/rig/rig-layout.js';
import { LIMITS_REQUIRED } from './sandbox-backends.js';

/** Whether the host's mount table lists `dir` (independent of the st_dev comparison the rig uses). */
function mountedAt(dir: string): boolean {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .some((line) => line.split(' ')[4] === dir);
}

describe('rig work folders', () => {
  const made: string[] = [];
  afterEach(async () => {
    for (const dir of made.splice(0)) {
      const quota = path.join(dir, 'quota');
      if (mountedAt(quota)) execFileSync('umount', ['-l', quota]);
      await rm(dir, { recursive: true, force: true });
    }
  });

  async function fakeWorkFolder(owner: string | null): Promise<string> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'cambrian-rig-'));
    made.push(dir);
    if (owner !== null) await writeFile(path.join(dir, 'owner.pid'), owner);
    return dir;
  }

  it('sweeps the folders of killed rigs, never a live rig’s or a kept one', async () => {
    // A pid that surely belonged to a process that has ended.
    const deadPid = spawnSync(process.execPath, ['-e', '0']).pid;
    const dead = await fakeWorkFolder(String(deadPid));
    const live = await fakeWorkFolder(String(process.pid));
    const kept = await fakeWorkFolder(null);

    const layout = await createRigLayout({ diskMb: 16 });
    made.push(layout.workRoot);

    expect(existsSync(dead)).toBe(false);
    expect(existsSync(live)).toBe(true);
    expect(existsSync(kept)).toBe(true);
    expect(existsSync(path.join(layout.workRoot, 'owner.pid'))).toBe(true);
    await releaseRigLayout(layout);
    expect(existsSync(path.join(layout.workRoot, 'owner.pid'))).toBe(false);
  });

  const asRoot = process.getuid?.() === 0 || LIMITS_REQUIRED;

  it.runIf(asRoot)('puts the work folder on a tmpfs of diskMb and unmounts it before deleting', async () => {
    const layout = await createRigLayout({ diskMb: 16 });
    made.push(layout.workRoot);
    expect(layout.diskQuotaMb).toBe(16);
    expect(isMountPoint(layout.quotaDir)).toBe(true);
    // what the artifact writes is under the quota; the rig's own files are not
    for (const dir of [layout.copyDir, layout.junitDir, layout.workspaceDir])
      expect(dir.startsWith(layout.quotaDir)).toBe(true);
    expect(layout.liveDir.startsWith(layout.quotaDir)).toBe(false);
    const stats = statfsSync(layout.quotaDir);
    expect(stats.blocks * stats.bsize).toBe(16 * 1024 * 1024);
    expect(isDiskQuotaFull(layout.quotaDir)).toBe(false);
    await expect(writeFile(path.join(layout.junitDir, 'big.bin'), Buffer.alloc(17 * 1024 * 1024))).rejects.toThrow(
      /ENOSPC/,
    );
    expect(isDiskQuotaFull(layout.quotaDir)).toBe(true);
    await removeRigLayout(layout);
    expect(existsSync(layout.workRoot)).toBe(false);
    expect(mountedAt(layout.quotaDir)).toBe(false);
  });

  it.runIf(asRoot)('keeps a kept run’s files in a plain folder at the same path, with no mount left', async () => {
    const layout = await createRigLayout({ diskMb: 16 });
    made.push(layout.workRoot);
    await mkdir(layout.copyDir);
    await writeFile(path.join(layout.copyDir, 'kept.txt'), 'kept\n');
    await symlink('/etc/hostname', path.join(layout.copyDir, 'planted'));
    await releaseRigLayout(layout);
    expect(mountedAt(layout.quotaDir)).toBe(false);
    expect(await readFile(path.join(layout.copyDir, 'kept.txt'), 'utf8')).toBe('kept\n');
    expect((await lstat(path.join(layout.copyDir, 'planted'))).isSymbolicLink()).toBe(true);
    expect(existsSync(path.join(layout.workRoot, 'owner.pid'))).toBe(false);
    expect(existsSync(`${layout.quotaDir}.kept`)).toBe(false);
  });

  it.runIf(asRoot)('sweeps a killed rig’s mounted folder: unmounted first, then deleted', async () => {
    const deadPid = spawnSync(process.execPath, ['-e', '0']).pid;
    const dead = await fakeWorkFolder(String(deadPid));
    const quota = path.join(dead, 'quota');
    await mkdir(quota);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'cambrian-rig', quota]);
    await writeFile(path.join(quota, 'left.txt'), 'left\n');
    const layout = await createRigLayout({ diskMb: 16 });
    made.push(layout.workRoot);
    await removeRigLayout(layout);
    expect(mountedAt(quota)).toBe(false);
    expect(existsSync(dead)).toBe(false);
  });
});
