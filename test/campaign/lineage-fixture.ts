import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { GenerationRecord } from '../../src/artifact/generation-record-schema.js';
import { type CampaignFile, writeCampaign } from '../../src/campaign/campaign-store.js';
import type { CampaignSummary } from '../../src/campaign/summarize-campaign.js';
import { lineagePaths } from '../../src/supervisor/lineage-paths.js';
import { createRecordStore } from '../../src/supervisor/record-store.js';

export const SERVICE_STAGES = ['manifest', 'build', 'test', 'start', 'health'] as const;

export interface FixtureAttempt {
  generation: number;
  parent?: number;
  campaign?: string | null;
  run?: string | null;
  outcome: GenerationRecord['outcome'];
  rigResult: GenerationRecord['rig-result'];
  /** Stages passed before the failing one (5 = all, viable). */
  passed?: number;
  passRate?: number;
  tokens?: { input: number; output: number; cacheRead: number; cacheWrite: number };
  model?: string;
  specVersion?: string;
  summary?: string;
  reason?: string | null;
}

const BASE = Date.parse('2026-11-20T10:00:00.000Z');

/** A generation record that passes the real schema; stages after the first failure are skipped (fail-fast). */
export function makeRecord(a: FixtureAttempt): GenerationRecord {
  const tokens = a.tokens ?? { input: 100 * a.generation, output: 50, cacheRead: 10, cacheWrite: 5 };
  const passed = a.passed ?? 0;
  const viable = a.rigResult === 'viable';
  const checks: Record<
    string,
    { passed: boolean; duration_ms: number; skipped?: boolean; tests_run?: number; tests_passed?: number }
  > = {};
  SERVICE_STAGES.forEach((stage, i) => {
    if (i < passed) checks[stage] = { passed: true, duration_ms: 100 * (i + 1) + a.generation };
    else if (i === passed && !viable) checks[stage] = { passed: false, duration_ms: 1234 + a.generation };
    else checks[stage] = { passed: false, duration_ms: 0, skipped: true };
  });
  if (checks.test !== undefined) Object.assign(checks.test, { tests_run: 6, tests_passed: passed > 2 ? 6 : 5 });
  const failureStage = viable ? null : (SERVICE_STAGES[passed] ?? null);
  return {
    generation: a.generation,
    parent: a.parent ?? 0,
    'spec-id': 'MINIMAL-SPEC-001',
    'spec-version': a.specVersion ?? '0.2.0',
    'spec-hash': `sha256:${(a.specVersion ?? '0.2.0').replace(/\./g, '').padStart(64, 'a')}`,
    'artifact-path': `gen-${a.generation}`,
    'artifact-hash': `sha256:${String(a.generation).padStart(64, '0')}`,
    outcome: a.outcome,
    'rig-result': a.rigResult,
    viability:
      a.rigResult === null
        ? null
        : {
            generation: a.generation,
            status: viable ? 'viable' : 'non-viable',
            failure_stage: failureStage,
            checks,
            fitness: { pass_rate: a.passRate ?? (viable ? 1 : 0.5), tests_run: 6 },
            completed_at: new Date(BASE + a.generation * 60_000 + 30_000).toISOString(),
            ...(viable
              ? {}
              : {
                  diagnostics: {
                    stage: failureStage ?? 'test',
                    summary: a.summary ?? `gen-${a.generation} failed at ${failureStage}`,
                    exit_code: 1,
                    failures: [
                      { test: 'echo > answers', error: 'expected 1 to be 2', file: 'test/echo.test.ts', line: 7 },
                    ],
                    stdout_tail: 'stdout tail',
                    stderr_tail: 'stderr tail',
                  },
                }),
          },
    'producer-model': a.model ?? 'claude-sonnet-4-5',
    'token-usage': {
      input: tokens.input,
      output: tokens.output,
      'cache-read': tokens.cacheRead,
      'cache-write': tokens.cacheWrite,
    },
    created: new Date(BASE + a.generation * 60_000).toISOString(),
    completed: a.outcome === 'in_progress' ? null : new Date(BASE + a.generation * 60_000 + 40_000).toISOString(),
    campaign: a.campaign ?? null,
    run: a.run ?? null,
    reason: a.reason ?? null,
  };
}

