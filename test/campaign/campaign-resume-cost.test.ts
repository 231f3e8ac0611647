import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { tempDir } from './lineage-fixture.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const BIN = path.join(ROOT, 'dist/src/cli/bin.js');
const ENV = { NO_COLOR: '1', FORCE_COLOR: '0', CAMBRIAN_PROVIDER: '', ANTHROPIC_API_KEY: '', OPENAI_API_KEY: '' };

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('cambrian-resume-cost-'));
});
afterAll(() => cleanup());

it('an offline campaign killed mid-run and resumed costs $0 (its killed run has no summary, only records)', async () => {
  const generations = path.join(dir, 'generations');
  const child = execa(
    'node',
    [BIN, 'campaign', '--spec', 'MINIMAL-SPEC-001@0.2.0', '--length', '2', '--generations', generations],
    { cwd: ROOT, reject: false, env: ENV },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    // SIGKILL once the first attempt is spawned: no run summary, no cleanup, its tokens only in its record.
    if (/gen-\d+ spawned/.test(stderr)) child.kill('SIGKILL');
  });
  const killed = await child;
  expect(killed.signal, stderr.slice(-2000)).toBe('SIGKILL');
  const id = (await readdir(path.join(generations, '.cambrian', 'campaigns')))[0]?.replace(/\.json$/, '');
  expect(id).toMatch(/^camp-/);

  const resumed = await execa(
    'node',
    [BIN, 'campaign', '--resume', id as string, '--generations', generations, '--json'],
    {
      cwd: ROOT,
      reject: false,
      env: ENV,
    },
  );
  expect(resumed.exitCode, resumed.stderr.slice(-3000)).toBe(0);
  const campaign = JSON.parse(resumed.stdout);
  // The records fallback is the path under test: a run without a summary.
  expect(campaign.summary.tokens.source).toBe('records');
  expect(campaign.summary.tokens.output).toBeGreaterThan(0);
  expect(campaign.summary.costUsd).toBe(0);

  const stats = JSON.parse(
    (await execa('node', [BIN, 'stats', '--generations', generations, '--json'], { cwd: ROOT, env: ENV })).stdout,
  );
  expect(stats.campaigns[0].summary.costUsd).toBe(0);
  expect(stats.summary.costUsd).toBe(0);
}, 300_000);
