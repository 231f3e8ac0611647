import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChangeSessionSummary } from '../../src/change/run-change-session.js';
import type { EvolveEntry } from '../../src/evolve/evolve-log.js';
import { lineagePaths } from '../../src/supervisor/lineage-paths.js';
import { createRecordStore } from '../../src/supervisor/record-store.js';
import { tempDir } from '../campaign/lineage-fixture.js';
import { cleanEnv, seedMinimal, startCli } from '../change/change-cli.js';
import { type CliRun, runCli } from '../e2e/run-cli.js';
import { startRedis, type TestRedis } from './start-redis.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

/**
 * `--rig-queue` on `change` and `evolve`: a real Redis, one `cambrian worker`, and each command offline. The engine
 * judges nothing itself; the worker's name in the records is the proof that the queue, not the local rig, judged.
 */
describe('change and evolve on the rig queue', () => {
  let redis: TestRedis;
  let dir: string;
  let cleanup: () => Promise<void>;
  let worker: CliRun;

  beforeAll(async () => {
    redis = await startRedis();
    ({ dir, cleanup } = await tempDir('cambrian-queue-change-'));
    worker = runCli(['worker', '--queue', redis.url, '--name', 'qw1'], {
      cwd: ROOT,
      env: cleanEnv({ CAMBRIAN_REDIS_PASSWORD: redis.password }),
    });
    await worker.waitForStderr('ready on');
  });
  afterAll(async () => {
    if (worker?.child.exitCode === null) worker.child.kill('SIGKILL');
    await worker?.done;
    await redis?.stop();
    await cleanup?.();
  });

  /** The built CLI on `generations`, judging on the test's queue (the password only in the environment). */
  function onQueue(args: string[], generations: string) {
    return startCli([...args, '--rig-queue', redis.url, '--json'], generations, {
      CAMBRIAN_REDIS_PASSWORD: redis.password,
    }).done;
  }

  it('cambrian change: the changed artifact is judged by the worker, and its promoted record names it', async () => {
    const generations = path.join(dir, 'change');
    await seedMinimal(generations);
    const before = worker.stderr();
    const result = await onQueue(
      [
        'change',
        '--spec',
        'MINIMAL-SPEC-001',
        '--program',
        'examples/programs/minimal-echo-edge-tests.md',
        '--from',
        'gen-1',
      ],
      generations,
    );
    expect(result.code, result.stderr.slice(-3000)).toBe(0);
    expect(result.stderr).toContain(`the rig runs on workers of ${redis.url}`);
    const summary = JSON.parse(result.stdout) as ChangeSessionSummary;
    const promoted = summary.promoted[0];
    expect(promoted).toBeDefined();
    const record = await createRecordStore(lineagePaths(generations)).get(promoted ?? -1);
    expect(record?.outcome).toBe('promoted');
    expect(record?.directed).toBeDefined();
    expect(record?.['rig-worker']).toBe('qw1');
    // The worker logged that verdict (the seed's reproduce ran on the local rig, before).
    expect(worker.stderr().slice(before.length)).toMatch(/ viable in \d+ ms/);
  }, 300_000);

  it('cambrian change: an unreachable queue stops the session before any model is asked', async () => {
    const generations = path.join(dir, 'unreachable');
    const result = await startCli(
      ['change', '--program', 'examples/programs/minimal-echo-edge-tests.md', '--rig-queue', 'redis://127.0.0.1:1'],
      generations,
    ).done;
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('the rig queue at redis://127.0.0.1:1 is unreachable');
  }, 60_000);

  it('cambrian evolve in rig mode: the head campaign is judged by the worker', async () => {
    const generations = path.join(dir, 'evolve');
    const result = await onQueue(
      [
        'evolve',
        '--spec',
        'MINIMAL-SPEC-001',
        '--landscape',
        path.join(ROOT, 'examples/evolve/minimal-landscape.json'),
        '--campaigns',
        '1',
        '--length',
        '2',
        '--lanes',
        '1',
      ],
      generations,
    );
    expect(result.code, result.stderr.slice(-3000)).toBe(0);
    const run = JSON.parse(result.stdout) as { entries: EvolveEntry[] };
    const head = run.entries.find((e) => e.type === 'campaign');
    if (head?.type !== 'campaign' || head.campaign === undefined) throw new Error('no rig campaign in the log');
    const records = (await createRecordStore(lineagePaths(generations)).list()).filter(
      (r) => r.campaign === head.campaign,
    );
    expect(records.length).toBeGreaterThanOrEqual(2);
    for (const r of records) expect(r['rig-worker']).toBe('qw1');
  }, 300_000);
});
