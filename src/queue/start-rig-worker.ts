import { UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { Sandbox } from '../rig/sandbox/sandbox-types.js';
import { JobRefused, judgeRigJob } from './judge-rig-job.js';
import type { RigQueueConnection } from './read-rig-queue-url.js';
import { cancelKey } from './rig-cancel-key.js';
import { RIG_QUEUE_NAME, type RigJobResult } from './rig-job-schema.js';
import { noteRigJobTaker } from './rig-job-takers.js';

export type RigWorkerEvent =
  | { type: 'start'; job: string; generation: number | null; waitedMs: number }
  | { type: 'end'; job: string; ending: RigJobResult['ending']; status: string | null; rigMs: number }
  | { type: 'refused'; job: string; reason: string }
  | { type: 'failed'; job: string; error: string }
  | { type: 'error'; error: string };

export interface RigWorker {
  name: string;
  /** Finishes the jobs in hand (or, with `force`, gives them back to the queue) and disconnects. */
  close(force?: boolean): Promise<void>;
}

/** How often a running job looks for the Supervisor's cancel mark. */
const CANCEL_POLL_MS = 500;

/**
 * `cambrian worker`: takes rig jobs from the queue, `concurrency` at a time. The job lock is renewed every
 * `lockDurationMs / 2`; a worker that dies stops renewing, and another worker's stalled-job check (every
 * `lockDurationMs`) puts the job back on the queue, so a generation is judged once even when a worker is killed.
 */
export async function startRigWorker(options: {
  queue: RigQueueConnection;
  name: string;
  sandbox: Sandbox;
  concurrency?: number;
  lockDurationMs?: number;
  onEvent?: (event: RigWorkerEvent) => void;
}): Promise<RigWorker> {
  const emit = options.onEvent ?? (() => {});
  const lockDuration = options.lockDurationMs ?? 30_000;
  // A client of our own for the cancel marks (BullMQ 6 keeps its client to itself).
  const client = new Redis({ ...options.queue.connection, maxRetriesPerRequest: 1 });
  client.on('error', () => {});
  const worker = new Worker(
    RIG_QUEUE_NAME,
    async (job, _token, signal) => {
      const id = job.id ?? '?';
      const generation = typeof job.data?.generation === 'number' ? job.data.generation : null;
      // Noted before anything else: a worker that dies from here on is named on the job's record.
      await noteRigJobTaker(job, options.name);
      emit({ type: 'start', job: id, generation, waitedMs: Math.max(0, Date.now() - job.timestamp) });
      const cancel = new AbortController();
      const poll = setInterval(() => {
        client
          .exists(cancelKey(id))
          .then((found) => {
            if (found === 1) cancel.abort('cancelled by the Supervisor');
          })
          .catch(() => {});
      }, CANCEL_POLL_MS);
      try {
        const result = await judgeRigJob({
          data: job.data,
          worker: options.name,
          sandbox: options.sandbox,
          signal: signal === undefined ? cancel.signal : AbortSignal.any([signal, cancel.signal]),
        });
        const status = (result.report as { status?: string } | undefined)?.status ?? null;
        emit({ type: 'end', job: id, ending: result.ending, status, rigMs: result.rigMs });
        return result;
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        if (error instanceof JobRefused) {
          emit({ type: 'refused', job: id, reason: message });
          // Unrecoverable: no other attempt; the Supervisor reads "refused" and stops instead of recording a verdict.
          throw new UnrecoverableError(`refused by ${options.name}: ${message}`);
        }
        emit({ type: 'failed', job: id, error: message });
        throw new UnrecoverableError(`the rig crashed on ${options.name}: ${message}`);
      } finally {
        clearInterval(poll);
      }
    },
    {
      connection: { ...options.queue.connection, maxRetriesPerRequest: null },
      concurrency: options.concurrency ?? 1,
      name: options.name,
      lockDuration,
      stalledInterval: lockDuration,
      // A job whose worker died twice is failed rather than passed around forever.
      maxStalledCount: 2,
      autorun: false,
    },
  );
  worker.on('error', (error) => emit({ type: 'error', error: error.message }));
  await worker.waitUntilReady();
  void worker.run();
  return {
    name: options.name,
    async close(force = false) {
      await worker.close(force);
      client.disconnect();
    },
  };
}
