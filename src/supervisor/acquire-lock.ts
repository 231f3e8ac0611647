import { constants } from 'node:fs';
import { mkdir, open, readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CambrianError } from '../errors.js';
import { isProcessAlive } from '../is-process-alive.js';
import { flockDescriptor } from './flock-descriptor.js';

export interface LockHolder {
  pid: number;
  started: string;
  run: string | null;
}

export interface Lock {
  file: string;
  /** Lets go of this lock only: idempotent, and never touches a lock another run took since. */
  release(): Promise<void>;
}

/** A second run on the same generations dir is refused (or waits), because both would number and seal generations. */
export class LockedError extends CambrianError {
  constructor(file: string, holder: LockHolder | null) {
    const who =
      holder === null
        ? ''
        : ` (pid ${holder.pid}, started ${holder.started}${holder.run === null ? '' : `, run ${holder.run}`})`;
    super({
      code: 'E_LOCKED',
      message: `another cambrian run${who} is using ${path.dirname(path.dirname(file))}`,
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

/** Who holds it, for the message only: the holder writes its line just after winning, so give it a moment. */
async function describeHolder(file: string): Promise<LockHolder | null> {
  for (let attempt = 0; attempt < 10; attempt += 1) {
    const holder = await readHolder(file);
    if (holder !== null && isProcessAlive(holder.pid)) return holder;
    await sleep(20);
  }
  return null;
}

/**
 * Takes the generations dir's lock, `.cambrian/lock`: an OS lock (flock) on an open descriptor of the file, held
 * until `release` or the engine's death. The file's content (pid, start, run) is only for messages; a file left by a
 * killed run blocks nobody, since its lock died with its process. Throws LockedError when held elsewhere, or with
 * `wait` blocks until free (or `signal` aborts: StoppedError). The file is never removed: a run blocked on the old
 * file while a new one was created would hold a second, separate lock.
 */
export async function acquireLock(options: {
  file: string;
  run: string;
  wait?: boolean;
  signal?: AbortSignal;
}): Promise<Lock> {
  await mkdir(path.dirname(options.file), { recursive: true });
  const handle = await open(options.file, constants.O_RDWR | constants.O_CREAT, 0o644);
  try {
    const taken = await flockDescriptor({
      fd: handle.fd,
      wait: options.wait === true,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    if (!taken) throw new LockedError(options.file, await describeHolder(options.file));
    const mine: LockHolder = { pid: process.pid, started: new Date().toISOString(), run: options.run };
    await handle.truncate(0);
    await handle.write(`${JSON.stringify(mine)}\n`, 0);
  } catch (error) {
    await handle.close();
    throw error;
  }
  let released = false;
  return {
    file: options.file,
    async release() {
      if (released) return;
      released = true;
      // Still ours while the descriptor is open: clear our line, then closing it lets go of the lock.
      await handle.truncate(0).catch(() => {});
      await handle.close();
    },
  };
}
