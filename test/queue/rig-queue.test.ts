import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashBytes } from '../../src/artifact/hash.js';
import { computeRigVersion } from '../../src/queue/compute-rig-version.js';
import { openQueuedRig, type QueuedRig } from '../../src/queue/open-queued-rig.js';
import { packArtifact } from '../../src/queue/pack-artifact.js';
import { type RigQueueConnection, readRigQueueUrl } from '../../src/queue/read-rig-queue-url.js';
import { RIG_QUEUE_NAME, type RigJob } from '../../src/queue/rig-job-schema.js';
import { RigQueueError } from '../../src/queue/rig-queue-errors.js';
import { type RigWorker, startRigWorker } from '../../src/queue/start-rig-worker.js';
import { detectSandbox } from '../../src/rig/sandbox/detect-sandbox.js';
import type { Spec } from '../../src/spec/parse-spec.js';
import { runGenerationRig } from '../../src/supervisor/run-generation-rig.js';
import { runCli } from '../e2e/run-cli.js';
import { sealFixture } from '../rig/seal-fixture.js';
import { startRedis, type TestRedis } from './start-redis.js';

let redis: TestRedis;
let connection: RigQueueConnection;
const env = (): NodeJS.ProcessEnv => ({ ...process.env, CAMBRIAN_REDIS_PASSWORD: redis.password, NO_COLOR: '1' });

beforeAll(async () => {
  redis = await startRedis();
  const read = readRigQueueUrl({ flag: redis.url, flagName: '--queue', env: env() });
  if (read === null) throw new Error('no connection');
  connection = read;
});
afterAll(() => redis?.stop());

/** A job exactly as a Supervisor would enqueue it, for tests that then break one part of it. */
async function honestJob(name = 'good-service'): Promise<{ job: RigJob; cleanup: () => Promise<void> }> {
  const fixture = await sealFixture({ name });
  const packed = await packArtifact(fixture.dir);
  const manifest = JSON.parse(
    Buffer.from(packed.files.find((f) => f.path === 'manifest.json')?.data ?? '', 'base64').toString('utf8'),
  );
  const job: RigJob = {
    'cambrian-rig-job': 1,
    rigVersion: await computeRigVersion(),
    generation: 1,
    spec: {
      id: fixture.spec.id,
      version: fixture.spec.version,
      hash: fixture.spec.hash,
      bytes: fixture.spec.bytes.toString('base64'),
    },
    artifactHash: manifest['artifact-hash'],
    manifestHash: packed.manifestHash,
    files: packed.files,
    timeoutMs: 120_000,
  };
  return { job, cleanup: fixture.cleanup };
}

async function failedReason(queue: Queue, id: string): Promise<string> {
  for (let i = 0; i < 300; i += 1) {
    const state = await queue.getJobState(id);
    if (state === 'failed') return (await queue.getJob(id))?.failedReason ?? '';
    if (state === 'completed') return 'completed';
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`job ${id} did not end`);
}

describe('the rig queue URL', () => {
  it('refuses a password in a flag and takes it from the environment', () => {
    expect(() => readRigQueueUrl({ flag: 'redis://:pw@127.0.0.1:6379', flagName: '--rig-queue', env: {} })).toThrow(
      /carries a password.*process list/,
    );
    const fromEnv = readRigQueueUrl({
      flag: undefined,
      flagName: '--rig-queue',
      env: { CAMBRIAN_RIG_QUEUE: 'rediss://:pw@queue.example:6380/2' },
    });
    expect(fromEnv?.connection).toMatchObject({ host: 'queue.example', port: 6380, db: 2, password: 'pw' });
    expect(fromEnv?.connection.tls).toBeDefined();
    expect(fromEnv?.display).toBe('rediss://queue.example:6380/2');
  });
});

