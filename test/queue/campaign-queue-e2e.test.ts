import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GenerationRecord } from '../../src/artifact/generation-record-schema.js';
import { lineagePaths } from '../../src/supervisor/lineage-paths.js';
import { createRecordStore } from '../../src/supervisor/record-store.js';
import { tempDir } from '../campaign/lineage-fixture.js';
import { BIN, type CliRun, runCli } from '../e2e/run-cli.js';
import { startRedis, type TestRedis } from './start-redis.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const BASE_ENV = {
  ...process.env,
  NO_COLOR: '1',
  FORCE_COLOR: '0',
  CAMBRIAN_PROVIDER: '',
  ANTHROPIC_API_KEY: '',
  OPENAI_API_KEY: '',
};
const CAMPAIGN = [
  '--spec',
  'MINIMAL-SPEC-001@0.2.0',
  '--length',
  '6',
  '--lanes',
  '3',
  '--max-retries',
  '1',
  '--faults',
  'failing-test',
  '--json',
];

/** What must not depend on where the rig ran: outcomes and stages, never times, tokens or worker names. */
function shape(records: GenerationRecord[]): string[] {
  return records
    .map((r) => {
      const passed = Object.entries(r.viability?.checks ?? {})
        .filter(([, check]) => check.passed)
        .map(([stage]) => stage)
        .join('+');
      return `${r.outcome} ${r['rig-result']} ${r.viability?.failure_stage ?? '-'} ${passed}`;
    })
    .sort();
}

/**
 * CI's proof of scale-out: Redis started here, three `cambrian worker` processes, a campaign of 6 attempts in 3 lanes
 * on the queue (one worker SIGKILLed during its first job), whose records and summary match the same campaign run
 * with the local rig.
 */
describe('a campaign on the rig queue', () => {
  let redis: TestRedis;
  let dir: string;
  let cleanup: () => Promise<void>;
  const workers: CliRun[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    ({ dir, cleanup } = await tempDir('cambrian-queue-e2e-'));
  });
  afterAll(async () => {
    for (const worker of workers) if (worker.child.exitCode === null) worker.child.kill('SIGKILL');
    await Promise.all(workers.map((w) => w.done));
    await redis?.stop();
    await cleanup?.();
  });

  it('matches the local campaign, with every generation judged once though a worker was killed', async () => {
    const env = { ...BASE_ENV, CAMBRIAN_REDIS_PASSWORD: redis.password };
    for (const name of ['w1', 'w2', 'w3']) {
      workers.push(
        runCli(['worker', '--queue', redis.url, '--name', name, '--lock-duration', '1500'], { cwd: ROOT, env }),
      );
    }
    await Promise.all(workers.map((w) => w.waitForStderr('ready on')));
    const doomed = workers[2] as CliRun;
    void doomed.waitForStderr('taken after', 300_000).then(
      () => doomed.child.kill('SIGKILL'),
      () => {},
    );

    const queuedDir = path.join(dir, 'queued');
    const queued = await execa(
      'node',
      [BIN, 'campaign', ...CAMPAIGN, '--generations', queuedDir, '--rig-queue', redis.url],
      { cwd: ROOT, env, reject: false },
    );
    expect(queued.exitCode, queued.stderr.slice(-3000)).toBe(0);
    expect(doomed.child.signalCode).toBe('SIGKILL');

    const localDir = path.join(dir, 'local');
    const local = await execa('node', [BIN, 'campaign', ...CAMPAIGN, '--generations', localDir], {
      cwd: ROOT,
      env: BASE_ENV,
      reject: false,
    });
    expect(local.exitCode, local.stderr.slice(-3000)).toBe(0);

    const q = JSON.parse(queued.stdout);
    const l = JSON.parse(local.stdout);
    const qRecords = (await createRecordStore(lineagePaths(queuedDir)).list()).filter((r) => r.campaign === q.id);
    const lRecords = (await createRecordStore(lineagePaths(localDir)).list()).filter((r) => r.campaign === l.id);
    expect(qRecords).toHaveLength(6);
    expect(shape(qRecords)).toEqual(shape(lRecords));
    // firstTry is left out: which of the six attempts are first tries and which retries depends on which lane takes
    // the last slots of the campaign, a matter of timing in both runs (seen differing with identical records).
    for (const key of ['attempts', 'viable', 'viabilityRate', 'failuresByStage', 'stagesCompleted', 'interrupted'])
      expect(q.summary[key], key).toEqual(l.summary[key]);
    // Judged on the queue, by the workers that lived; locally, by nobody but the local rig.
    for (const record of qRecords) expect(['w1', 'w2']).toContain(record['rig-worker']);
    for (const record of lRecords) expect(record['rig-worker']).toBeUndefined();
    // Exactly once: one verdict line per generation across all workers, none from the killed one.
    const verdicts = workers.flatMap((w) => w.stderr().match(/ (viable|non-viable|timeout) in \d+ ms/g) ?? []);
    expect(verdicts).toHaveLength(6);
    expect(doomed.stderr()).not.toMatch(/ in \d+ ms/);
    const stored = JSON.parse(await readFile(path.join(queuedDir, '.cambrian', 'campaigns', `${q.id}.json`), 'utf8'));
    expect(stored.status).toBe('complete');
  }, 900_000);
});
