import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { acquireLock, LockedError } from '../../src/supervisor/acquire-lock.js';
import { findEngineRoot } from '../../src/version.js';
import { tempDir } from './supervisor-helpers.js';

const RACER = path.join(findEngineRoot(), 'test', 'fixtures', 'lock', 'lock-racer.mjs');
const BUILT_LOCK = path.join(findEngineRoot(), 'dist', 'src', 'supervisor', 'acquire-lock.js');

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function scratchLockFile(): Promise<string> {
  const { dir, cleanup } = await tempDir('cambrian-lock-');
  cleanups.push(cleanup);
  await mkdir(path.join(dir, '.cambrian'));
  return path.join(dir, '.cambrian', 'lock');
}

/** A pid that was just in use and is now dead. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid as number;
}

interface Racer {
  child: ChildProcess;
  lines: string[];
  waitFor(line: (text: string) => boolean): Promise<string>;
  done: Promise<void>;
}

/** A separate process running the built acquireLock (test/fixtures/lock/lock-racer.mjs). */
function startRacer(file: string, run: string, hold: number | 'told', flags: string[] = []): Racer {
  const child = spawn(process.execPath, [RACER, BUILT_LOCK, file, run, String(hold), ...flags], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  cleanups.push(async () => {
    child.kill('SIGKILL');
  });
  const lines: string[] = [];
  const listeners: Array<() => void> = [];
  let buffer = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    const parts = buffer.split('\n');
    buffer = parts.pop() ?? '';
    lines.push(...parts);
    for (const listener of listeners) listener();
  });
  const done = new Promise<void>((resolve) => child.on('close', () => resolve()));
  return {
    child,
    lines,
    done,
    waitFor(match) {
      return new Promise((resolve, reject) => {
        const check = (): boolean => {
          const found = lines.find(match);
          if (found !== undefined) resolve(found);
          return found !== undefined;
        };
        if (check()) return;
        listeners.push(() => void check());
        void done.then(() => {
          if (!check()) reject(new Error(`racer ${run} ended without the line; it printed: ${lines.join(' | ')}`));
        });
      });
    },
  };
}

type Result = { held: { enter: number; exit: number } } | { refused: string; code: string };

/**
 * Starts six racers on a lock file a dead run left behind, fires them together, returns what each reported. Without
 * --wait a holder keeps the lock until every racer has tried (so a slow starter on a loaded machine cannot come in
 * after the winner left); with --wait each holds it 300 ms.
 */
async function race(file: string, flags: string[]): Promise<Result[]> {
  await writeFile(file, `${JSON.stringify({ pid: await deadPid(), started: 'then', run: 'run-killed' })}\n`);
  const wait = flags.includes('--wait');
  const racers = Array.from({ length: 6 }, (_, i) => startRacer(file, `run-${i}`, wait ? 300 : 'told', flags));
  await Promise.all(racers.map((racer) => racer.waitFor((line) => line === 'ready')));
  for (const racer of racers) racer.child.stdin?.write('go\n');
  if (!wait) {
    await Promise.all(racers.map((racer) => racer.waitFor((line) => line === 'held' || line.startsWith('{'))));
    for (const racer of racers) racer.child.stdin?.write('release\n');
  }
  const lines = await Promise.all(racers.map((racer) => racer.waitFor((line) => line.startsWith('{'))));
  return lines.map((line) => JSON.parse(line) as Result);
}

function assertNoOverlap(results: Result[]): void {
  const spans = results.flatMap((result) => ('held' in result ? [result.held] : [])).sort((a, b) => a.enter - b.enter);
  for (let i = 1; i < spans.length; i += 1) {
    expect(spans[i]?.enter, `holder ${i} entered before holder ${i - 1} left`).toBeGreaterThan(spans[i - 1]?.exit ?? 0);
  }
}

