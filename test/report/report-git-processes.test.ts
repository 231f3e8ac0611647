import { execFileSync } from 'node:child_process';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadLineageData } from '../../src/campaign/load-lineage-data.js';
import { buildReportData } from '../../src/report/build-report-data.js';
import { diffGenerations } from '../../src/supervisor/diff-generations.js';
import { tempDir } from '../campaign/lineage-fixture.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const BIN = path.join(ROOT, 'dist/src/cli/bin.js');
const ENV = { NO_COLOR: '1', FORCE_COLOR: '0', CAMBRIAN_PROVIDER: '', ANTHROPIC_API_KEY: '', OPENAI_API_KEY: '' };

/**
 * A real lineage (offline campaigns: the exemplar, gen-0 as the Prime, the sandboxed rig) reported twice as it grows:
 * the report's diffs are today's pair-by-pair diffs, and the number of git processes one build spawns (counted by a
 * `git` on PATH that logs each exec, then runs the real one) does not grow with the generations.
 */
describe('cambrian report reads the lineage git in a fixed number of processes', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let generations: string;
  let log: string;
  let shimPath: string;

  const campaign = async (length: number): Promise<void> => {
    const result = await execa(
      'node',
      [
        BIN,
        'campaign',
        '--spec',
        'MINIMAL-SPEC-001@0.2.0',
        '--length',
        String(length),
        '--max-retries',
        '1',
        '--generations',
        generations,
      ],
      { cwd: ROOT, reject: false, env: ENV },
    );
    expect(result.exitCode, result.stderr.slice(-3000)).toBe(0);
  };

  /** The git command lines one `cambrian report` ran. */
  const reportGitCalls = async (): Promise<string[]> => {
    await writeFile(log, '');
    const out = path.join(dir, 'report.html');
    const result = await execa('node', [BIN, 'report', '--generations', generations, '--out', out, '--json'], {
      cwd: ROOT,
      reject: false,
      env: { ...ENV, PATH: shimPath },
    });
    expect(result.exitCode, result.stderr).toBe(0);
    return (await readFile(log, 'utf8')).split('\n').filter((line) => line !== '');
  };

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('cambrian-report-git-'));
    generations = path.join(dir, 'generations');
    log = path.join(dir, 'git-calls.log');
    const realGit = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
    // The lineage git runs with a PATH-only environment, so the shim's paths are written into it.
    await writeFile(path.join(dir, 'git'), `#!/bin/sh\nprintf '%s\\n' "$*" >> '${log}'\nexec '${realGit}' "$@"\n`);
    await chmod(path.join(dir, 'git'), 0o755);
    shimPath = `${dir}:${process.env.PATH ?? '/usr/bin:/bin'}`;
    await campaign(3);
  }, 300_000);
  afterAll(() => cleanup());

  it("gives each generation today's diff against its parent", async () => {
    const report = await buildReportData(await loadLineageData({ generationsDir: generations }));
    const children = report.generations.filter((g) => g.parent !== null);
    expect(children.length).toBeGreaterThanOrEqual(3);
    for (const generation of children) {
      const today = await diffGenerations({
        generationsDir: generations,
        from: generation.parent as number,
        to: generation.generation,
      });
      expect(today.source).toBe('git');
      expect(generation.diffError).toBeNull();
      expect(generation.diff).toEqual({
        from: generation.parent,
        files: today.files,
        additions: today.additions,
        deletions: today.deletions,
        // The report embeds at most MAX_PATCH_CHARS of a patch.
        patch: today.patch.slice(0, 200_000),
        truncated: today.patch.length > 200_000,
      });
    }
    expect(children.some((g) => (g.diff?.additions ?? 0) > 0)).toBe(true);
  });

  it('spawns as many git processes for a longer lineage as for a shorter one', async () => {
    const short = await reportGitCalls();
    const before = (await loadLineageData({ generationsDir: generations })).records.length;
    await campaign(4);
    const after = (await loadLineageData({ generationsDir: generations })).records.length;
    expect(after).toBeGreaterThanOrEqual(before + 4);
    const long = await reportGitCalls();
    expect(long).toHaveLength(short.length);
    // One listing of the branches, one diff-tree per format.
    expect(long.map((line) => line.split(' ').find((word) => !word.startsWith('--')))).toEqual([
      'for-each-ref',
      'diff-tree',
      'diff-tree',
      'diff-tree',
    ]);
  }, 300_000);
});