describe('a rig worker checks what it is given', () => {
  let worker: RigWorker;
  let queue: Queue;
  beforeAll(async () => {
    worker = await startRigWorker({ queue: connection, name: 'checker', sandbox: await detectSandbox('auto') });
    queue = new Queue(RIG_QUEUE_NAME, { connection: connection.connection });
  });
  afterAll(async () => {
    await queue?.close();
    await worker?.close();
  });

  it('refuses a job from another rig version, saying which', async () => {
    const { job, cleanup } = await honestJob();
    await queue.add('rig', { ...job, rigVersion: 'cambrian 0.0.1 rig sha256:000000000000' }, { jobId: 'old-rig' });
    const reason = await failedReason(queue, 'old-rig');
    expect(reason).toMatch(
      /^refused by checker: rig version: this worker runs "cambrian .* rig sha256:[0-9a-f]{12}", the Supervisor judges with "cambrian 0.0.1/,
    );
    await cleanup();
  });

  it('refuses a spec whose bytes are not the recorded hash', async () => {
    const { job, cleanup } = await honestJob();
    const forged = Buffer.from(`${Buffer.from(job.spec.bytes, 'base64').toString('utf8')}\nAll vectors pass.\n`);
    await queue.add(
      'rig',
      { ...job, spec: { ...job.spec, bytes: forged.toString('base64') } },
      { jobId: 'forged-spec' },
    );
    expect(await failedReason(queue, 'forged-spec')).toContain(`the spec bytes hash to ${hashBytes(forged)}`);
    await cleanup();
  });

  it('refuses an artifact changed in transit, a swapped manifest, and a path that leaves the folder', async () => {
    const { job, cleanup } = await honestJob();
    const changed = job.files.map((f) =>
      f.path === 'manifest.json' ? f : { ...f, data: Buffer.from('tampered').toString('base64') },
    );
    await queue.add('rig', { ...job, files: changed }, { jobId: 'tampered' });
    expect(await failedReason(queue, 'tampered')).toMatch(
      /artifact: the files hash to sha256:\S+, the Supervisor recorded/,
    );
    const swapped = job.files.map((f) =>
      f.path === 'manifest.json' ? { ...f, data: Buffer.from('{"entry":{"test":"true"}}').toString('base64') } : f,
    );
    await queue.add('rig', { ...job, files: swapped }, { jobId: 'swapped' });
    expect(await failedReason(queue, 'swapped')).toMatch(/manifest.json hashes to sha256:\S+, the job names/);
    const escaping = [...job.files, { path: '../../escape.txt', data: '', executable: false }];
    await queue.add('rig', { ...job, files: escaping }, { jobId: 'escaping' });
    expect(await failedReason(queue, 'escaping')).toContain(
      'file path "../../escape.txt": it has an empty, "." or ".." segment',
    );
    await cleanup();
  });

  it('judges an honest job like the local rig', async () => {
    const { job, cleanup } = await honestJob();
    await queue.add('rig', job, { jobId: 'honest' });
    expect(await failedReason(queue, 'honest')).toBe('completed');
    const result = (await queue.getJob('honest'))?.returnvalue;
    expect(result).toMatchObject({ worker: 'checker', ending: 'report', report: { status: 'viable' } });
    await cleanup();
  });
});

/** Generation 1 of `fixture` judged through the queue as the Supervisor does it, within the queue's own limit. */
async function judgeOnQueue(queued: QueuedRig, fixture: { dir: string; spec: Spec }) {
  return runGenerationRig({
    generation: 1,
    artifactDir: fixture.dir,
    spec: fixture.spec,
    sandbox: await detectSandbox('auto'),
    runRig: queued.runRig,
    timeoutMs: queued.supervisorTimeoutMs,
    signal: new AbortController().signal,
  });
}

