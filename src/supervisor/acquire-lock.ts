import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CambrianError } from '../errors.js';
import { isProcessAlive } from '../is-process-alive.js';
import { StoppedError } from './stopped-error.js';

export interface LockHolder {
  pid: number;
  started: string;
  run: string | null;
}

export interface Lock {
  file: string;
  release(): Promise<void>;
}

/** A second run on the same generations dir is refused (or waits), because both would number and seal generations. */
export class LockedError extends CambrianError {
  constructor(file: string, holder: LockHolder) {
    super({
      code: 'E_LOCKED',
      message: `another cambrian run (pid ${holder.pid}, started ${holder.started}${holder.run === null ? '' : `, run ${holder.run}`}) is using ${path.dirname(path.dirname(file))}`,
      hint: 'wait for it to end, pass --wait to queue behind it, or use another --generations DIR',
      data: { file, ...holder },
      exitCode: 2,
    });
  }
}

async function readHolder(file: string): Promise<LockHolder | null> {
  try {
    const data = JSON.parse(await readFile(file, 'utf8')) as Partial<LockHolder>;
    if (typeof data.pid !== 'number') return null;
    return { pid: data.pid, started: String(data.started ?? '?'), run: typeof data.run === 'string' ? data.run : null };
  } catch {
    return null;
  }
}

/**
 * Takes `.cambrian/lock` (pid + start time) with an exclusive create. A lock whose pid is dead is stale and taken
 * over; a live one makes this throw LockedError, or with `wait` poll until it is free (or `signal` aborts).
 */
export async function acquireLock(options: {
  file: string;
  run: string;
  wait?: boolean;
  signal?: AbortSignal;
  pollMs?: number;
}): Promise<Lock> {
  await mkdir(path.dirname(options.file), { recursive: true });
  const mine: LockHolder = { pid: process.pid, started: new Date().toISOString(), run: options.run };
  for (;;) {
    if (options.signal?.aborted === true) throw new StoppedError('waiting for the lock', options.signal.reason);
    try {
      await writeFile(options.file, `${JSON.stringify(mine)}\n`, { flag: 'wx' });
      return {
        file: options.file,
        async release() {
          const holder = await readHolder(options.file);
          if (holder?.pid === mine.pid && holder.run === mine.run) await rm(options.file, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = await readHolder(options.file);
    if (holder === null) {
      // Being written right now, or half-written by a process killed between create and write.
      const age = await stat(options.file).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      );
      if (age > 2000) await rm(options.file, { force: true });
      else await sleep(50);
      continue;
    }
    if (!isProcessAlive(holder.pid)) {
      // Stale: its process died without releasing it.
      await rm(options.file, { force: true });
      continue;
    }
    if (options.wait !== true) throw new LockedError(options.file, holder);
    await sleep(options.pollMs ?? 500, undefined, options.signal === undefined ? {} : { signal: options.signal }).catch(
      () => {},
    );
  }
}
