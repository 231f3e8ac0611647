import { chmod, open, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { flockDescriptor } from '../../src/supervisor/flock-descriptor.js';
import { tempDir } from './supervisor-helpers.js';

/**
 * flockDescriptor's failure path: flock ending other than 0 or busy, or failing to start for a reason other than
 * ENOENT. The real flock never does that here, so a stand-in `flock` first on PATH plays each ending (issue 16).
 */
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/**
 * Runs `call` on a real descriptor with `script` as the `flock` first on PATH, and returns what it rejected with.
 * `mode` 0o644 makes it a flock that cannot be run; PATH then holds it alone, or execvp would go on to the real one.
 */
async function withStandIn(script: string, call: (fd: number) => Promise<unknown>, mode = 0o755): Promise<unknown> {
  const { dir, cleanup } = await tempDir('cambrian-flock-fail-');
  cleanups.push(cleanup);
  const stand = path.join(dir, 'flock');
  await writeFile(stand, `#!/bin/sh\n${script}\n`);
  await chmod(stand, mode);
  const handle = await open(path.join(dir, 'lock'), 'w+');
  const saved = process.env.PATH;
  process.env.PATH = mode === 0o755 ? `${dir}:${saved ?? ''}` : dir;
  try {
    return await call(handle.fd).catch((caught: unknown) => caught);
  } finally {
    process.env.PATH = saved;
    await handle.close();
  }
}

describe('flockDescriptor when flock fails', () => {
  it('rejects naming the flock call, its exit code and its stderr (trimmed, every chunk)', async () => {
    const error = await withStandIn(
      "printf 'flock: 3: ' >&2; sleep 0.05; echo 'Bad file descriptor' >&2; exit 1",
      (fd) => flockDescriptor({ fd, wait: false }),
    );
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe(
      'flock --exclusive --nonblock --conflict-exit-code 100 3 failed (1): flock: 3: Bad file descriptor',
    );
  });

  it('treats the busy code as a failure when waiting (flock was not asked to use it)', async () => {
    const error = await withStandIn('exit 100', (fd) => flockDescriptor({ fd, wait: true }));
    expect((error as Error).message).toBe('flock --exclusive 3 failed (100): ');
  });

  it('names the signal when flock is killed by something other than our abort', async () => {
    const error = await withStandIn('kill -TERM $$', (fd) =>
      flockDescriptor({ fd, wait: true, signal: new AbortController().signal }),
    );
    expect((error as Error).message).toBe('flock --exclusive 3 failed (SIGTERM): ');
  });

  it('passes on a spawn error other than ENOENT as it is (a flock that cannot be run)', async () => {
    const error = await withStandIn('exit 0', (fd) => flockDescriptor({ fd, wait: false }), 0o644);
    expect(error).toMatchObject({ code: 'EACCES', syscall: 'spawn flock' });
    expect(error).not.toMatchObject({ code: 'E_NO_FLOCK' });
  });
});

describe('flockDescriptor already stopped', () => {
  it('refuses before starting flock, even while the lock is held elsewhere (a late abort event never comes)', async () => {
    const { dir, cleanup } = await tempDir('cambrian-flock-stopped-');
    cleanups.push(cleanup);
    const file = path.join(dir, 'lock');
    const holder = await open(file, 'w+');
    const waiter = await open(file, 'r+');
    try {
      expect(await flockDescriptor({ fd: holder.fd, wait: false })).toBe(true);
      const stop = new AbortController();
      stop.abort('SIGINT');
      const hung = new Promise((resolve) => setTimeout(resolve, 3000, 'still waiting after 3 s'));
      const outcome = await Promise.race([
        flockDescriptor({ fd: waiter.fd, wait: true, signal: stop.signal }).catch((caught: unknown) => caught),
        hung,
      ]);
      expect(outcome).toMatchObject({ code: 'E_STOPPED', message: 'stopped by SIGINT while waiting for the lock' });
    } finally {
      await waiter.close();
      await holder.close();
    }
  });
});
