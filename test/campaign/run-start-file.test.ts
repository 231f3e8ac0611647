import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { readUnbilledRuns, writeRunStart } from '../../src/campaign/run-start-file.js';
import { generationCost } from '../../src/campaign/summarize-campaign.js';
import { lineagePaths } from '../../src/supervisor/lineage-paths.js';
import { makeRecord, tempDir } from './lineage-fixture.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function scratchPaths(): Promise<ReturnType<typeof lineagePaths>> {
  const { dir, cleanup } = await tempDir('cambrian-run-start-');
  cleanups.push(cleanup);
  const paths = lineagePaths(dir);
  await mkdir(paths.runs, { recursive: true });
  return paths;
}

it('a record of a run without a summary costs 0 when its run billed nothing, list price otherwise', async () => {
  const paths = await scratchPaths();
  await writeRunStart(paths, { run: 'run-offline', campaign: null, started: 'then', billed: false });
  await writeRunStart(paths, { run: 'run-paid', campaign: null, started: 'then', billed: true });
  const unbilled = await readUnbilledRuns(paths);
  expect([...unbilled]).toEqual(['run-offline']);
  const tokens = { input: 1000, output: 1000, cacheRead: 0, cacheWrite: 0 };
  const offline = makeRecord({ generation: 1, run: 'run-offline', outcome: 'failed', rigResult: null, tokens });
  const paid = makeRecord({ generation: 2, run: 'run-paid', outcome: 'failed', rigResult: null, tokens });
  expect(generationCost(offline, undefined, unbilled)).toBe(0);
  expect(generationCost(paid, undefined, unbilled)).toBeGreaterThan(0);
});

it('a damaged run start file is an error naming the file', async () => {
  const paths = await scratchPaths();
  const file = path.join(paths.runs, 'run-x.start.json');
  await writeFile(
    file,
    '{"cambrian-run-start": 1, "run": "run-x", "campaign": null, "started": "then", "billed": "no"}',
  );
  await expect(readUnbilledRuns(paths)).rejects.toMatchObject({
    code: 'E_RUN_DAMAGED',
    message: `${file}: damaged run start file: field billed: Invalid input: expected boolean, received string`,
  });
  await writeFile(file, '{"cambrian-run-st');
  await expect(readUnbilledRuns(paths)).rejects.toThrow(/run-x\.start\.json: damaged run start file: not JSON/);
});
