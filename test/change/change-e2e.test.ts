import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GenerationRecord } from '../../src/artifact/generation-record-schema.js';
import type { ChangeSessionSummary } from '../../src/change/run-change-session.js';
import { runCli } from '../e2e/run-cli.js';

// A fake key in the engine's environment: it must show up nowhere a directed change writes.
const FAKE_KEY = 'sk-ant-FAKE-change-e2e-0123456789';
let work: string;
let generations: string;

function env(): NodeJS.ProcessEnv {
  const clean: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('CAMBRIAN_')) clean[key] = value;
  return { ...clean, ANTHROPIC_API_KEY: FAKE_KEY, NO_COLOR: '1' };
}

async function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runCli([...args, '--generations', generations], { cwd: path.resolve('.'), env: env() }).done;
}

async function recordOf(generation: number): Promise<GenerationRecord> {
  const file = path.join(generations, '.cambrian', 'records', `gen-${generation}.json`);
  return JSON.parse(await readFile(file, 'utf8')) as GenerationRecord;
}

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'cambrian-change-e2e-'));
  generations = path.join(work, 'generations');
});
afterAll(() => rm(work, { recursive: true, force: true }));

describe('cambrian change, offline', () => {
  it('every refusal in turn (rig, guard, reviewer, malformed review) feeds an informed retry until one is promoted', async () => {
    const seed = await cli(['reproduce', '--spec', 'MINIMAL-SPEC-001']);
    expect(seed.code, seed.stderr).toBe(0);
    const result = await cli([
      'change',
      '--program',
      'examples/programs/minimal-echo-edge-tests.md',
      '--faults',
      'failing-test,deletes-tests,review-reject,review-malformed:2',
      '--max-retries',
      '4',
      '--json',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout) as ChangeSessionSummary;
    const attempts = summary.changes[0]?.attempts ?? [];
    expect(attempts.map((a) => a.stage)).toEqual(['test', 'guard', 'review', 'review', null]);
    expect(summary.changes[0]?.parent).toBe(1);
    const [rig, guard, rejected, malformed, promoted] = await Promise.all(
      attempts.map((a) => recordOf(a.generation ?? -1)),
    );
    expect(rig?.outcome).toBe('failed');
    expect(rig?.viability?.failure_stage).toBe('test');
    expect(guard?.directed?.failure_stage).toBe('guard');
    expect(guard?.viability?.status).toBe('viable');
    expect(guard?.directed?.diagnostics.join('\n')).toMatch(/test files removed: test\/echo\.test\.ts deleted/);
    expect(guard?.directed?.diagnostics.join('\n')).toContain(
      'guard thresholds: test cases lost ≤ 0, test files deleted or emptied ≤ 0, trivial-assertion share rise ≤ 0',
    );
    // The guards refused it before any reviewer looked: no review, no review request billed to it.
    expect(guard?.directed?.review).toBeNull();
    expect(guard?.directed?.usage.review.exchanges).toBe(0);
    // Reviewer requests of the whole session: reject 1, malformed 2 (answer and repair), approve 1; none for the guard.
    expect(summary.usage.review?.exchanges).toBe(4);
    expect(rejected?.directed?.failure_stage).toBe('review');
    expect(rejected?.directed?.review).toMatchObject({ approved: false, confidence: 'medium', malformed: false });
    expect(rejected?.reason).toContain('rejected by the reviewer');
    expect(malformed?.directed?.review).toMatchObject({ approved: false, malformed: true, repaired: true });
    expect(promoted?.outcome).toBe('promoted');
    expect(promoted?.directed?.review?.approved).toBe(true);
    expect(promoted?.directed?.program.title).toBe("Tests for the echo server's edge cases");
    const manifest = JSON.parse(
      await readFile(path.join(generations, `gen-${promoted?.generation}`, 'manifest.json'), 'utf8'),
    );
    expect(manifest.program.title).toBe("Tests for the echo server's edge cases");
    expect(manifest['parent-generation']).toBe(1);

    const lineage = await cli(['lineage']);
    expect(lineage.stdout + lineage.stderr).toContain('refused at review');
    expect(lineage.stdout + lineage.stderr).toContain('refused at guard');
  }, 600_000);
});