describe('acquireLock', () => {
  it('refuses a second holder with a clear message, can stop waiting, and --wait gets it once the first lets go', async () => {
    const file = await scratchLockFile();
    const held = await acquireLock({ file, run: 'run-1' });
    const error = await acquireLock({ file, run: 'run-2' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockedError);
    expect((error as LockedError).message).toMatch(
      new RegExp(`another cambrian run \\(pid ${process.pid}.*run-1\\) is using`),
    );
    expect((error as LockedError).hint).toContain('--wait');

    // Waiting can be stopped (Ctrl-C): a StoppedError, not an abort stack trace.
    const stop = new AbortController();
    const stopped = acquireLock({ file, run: 'run-x', wait: true, signal: stop.signal }).catch((e: unknown) => e);
    setTimeout(() => stop.abort('SIGINT'), 100);
    expect(await stopped).toMatchObject({ code: 'E_STOPPED', message: 'stopped by SIGINT while waiting for the lock' });

    const waiting = acquireLock({ file, run: 'run-3', wait: true });
    let third: Awaited<typeof waiting> | null = null;
    void waiting.then((lock) => {
      third = lock;
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(third, 'the waiter took a lock that is still held').toBeNull();
    await held.release();
    await (await waiting).release();
  });

  it('is not blocked by a lock file a dead run left behind', async () => {
    const file = await scratchLockFile();
    await writeFile(file, JSON.stringify({ pid: await deadPid(), started: 'then', run: 'run-dead' }));
    const fresh = await acquireLock({ file, run: 'run-4' });
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ pid: process.pid, run: 'run-4' });
    await fresh.release();
  });

  it("a run's late release leaves the lock another run took since held", async () => {
    const file = await scratchLockFile();
    const a = await acquireLock({ file, run: 'run-a' });
    await a.release();
    const b = await acquireLock({ file, run: 'run-b' });
    await a.release();
    const error = await acquireLock({ file, run: 'run-c' }).catch((e: unknown) => e);
    expect(error, "run A's release let run C in while run B holds the lock").toBeInstanceOf(LockedError);
    expect((error as LockedError).message).toContain('run-b');
    await b.release();
    await (await acquireLock({ file, run: 'run-c' })).release();
  });

  it('six processes started together on a stale lock: exactly one holds it, the others are refused', async () => {
    const file = await scratchLockFile();
    // Three rounds: a racy takeover loses only some of them (the old exclusive-create lock let 2–4 in, not always).
    for (let round = 0; round < 3; round += 1) {
      const results = await race(file, []);
      const held = results.filter((result) => 'held' in result);
      const refused = results.filter((result) => 'refused' in result);
      expect(held, `round ${round}`).toHaveLength(1);
      expect(refused).toHaveLength(5);
      for (const result of refused) {
        expect(result).toMatchObject({ code: 'E_LOCKED', refused: expect.stringMatching(/^another cambrian run/) });
      }
      assertNoOverlap(results);
    }
  });

  it('six processes started together with --wait: all run, one at a time', async () => {
    const file = await scratchLockFile();
    const results = await race(file, ['--wait']);
    expect(results.filter((result) => 'held' in result)).toHaveLength(6);
    assertNoOverlap(results);
  });

  it('a SIGKILLed holder releases at once: a waiting run gets it and a new run is not held off by any timeout', async () => {
    const file = await scratchLockFile();
    const holder = startRacer(file, 'run-doomed', 0, ['--hang']);
    await holder.waitFor((line) => line === 'ready');
    holder.child.stdin?.write('go\n');
    await holder.waitFor((line) => line === 'held');
    await expect(acquireLock({ file, run: 'run-early' })).rejects.toThrow(/run-doomed/);
    const waiter = startRacer(file, 'run-waiter', 50, ['--wait']);
    await waiter.waitFor((line) => line === 'ready');
    waiter.child.stdin?.write('go\n');
    await new Promise((resolve) => setTimeout(resolve, 200));
    holder.child.kill('SIGKILL');
    await holder.done;
    const killedAt = Date.now();
    const result = JSON.parse(await waiter.waitFor((line) => line.startsWith('{'))) as Result;
    expect(result).toMatchObject({ held: expect.anything() });
    if (!('held' in result)) return;
    // At once: the kernel freed the lock with its descriptor (no timeout, no liveness poll); margin for a loaded CI.
    expect(result.held.enter - killedAt).toBeLessThan(1500);
    const next = await acquireLock({ file, run: 'run-next' });
    await next.release();
  });
});
