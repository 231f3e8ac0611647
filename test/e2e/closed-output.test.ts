import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import type { GenerationRecord } from '../../src/artifact/generation-record-schema.js';
import { isLockFree, tempDir } from '../supervisor/supervisor-helpers.js';
import { runCli } from './run-cli.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

function env(): NodeJS.ProcessEnv {
  const clean: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('CAMBRIAN_') && !key.endsWith('_API_KEY')) clean[key] = value;
  }
  return { ...clean, NO_COLOR: '1' };
}

it('a reader that closes stdout and stderr early (`2>&1 | head`) does not kill the run: it ends 0, decided, unlocked', async () => {
  const { dir, cleanup } = await tempDir('cambrian-closed-output-');
  cleanups.push(cleanup);
  const generations = path.join(dir, 'generations');
  const run = runCli(['reproduce', '--spec', 'MINIMAL-SPEC-001', '--generations', generations], {
    cwd: dir,
    env: env(),
  });
  cleanups.push(async () => {
    run.child.kill('SIGKILL');
  });
  // The reader goes away after the first lines, as `head -2` does: every later write of the engine meets EPIPE.
  await run.waitForStderr('▸ generations:');
  run.child.stdout?.destroy();
  run.child.stderr?.destroy();
  const ended = await run.done;
  expect(ended, 'the engine died of a write to a closed pipe').toMatchObject({ code: 0, signal: null });

  const paths = path.join(generations, '.cambrian');
  const records = await Promise.all(
    (await readdir(path.join(paths, 'records'))).map(
      async (name) => JSON.parse(await readFile(path.join(paths, 'records', name), 'utf8')) as GenerationRecord,
    ),
  );
  expect(records.map((record) => record.outcome)).toEqual(['promoted']);
  expect((await readdir(path.join(paths, 'runs'))).some((name) => name.endsWith('.json'))).toBe(true);
  // Released cleanly (its holder line cleared), and free for the next run.
  expect(await isLockFree(generations)).toBe(true);
});
