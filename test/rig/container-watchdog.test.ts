import { spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { prepareContainerLaunch } from '../../src/rig/sandbox/spawn-container.js';

/**
 * The launcher's watchdog, driven by an engine client whose first `rm --force` stops the container but fails to
 * remove it (what podman did under load in CI): the watchdog must try again while `inspect` still finds the container.
 * The client is a shell script standing in for docker's CLI so the failure can be made to happen on cue; the real
 * engines' SIGKILL path is tested in container-backend.test.ts.
 */
const CLIENT = `#!/bin/sh
dir=$(dirname "$0")
echo "$1" >> "$dir/calls"
case "$1" in
  create) touch "$dir/exists" ;;
  start) exec sleep 30 ;;
  inspect) [ -e "$dir/exists" ] || exit 1 ;;
  rm)
    if [ ! -e "$dir/rm-failed-once" ]; then touch "$dir/rm-failed-once"; exit 1; fi
    rm -f "$dir/exists" ;;
esac
`;

let dir: string | null = null;
afterEach(async () => {
  if (dir !== null) await rm(dir, { recursive: true, force: true });
  dir = null;
});

async function until(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return check();
}

describe('the container launcher watchdog', () => {
  it('removes the container when the rig dies even if the first rm fails, and stops once it is gone', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'cambrian-watchdog-'));
    const client = path.join(dir, 'engine');
    await writeFile(client, CLIENT);
    await chmod(client, 0o755);
    const launch = prepareContainerLaunch({
      engine: 'docker',
      binary: client,
      image: 'cambrian-rig',
      name: 'cambrian-rig-watchdog-0',
      argv: ['true'],
      cwd: '/',
      binds: [],
      env: {},
      memoryMb: 256,
      pids: 64,
      fileSizeBytes: 1 << 20,
      tmpMb: 16,
    });
    const [command = '', ...args] = launch.launcher;
    const child = spawn(command, args, { cwd: launch.cwd, stdio: ['pipe', 'ignore', 'ignore'], detached: true });
    const calls = () => readFile(path.join(dir as string, 'calls'), 'utf8').catch(() => '');
    try {
      expect(await until(async () => (await calls()).includes('start'), 10_000)).toBe(true);
      // The rig dies: its end of the launcher's stdin closes.
      child.stdin?.end();
      const rmCalls = async () => (await calls()).split('\n').filter((call) => call === 'rm').length;
      const exists = () =>
        readFile(path.join(dir as string, 'exists')).then(
          () => true,
          () => false,
        );
      // The first rm fails and leaves the container; the watchdog sees it still there and removes it a second time.
      expect(await until(async () => (await rmCalls()) >= 2 && !(await exists()), 10_000)).toBe(true);
      // Once removed, no further rm: the loop ends on success.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(await rmCalls()).toBe(2);
    } finally {
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      await launch.finish({ killedByRig: true, killedBySignal: false, stderrTail: '' }).catch(() => undefined);
    }
  });
});
