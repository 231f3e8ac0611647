import { open, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { acquireLock, LockedError } from '../../src/supervisor/acquire-lock.js';
import { flockDescriptor } from '../../src/supervisor/flock-descriptor.js';
import { tempDir } from './supervisor-helpers.js';

/** The lock's messages, its file and its flock call at their edges, in this process (issue 16). */
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});
async function lockFile(): Promise<string> {
  const { dir, cleanup } = await tempDir('cambrian-lock-edge-');
  cleanups.push(cleanup);
  // .cambrian/ does not exist yet: acquireLock makes it.
  return path.join(dir, 'generations', '.cambrian', 'lock');
}
async function refusal(file: string): Promise<LockedError> {
  const error = await acquireLock({ file, run: 'second' }).catch((caught: unknown) => caught);
  if (!(error instanceof LockedError)) throw new Error(`expected a LockedError, got ${String(error)}`);
  return error;
}

describe('LockedError', () => {
  it('names the generations dir, and the holder only as far as it is known', () => {
    const file = '/g/.cambrian/lock';
    const none = new LockedError(file, null);
    expect(none.message).toBe('another cambrian run is using /g');
    expect(none).toMatchObject({ code: 'E_LOCKED', exitCode: 2 });
    expect(none.hint).toBe('wait for it to end, pass --wait to queue behind it, or use another --generations DIR');
    expect(new LockedError(file, { pid: 7, started: 's', run: null }).message).toBe(
      'another cambrian run (pid 7, started s) is using /g',
    );
    expect(new LockedError(file, { pid: 7, started: 's', run: 'r' }).message).toBe(
      'another cambrian run (pid 7, started s, run r) is using /g',
    );
  });
});

describe('acquireLock', () => {
  it('makes the folder, writes its line with mode 0644, and clears it on release (twice is harmless)', async () => {
    const file = await lockFile();
    const lock = await acquireLock({ file, run: 'first' });
    expect(lock.file).toBe(file);
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ pid: process.pid, run: 'first' });
    expect((await stat(file)).mode & 0o777).toBe(0o644);
    await lock.release();
    await lock.release();
    expect(await readFile(file, 'utf8')).toBe('');
    await (await acquireLock({ file, run: 'again' })).release();
  });

  it('reads a holder line with fields missing or of the wrong type as far as it can', async () => {
    const file = await lockFile();
    const lock = await acquireLock({ file, run: 'first' });
    try {
      await writeFile(file, JSON.stringify({ pid: process.pid, run: 5 }));
      expect((await refusal(file)).message).toMatch(new RegExp(`\\(pid ${process.pid}, started \\?\\) is using`));
      await writeFile(file, JSON.stringify({ pid: String(process.pid), started: 'x', run: 'r' }));
      expect((await refusal(file)).message).toMatch(/^another cambrian run is using /);
      await writeFile(file, 'not json');
      expect((await refusal(file)).message).toMatch(/^another cambrian run is using /);
    } finally {
      await lock.release();
    }
  });
});

describe('flockDescriptor', () => {
  it('refuses at once when already stopped, and says flock is missing when it is not on PATH', async () => {
    const file = await lockFile();
    await acquireLock({ file, run: 'made' }).then((lock) => lock.release());
    const handle = await open(file, 'r+');
    try {
      const stop = new AbortController();
      stop.abort('SIGTERM');
      await expect(flockDescriptor({ fd: handle.fd, wait: true, signal: stop.signal })).rejects.toMatchObject({
        code: 'E_STOPPED',
        message: 'stopped by SIGTERM while waiting for the lock',
      });
      const saved = process.env.PATH;
      process.env.PATH = path.dirname(file);
      try {
        await expect(flockDescriptor({ fd: handle.fd, wait: false })).rejects.toMatchObject({
          code: 'E_NO_FLOCK',
          message: 'flock is not installed (the generations dir lock uses it)',
          hint: 'install util-linux (Debian: apt-get install util-linux)',
        });
      } finally {
        process.env.PATH = saved;
      }
      expect(await flockDescriptor({ fd: handle.fd, wait: false })).toBe(true);
    } finally {
      await handle.close();
    }
  });

  it('answers false without waiting while another description holds it, and waits with wait', async () => {
    const file = await lockFile();
    const lock = await acquireLock({ file, run: 'holder' });
    const handle = await open(file, 'r+');
    try {
      expect(await flockDescriptor({ fd: handle.fd, wait: false })).toBe(false);
      const waiting = flockDescriptor({ fd: handle.fd, wait: true });
      let done = false;
      void waiting.then(() => {
        done = true;
      });
      await new Promise((resolve) => setTimeout(resolve, 150));
      expect(done).toBe(false);
      await lock.release();
      expect(await waiting).toBe(true);
    } finally {
      await handle.close();
    }
  });
});
