import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli } from '../e2e/run-cli.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'cambrian-program-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const env = { ...process.env, NO_COLOR: '1' };

it('program check: ok for a shipped example, file:line errors and exit 1 for a bad one, exit 2 for none', async () => {
  const good = await runCli(['program', 'check', 'examples/programs/prime-backoff-tests.md'], {
    cwd: path.resolve('.'),
    env,
  }).done;
  expect(good.code, good.stderr).toBe(0);
  expect(good.stdout).toContain('ok examples/programs/prime-backoff-tests.md: Unit tests for the retry backoff');

  const bad = path.join(dir, 'bad.md');
  await writeFile(bad, '# Task: t\n\nobj\n\n## Acceptance Criteria\n\n## Wishes\n- x\n');
  const result = await runCli(['program', 'check', bad], { cwd: dir, env }).done;
  expect(result.code).toBe(1);
  expect(result.stderr).toContain(`${bad}:5: "## Acceptance Criteria" has no bullets`);
  expect(result.stderr).toContain(`${bad}:7: unknown heading "## Wishes"`);

  const json = await runCli(['program', 'check', bad, '--json'], { cwd: dir, env }).done;
  expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, issues: [{ line: 5 }, { line: 7 }] });

  const missing = await runCli(['program', 'check', path.join(dir, 'none.md')], { cwd: dir, env }).done;
  expect(missing.code).toBe(2);
});