export interface FixtureRun {
  run: string;
  campaign: string | null;
  startSec: number;
  endSec: number;
  generations: Array<{ generation: number; purposes: Record<string, number>; costUsd?: number | null }>;
  tokens: { input: number; output: number; cacheRead: number; cacheWrite: number };
  costUsd?: number | null;
  stopped?: string | null;
}

/** A run summary file as `cambrian reproduce` writes it (the fields the readers use, and a few more). */
export function makeRun(r: FixtureRun): Record<string, unknown> {
  return {
    'cambrian-run': 1,
    run: r.run,
    campaign: r.campaign,
    spec: { id: 'MINIMAL-SPEC-001', version: '0.2.0', hash: 'sha256:x' },
    prime: 0,
    provider: { generation: 'exemplar', escalation: 'exemplar', backend: 'exemplar' },
    models: { model: 'claude-sonnet-4-5', escalationModel: 'claude-opus-4-5' },
    generationsDir: '/nowhere',
    started: new Date(BASE + r.startSec * 1000).toISOString(),
    ended: new Date(BASE + r.endSec * 1000).toISOString(),
    wallMs: (r.endSec - r.startSec) * 1000,
    primeBuildMs: 1000,
    generations: r.generations.map((g) => ({
      generation: g.generation,
      parent: 0,
      outcome: 'failed',
      rigResult: null,
      failureStage: null,
      summary: null,
      tokens: { input: 1, output: 1, cacheRead: 0, cacheWrite: 0 },
      costUsd: g.costUsd ?? 0,
      exchanges: Object.values(g.purposes).reduce((s, n) => s + n, 0),
      purposes: g.purposes,
      rigMs: 1000,
    })),
    promoted: [],
    tokens: r.tokens,
    unattributedTokens: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
    costUsd: r.costUsd === undefined ? 0 : r.costUsd,
    exchanges: 1,
    faults: null,
    primeExit: { code: 0, signal: null, meaning: 'reached its promotions' },
    exitCode: 0,
    stopped: r.stopped ?? null,
  };
}

export function makeCampaign(
  id: string,
  spec = { id: 'MINIMAL-SPEC-001', version: '0.2.0' },
  summary: CampaignSummary | null = null,
): CampaignFile {
  return {
    'cambrian-campaign': 1,
    id,
    spec: { ...spec, hash: 'sha256:x', ref: `${spec.id}@${spec.version}` },
    prime: 0,
    length: 6,
    lanes: 1,
    maxRetries: 3,
    faults: null,
    provider: { generation: 'exemplar', escalation: 'exemplar' },
    status: 'complete',
    reason: null,
    created: new Date(BASE).toISOString(),
    updated: new Date(BASE).toISOString(),
    runs: [],
    summary,
  };
}

/** Writes records (through the real record store), run summaries and campaigns into a generations dir. */
export async function writeFixtureLineage(
  dir: string,
  options: { records: GenerationRecord[]; runs?: Array<Record<string, unknown>>; campaigns?: CampaignFile[] },
): Promise<void> {
  const paths = lineagePaths(dir);
  await mkdir(paths.runs, { recursive: true });
  const store = createRecordStore(paths);
  await mkdir(paths.records, { recursive: true });
  for (const record of options.records) await store.put(record);
  for (const run of options.runs ?? []) {
    await writeFile(path.join(paths.runs, `${String(run.run)}.json`), `${JSON.stringify(run, null, 2)}\n`);
  }
  for (const campaign of options.campaigns ?? []) await writeCampaign(paths, campaign);
}

export async function tempDir(prefix: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
