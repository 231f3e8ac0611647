import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createRigLayout, releaseRigLayout } from '../../src/rig/rig-layout.js';

describe('rig work folders', () => {
  const made: string[] = [];
  afterEach(async () => {
    await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
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

    const layout = await createRigLayout();
    made.push(layout.workRoot);

    expect(existsSync(dead)).toBe(false);
    expect(existsSync(live)).toBe(true);
    expect(existsSync(kept)).toBe(true);
    expect(existsSync(path.join(layout.workRoot, 'owner.pid'))).toBe(true);
    await releaseRigLayout(layout);
    expect(existsSync(path.join(layout.workRoot, 'owner.pid'))).toBe(false);
  });
});