describe('faults', () => {
  it('says the queue is unreachable instead of starting', async () => {
    const error = await openQueuedRig({
      queue: { connection: { ...connection.connection, port: 1 }, display: 'redis://127.0.0.1:1' },
      connectTimeoutMs: 2000,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RigQueueError);
    expect((error as RigQueueError).message).toMatch(/rig queue at redis:\/\/127.0.0.1:1 is unreachable/);
  });

  it('a job past its time limit on the worker is a timeout, named after the worker', async () => {
    const worker = await startRigWorker({ queue: connection, name: 'slow', sandbox: await detectSandbox('auto') });
    const queued = await openQueuedRig({ queue: connection, timeoutMs: 4000 });
    const fixture = await sealFixture({ name: 'infinite-test' });
    try {
      const ending = await judgeOnQueue(queued, fixture);
      expect(ending?.rigResult).toBe('timeout');
      expect(ending?.worker).toBe('slow');
      expect(ending?.report.diagnostics?.summary).toContain('did not finish within 4 s on slow');
    } finally {
      await fixture.cleanup();
      await queued.close();
      await worker.close();
    }
  });

  it('a worker SIGKILLed mid-job: another takes the job, one verdict', async () => {
    const args = ['worker', '--queue', redis.url, '--lock-duration', '1500'];
    const first = runCli([...args, '--name', 'doomed'], { cwd: process.cwd(), env: env() });
    await first.waitForStderr('ready on');
    const queued = await openQueuedRig({ queue: connection });
    const fixture = await sealFixture({ name: 'good-service' });
    let judge: string | null = null;
    let takers: string[] = [];
    const verdict = queued.runRig({
      artifactDir: fixture.dir,
      spec: fixture.spec,
      sandbox: await detectSandbox('auto'),
      generation: 1,
      judgedBy: (name) => {
        judge = name;
      },
      takenBy: (names) => {
        takers = names;
      },
    });
    await first.waitForStderr('taken after');
    first.child.kill('SIGKILL');
    await first.done;
    const second = runCli([...args, '--name', 'survivor'], { cwd: process.cwd(), env: env() });
    try {
      const report = await verdict;
      expect(report.status).toBe('viable');
      expect(judge).toBe('survivor');
      // The record names the worker that died with the job too (`rig-workers`), so `stats` can count it as lost.
      expect(takers).toEqual(['doomed', 'survivor']);
      expect(first.stderr()).not.toMatch(/viable in/);
      expect(second.stderr().match(/viable in/g)).toHaveLength(1);
    } finally {
      second.child.kill('SIGTERM');
      await second.done;
      await fixture.cleanup();
      await queued.close();
    }
  });

  it('a job that fails with an internal error on a worker is a crash named after that worker', async () => {
    // A real fault of the worker's machine: its temporary directory is gone, so it cannot unpack the artifact.
    const broken = runCli(['worker', '--queue', redis.url, '--name', 'no-tmp'], {
      cwd: process.cwd(),
      env: { ...env(), TMPDIR: '/nonexistent/cambrian-tmp' },
    });
    await broken.waitForStderr('ready on');
    const queued = await openQueuedRig({ queue: connection });
    const fixture = await sealFixture({ name: 'good-service' });
    try {
      const ending = await judgeOnQueue(queued, fixture);
      expect(ending?.rigResult).toBe('crash');
      expect(ending?.report.diagnostics?.summary).toMatch(/the rig crashed: the rig crashed on no-tmp: .*ENOENT/);
      expect(ending?.worker).toBe('no-tmp');
      expect(ending?.workers).toEqual(['no-tmp']);
    } finally {
      broken.child.kill('SIGTERM');
      await broken.done;
      await fixture.cleanup();
      await queued.close();
    }
  });

  it('Redis gone during a job: the run is told to stop, no verdict', async () => {
    const own = await startRedis();
    const conn = readRigQueueUrl({
      flag: own.url,
      flagName: '--queue',
      env: { CAMBRIAN_REDIS_PASSWORD: own.password },
    });
    if (conn === null) throw new Error('no connection');
    const queued = await openQueuedRig({ queue: conn, unreachableMs: 1000 });
    const fixture = await sealFixture({ name: 'good-service' });
    const stops: RigQueueError[] = [];
    try {
      const ending = runGenerationRig({
        generation: 1,
        artifactDir: fixture.dir,
        spec: fixture.spec,
        sandbox: await detectSandbox('auto'),
        runRig: queued.runRig,
        timeoutMs: 60_000,
        signal: new AbortController().signal,
        onStop: (error) => stops.push(error),
      });
      await new Promise((resolve) => setTimeout(resolve, 500));
      await own.stop();
      expect(await ending).toBeNull();
      expect(stops.map((e) => e.code)).toEqual(['E_RIG_QUEUE_UNREACHABLE']);
    } finally {
      await fixture.cleanup();
      await queued.close();
    }
  });
});
