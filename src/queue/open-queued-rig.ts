import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { computeArtifactHash } from '../artifact/compute-artifact-hash.js';
import { listArtifactFiles } from '../artifact/list-artifact-files.js';
import { viabilityReportSchema } from '../artifact/viability-report-schema.js';
import type { RunRig } from '../supervisor/create-supervisor.js';
import { RigTimeoutError } from '../supervisor/run-generation-rig.js';
import { computeRigVersion } from './compute-rig-version.js';
import { ArtifactTooLarge, packArtifact } from './pack-artifact.js';
import type { RigQueueConnection } from './read-rig-queue-url.js';
import { cancelKey } from './rig-cancel-key.js';
import { RIG_QUEUE_NAME, type RigJob, rigJobResultSchema } from './rig-job-schema.js';
import { readRigJobTakers } from './rig-job-takers.js';
import { rigJobRefused, rigQueueUnreachable } from './rig-queue-errors.js';

/** The rig as a queue: hands each sealed artifact to a worker instead of running it here. */
export interface QueuedRig {
  runRig: RunRig;
  /** The Supervisor's own limit: the worker's limit plus as long again for waiting on a free worker. */
  supervisorTimeoutMs: number;
  display: string;
  close(): Promise<void>;
}

/**
 * Connects to the rig queue (refusing to start when Redis does not answer within `connectTimeoutMs`) and returns a
 * `RunRig` that enqueues the artifact with the trusted spec, waits for the worker's answer and turns it back into
 * what the local rig would have returned. Redis silent for `unreachableMs` during a job ends the run (RigQueueError).
 */
export async function openQueuedRig(options: {
  queue: RigQueueConnection;
  /** The rig's time limit, enforced by the worker from the moment it takes the job (default 30 min). */
  timeoutMs?: number;
  connectTimeoutMs?: number;
  unreachableMs?: number;
  pollMs?: number;
}): Promise<QueuedRig> {
  const timeoutMs = options.timeoutMs ?? 30 * 60_000;
  const unreachableMs = options.unreachableMs ?? 15_000;
  const pollMs = options.pollMs ?? 100;
  const queue = new Queue(RIG_QUEUE_NAME, {
    // Fail fast instead of queueing commands while Redis is away: the poll loop decides when away is too long.
    connection: { ...options.queue.connection, enableOfflineQueue: false, maxRetriesPerRequest: 1 },
  });
  queue.on('error', () => {}); // reported through the failing commands
  // Our own client for the start-up check and the cancel marks (BullMQ 6 keeps its client to itself).
  const client = new Redis({ ...options.queue.connection, lazyConnect: true, maxRetriesPerRequest: 1 });
  client.on('error', () => {});
  const closeAll = async (): Promise<void> => {
    await queue.close().catch(() => {});
    client.disconnect();
  };
  try {
    await withTimeout(
      client.connect().then(() => client.ping()),
      options.connectTimeoutMs ?? 5_000,
    );
    await withTimeout(queue.waitUntilReady(), options.connectTimeoutMs ?? 5_000);
  } catch (error) {
    await closeAll();
    throw rigQueueUnreachable(options.queue.display, error);
  }
  const rigVersion = await computeRigVersion();

  const runRig: RunRig = async (rig) => {
    const packed = await packArtifact(rig.artifactDir).catch((error: unknown) => {
      throw error instanceof ArtifactTooLarge ? new Error(`not enqueued: ${error.message}`) : error;
    });
    const generation = rig.generation ?? 0;
    const data: RigJob = {
      'cambrian-rig-job': 1,
      rigVersion,
      generation,
      spec: {
        id: rig.spec.id,
        version: rig.spec.version,
        hash: rig.spec.hash,
        bytes: rig.spec.bytes.toString('base64'),
      },
      // The Supervisor passes the hash it recorded; without one, the sealed copy (trusted, read-only) is hashed here.
      artifactHash:
        rig.artifactHash ??
        (await computeArtifactHash({ artifactDir: rig.artifactDir, files: await listArtifactFiles(rig.artifactDir) })),
      manifestHash: packed.manifestHash,
      files: packed.files,
      timeoutMs,
    };
    const jobId = `gen-${generation}-${randomUUID()}`;
    await queue
      .add('rig', data, { jobId, attempts: 1, removeOnComplete: false, removeOnFail: false })
      .catch((error: unknown) => {
        throw rigQueueUnreachable(options.queue.display, error);
      });
    let silentSince: number | null = null;
    for (;;) {
      if (rig.signal?.aborted === true) {
        await cancel(jobId);
        throw new Error('the rig job was cancelled');
      }
      try {
        const state = await queue.getJobState(jobId);
        silentSince = null;
        if (state === 'completed' || state === 'failed') {
          const job = await queue.getJob(jobId);
          // Read before the job (and its log) is removed: a crash or a takeover is credited to the workers it hit.
          rig.takenBy?.(await readRigJobTakers(queue, jobId));
          await queue.remove(jobId).catch(() => {});
          if (job === undefined) throw new Error(`job ${jobId} disappeared from the queue`);
          if (state === 'failed') {
            const reason = job.failedReason ?? 'no reason given';
            if (reason.startsWith('refused')) throw rigJobRefused(reason);
            throw new Error(reason);
          }
          const result = rigJobResultSchema.parse(job.returnvalue);
          rig.judgedBy?.(result.worker);
          for (const { stage, check } of result.completed) rig.onStage?.(stage, check as never);
          if (result.ending === 'timeout')
            throw new RigTimeoutError(`the rig did not finish within ${timeoutMs / 1000} s on ${result.worker}`);
          if (result.ending === 'cancelled') throw new Error(`worker ${result.worker} ended the job before a verdict`);
          return viabilityReportSchema.parse(result.report);
        }
      } catch (error) {
        if (!isConnectionError(error)) throw error;
        silentSince ??= Date.now();
        if (Date.now() - silentSince > unreachableMs) throw rigQueueUnreachable(options.queue.display, error);
      }
      await sleep(pollMs, rig.signal);
    }
  };

  async function cancel(jobId: string): Promise<void> {
    // A waiting job is removed; an active one is locked by its worker, which sees the mark and stops its rig.
    await client.set(cancelKey(jobId), '1', 'EX', 3600).catch(() => {});
    await queue.remove(jobId).catch(() => {});
  }

  return {
    runRig,
    supervisorTimeoutMs: timeoutMs * 2,
    display: options.queue.display,
    close: closeAll,
  };
}

function isConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as NodeJS.ErrnoException).code ?? '';
  return (
    ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND'].includes(code) ||
    /Connection is closed|Stream isn't writeable|enableOfflineQueue|MaxRetriesPerRequest|connect E/i.test(error.message)
  );
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms).unref()),
  ]);
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
