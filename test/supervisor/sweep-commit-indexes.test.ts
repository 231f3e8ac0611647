import { spawn } from 'node:child_process';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, expect, it } from 'vitest';
import { openLineage } from '../../src/supervisor/open-lineage.js';
import { findEngineRoot } from '../../src/version.js';
import { tempDir } from './supervisor-helpers.js';

const COMMITTER = path.join(findEngineRoot(), 'test', 'fixtures', 'lineage', 'commit-forever.mjs');
const BUILT_GIT = path.join(findEngineRoot(), 'dist', 'src', 'supervisor', 'lineage-git.js');

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function indexesOf(pid: number): Promise<string[]> {
  return (await readdir(os.tmpdir())).filter((name) => name.startsWith(`cambrian-index-${pid}-`));
}

it('the next lineage open sweeps the temporary git index a SIGKILLed commit left, and spares a live owner’s', async () => {
  const { dir, cleanup } = await tempDir('cambrian-sweep-');
  cleanups.push(cleanup);
  const artifact = path.join(dir, 'artifact');
  await mkdir(artifact);
  // Enough files that a commit takes a while, so the kill lands inside one.
  await Promise.all(
    Array.from({ length: 400 }, (_, i) => writeFile(path.join(artifact, `f${i}.txt`), `file ${i}\n`.repeat(50))),
  );
  const child = spawn(process.execPath, [COMMITTER, BUILT_GIT, path.join(dir, 'scratch.git'), artifact], {
    stdio: 'inherit',
  });
  const pid = child.pid as number;
  cleanups.push(async () => {
    child.kill('SIGKILL');
  });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const deadline = Date.now() + 30_000;
  while ((await indexesOf(pid)).length === 0) {
    if (Date.now() > deadline) throw new Error('the committer never started a commit');
    await sleep(2);
  }
  child.kill('SIGKILL');
  await exited;
  // The orphaned git finishes its step (turning `index.lock` into the index), then nothing removes what it left.
  await sleep(500);
  while ((await indexesOf(pid)).some((name) => name.endsWith('.lock'))) await sleep(50);
  expect(await indexesOf(pid), 'the SIGKILL left no index: the test did not hit a commit').not.toEqual([]);

  const mine = path.join(os.tmpdir(), `cambrian-index-${process.pid}-livecommit`);
  await writeFile(mine, 'a commit of a live engine');
  cleanups.push(() => rm(mine, { force: true }));

  await openLineage({ generationsDir: path.join(dir, 'generations'), run: 'run-after', recover: false });
  expect(await indexesOf(pid)).toEqual([]);
  expect(await indexesOf(process.pid)).toContain(path.basename(mine));
});
