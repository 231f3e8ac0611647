import { cpSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GenerationRecord } from '../../src/artifact/generation-record-schema.js';
import type { ViabilityReport } from '../../src/artifact/viability-report-schema.js';
import type { RunSummary } from '../../src/supervisor/run-summary.js';
import { findEngineRoot } from '../../src/version.js';
import { runCli } from './run-cli.js';

// A gen-1 that gen-0 wrote, sealed and promoted under genome 0.4.0 (offline, at commit 4096563), kept as it was: the
// rig must judge it by the genome that produced it, and it must still reproduce when given that genome.
const FIXTURE = path.join(findEngineRoot(), 'test', 'fixtures', 'gen-1-0.4.0');
const OLD = 'CAMBRIAN-SPEC-005@0.4.0';

let work: string;

function env(): NodeJS.ProcessEnv {
  const clean: NodeJS.ProcessEnv = { NO_COLOR: '1' };
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('CAMBRIAN_') && !key.endsWith('_API_KEY')) clean[key] = value;
  }
  return clean;
}

async function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runCli(args, { cwd: work, env: env() }).done;
}

async function reproduce(generations: string, args: string[]): Promise<RunSummary> {
  const result = await cli(['reproduce', '--generations', generations, '--provider', 'exemplar', '--json', ...args]);
  expect(result.stdout, result.stderr).not.toBe('');
  return JSON.parse(result.stdout) as RunSummary;
}

async function recordOf(generations: string, generation: number): Promise<GenerationRecord> {
  const file = path.join(generations, '.cambrian', 'records', `gen-${generation}.json`);
  return JSON.parse(await readFile(file, 'utf8')) as GenerationRecord;
}

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'cambrian-e2e-versions-'));
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('an artifact is judged by the genome version that produced it', () => {
  it('`cambrian rig` on the 0.4.0 gen-1 takes CAMBRIAN-SPEC-005@0.4.0 from spec/archive: viable; 0.5.0 refuses it', async () => {
    const rig = await cli(['rig', FIXTURE, '--sandbox', 'bwrap', '--json']);
    const report = JSON.parse(rig.stdout) as ViabilityReport;
    expect([rig.code, report.status, report.failure_stage], rig.stderr).toEqual([0, 'viable', null]);
    expect(report.checks.reproduce?.passed).toBe(true);

    // Judged by today's genome instead, it fails at once: the version, not the rig's default, decides.
    const today = await cli(['rig', FIXTURE, '--sandbox', 'bwrap', '--spec', 'CAMBRIAN-SPEC-005', '--json']);
    const refused = JSON.parse(today.stdout) as ViabilityReport;
    expect([today.code, refused.failure_stage]).toEqual([1, 'manifest']);
    expect(refused.diagnostics?.summary).toBe(
      `the artifact was made for ${OLD}, the rig judges against CAMBRIAN-SPEC-005@0.5.0`,
    );
  }, 240_000);

  it('runs as the Prime given CAMBRIAN-SPEC-005@0.4.0: its offspring is promoted', async () => {
    // The lineage's root is the kept gen-1 (as exemplar-hostile-prime.test.ts seeds its Prime).
    const generations = path.join(work, 'old-prime');
    cpSync(FIXTURE, path.join(generations, 'gen-0'), { recursive: true });
    const summary = await reproduce(generations, ['--spec', OLD, '--max-retries', '0']);
    expect(summary.generations.at(-1)).toMatchObject({ parent: 0, outcome: 'promoted', rigResult: 'viable' });
    const record = await recordOf(generations, summary.generations.at(-1)?.generation ?? -1);
    expect([record['spec-id'], record['spec-version']]).toEqual(['CAMBRIAN-SPEC-005', '0.4.0']);
  }, 240_000);

  it("today's gen-0 drives a 0.4.0 generation: judged by 0.4.0 it is viable, its reproduce stage (a full retry) included", async () => {
    const generations = path.join(work, 'new-prime');
    const summary = await reproduce(generations, ['--spec', OLD, '--max-retries', '0']);
    const first = summary.generations[0];
    const record = await recordOf(generations, first?.generation ?? -1);
    expect([record['spec-id'], record['spec-version'], record.parent]).toEqual(['CAMBRIAN-SPEC-005', '0.4.0', 0]);
    // 0.4.0 inherits no file, so the exemplar's reply carries the files 0.5.0 would have the Prime write (before that
    // fix the build failed: "Cannot find module './block-parser.js'").
    // The offspring is gen-0's own 0.5.0 code reproducing 0.4.0, which has no `retry: edit`: its informed retry must
    // ask for the complete codebase and carry the named files in its task, as the 0.4.0 probe checks (before the retry
    // followed the reproduced spec's mode, the reproduce stage failed on an edit-mode retry).
    const stages = ['manifest', 'build', 'test', 'start', 'health', 'reproduce'] as const;
    const passed = stages.map((stage) => ({ stage, passed: record.viability?.checks[stage]?.passed }));
    expect(passed, JSON.stringify(record.viability?.diagnostics)).toEqual(
      stages.map((stage) => ({ stage, passed: true })),
    );
    expect([first?.outcome, record.viability?.status]).toEqual(['promoted', 'viable']);
  }, 240_000);
});
