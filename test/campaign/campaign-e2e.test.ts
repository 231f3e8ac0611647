import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GenerationRecord } from '../../src/artifact/generation-record-schema.js';
import { lineagePaths } from '../../src/supervisor/lineage-paths.js';
import { createRecordStore } from '../../src/supervisor/record-store.js';
import { tempDir } from './lineage-fixture.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const BIN = path.join(ROOT, 'dist/src/cli/bin.js');
const ENV = { NO_COLOR: '1', FORCE_COLOR: '0', CAMBRIAN_PROVIDER: '', ANTHROPIC_API_KEY: '', OPENAI_API_KEY: '' };

function cambrian(...args: string[]) {
  return execa('node', [BIN, ...args], { cwd: ROOT, reject: false, env: ENV });
}

/**
 * Real campaigns: the exemplar backend, gen-0 as the Prime, the sandboxed rig, MINIMAL-SPEC-001. Slow (each Prime run
 * builds gen-0 and the rig runs each artifact), so one lineage serves every check.
 */
describe('cambrian campaign end to end', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let generations: string;
  let a: { id: string; summary: Record<string, unknown>; runs: string[]; status: string };
  let records: GenerationRecord[];

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('cambrian-campaign-e2e-'));
    generations = path.join(dir, 'generations');
  });
  afterAll(() => cleanup());

  it('runs 6 attempts in 2 lanes whose summary counts match the records', async () => {
    const result = await cambrian(
      'campaign',
      '--spec',
      'MINIMAL-SPEC-001@0.2.0',
      '--length',
      '6',
      '--lanes',
      '2',
      '--max-retries',
      '1',
      '--faults',
      'failing-test',
      '--generations',
      generations,
      '--json',
    );
    expect(result.exitCode, result.stderr.slice(-3000)).toBe(0);
    a = JSON.parse(result.stdout);
    expect(a.status).toBe('complete');
    const stored = JSON.parse(await readFile(path.join(generations, '.cambrian', 'campaigns', `${a.id}.json`), 'utf8'));
    expect(stored).toEqual(a);

    records = (await createRecordStore(lineagePaths(generations)).list()).filter((r) => r.campaign === a.id);
    // Exactly N attempts, each its own number, artifact and manifest.
    expect(records).toHaveLength(6);
    for (const record of records) {
      const manifest = JSON.parse(
        await readFile(path.join(generations, `gen-${record.generation}`, 'manifest.json'), 'utf8'),
      );
      expect(manifest.generation).toBe(record.generation);
      expect(record['spec-version']).toBe('0.2.0');
    }
    const viable = records.filter((r) => r.viability?.status === 'viable');
    expect(a.summary).toMatchObject({
      attempts: records.length,
      viable: viable.length,
      promoted: records.filter((r) => r.outcome === 'promoted').length,
      // --faults failing-test in every Prime run, one informed retry each: fail, diagnose, succeed.
      firstTry: { attempts: 3, viable: 0, rate: 0 },
      informedRetries: { count: 3, succeeded: 3 },
      failuresByStage: { test: records.filter((r) => r.viability?.failure_stage === 'test').length },
      interrupted: 0,
      pending: 0,
    });
    expect(viable).toHaveLength(3);
    expect(a.summary.viabilityRate).toBe(0.5);
    expect(a.runs).toHaveLength(3);
    for (const run of a.runs) expect(existsSync(path.join(generations, '.cambrian', 'runs', `${run}.json`))).toBe(true);
    const tokens = a.summary.tokens as { input: number; output: number; source: string };
    expect(tokens.source).toBe('runs');
    expect(tokens.output).toBeGreaterThanOrEqual(records.reduce((s, r) => s + (r['token-usage']?.output ?? 0), 0));

    // `stats --campaign` recomputes the same summary from disk.
    const stats = JSON.parse(
      (await cambrian('stats', '--campaign', a.id, '--generations', generations, '--json')).stdout,
    );
    expect(stats.summary).toEqual(a.summary);
  }, 300_000);

  it('stops on SIGINT and resumes without losing or repeating attempts; spec diff --campaigns lines up the changes', async () => {
    const child = execa(
      'node',
      [BIN, 'campaign', '--spec', 'MINIMAL-SPEC-001@0.1.0', '--length', '2', '--generations', generations],
      {
        cwd: ROOT,
        reject: false,
        env: ENV,
      },
    );
    let stderr = '';
    let interrupted = false;
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      // One Ctrl-C, once the first attempt is in the rig (a second one would end the process at once).
      if (!interrupted && /gen-\d+ spawned/.test(stderr)) {
        interrupted = true;
        child.kill('SIGINT');
      }
    });
    const stopped = await child;
    expect(stopped.exitCode, stderr.slice(-3000)).toBe(1);
    const id = /resume with: cambrian campaign --resume (camp-[\w-]+)/.exec(stopped.stderr)?.[1];
    expect(id, stopped.stderr.slice(-2000)).toBeDefined();
    const halfway = JSON.parse(await readFile(path.join(generations, '.cambrian', 'campaigns', `${id}.json`), 'utf8'));
    expect(halfway.status).toBe('stopped');

    const resumed = await cambrian('campaign', '--resume', id as string, '--generations', generations, '--json');
    expect(resumed.exitCode, resumed.stderr.slice(-3000)).toBe(0);
    const b = JSON.parse(resumed.stdout);
    expect(b.status).toBe('complete');
    const ofB = (await createRecordStore(lineagePaths(generations)).list()).filter((r) => r.campaign === id);
    const judged = ofB.filter((r) => r['rig-result'] !== null);
    expect(judged).toHaveLength(2);
    expect(b.summary.attempts).toBe(2);
    expect(b.summary.interrupted).toBe(ofB.length - judged.length);
    expect(b.summary.viabilityRate).toBe(1);
    expect(b.runs.length).toBeGreaterThanOrEqual(2);

    // 0.1.0 (campaign b) → 0.2.0 (campaign a): section changes beside the change in outcomes.
    const diff = await cambrian(
      'spec',
      'diff',
      '--campaigns',
      id as string,
      a.id,
      '--generations',
      generations,
      '--json',
    );
    expect(diff.exitCode, diff.stderr).toBe(0);
    const doc = JSON.parse(diff.stdout);
    expect(doc.a.version).toBe('0.1.0');
    expect(doc.b.version).toBe('0.2.0');
    expect(
      doc.sections.filter((s: { status: string }) => s.status === 'changed').map((s: { title: string }) => s.title),
    ).toEqual(['Interface', 'Environment', 'Acceptance']);
    expect(doc.campaigns.a).toMatchObject({ campaigns: [id], spec: { version: '0.1.0' }, summary: { attempts: 2 } });
    expect(doc.campaigns.b).toMatchObject({ campaigns: [a.id], spec: { version: '0.2.0' }, summary: { attempts: 6 } });
    expect(doc.campaigns.delta.viabilityRate).toBeCloseTo(-0.5, 10);
    expect(doc.campaigns.delta.firstTryRate).toBeCloseTo(-1, 10);
    expect(doc.campaigns.failureStages).toEqual([{ stage: 'test', a: 0, b: 3 }]);

    const text = await cambrian('spec', 'diff', '--campaigns', id as string, a.id, '--generations', generations);
    expect(text.stdout).toMatch(/spec sections +outcomes {2}0\.1\.0 → 0\.2\.0\n/);
    expect(text.stdout).toMatch(/changed {2}Interface \+\d+ -\d+ +attempts +2 → 6/);
    expect(text.stdout).toMatch(/viability +100% → 50% +\(-50 pts\)/);
    expect(text.stdout).toMatch(/fails at test +0 → 3 +\(\+3\)/);
    // By spec reference, the outcomes of every campaign of each version are appended.
    const byRef = JSON.parse(
      (
        await cambrian(
          'spec',
          'diff',
          'MINIMAL-SPEC-001@0.1.0',
          'MINIMAL-SPEC-001@0.2.0',
          '--generations',
          generations,
          '--json',
        )
      ).stdout,
    );
    expect(byRef.campaigns.delta.viabilityRate).toBeCloseTo(-0.5, 10);
    const unknown = await cambrian('spec', 'diff', '--campaigns', 'camp-nope', a.id, '--generations', generations);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toMatch(/^error \[E_NO_CAMPAIGN\] no campaign camp-nope/);
  }, 300_000);
});
