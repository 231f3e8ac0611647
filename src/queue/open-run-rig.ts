import { runRig as localRunRig } from '../rig/run-rig.js';
import type { RunRig } from '../supervisor/create-supervisor.js';
import { openQueuedRig, type QueuedRig } from './open-queued-rig.js';
import type { RigQueueConnection } from './read-rig-queue-url.js';
import type { RigQueueError } from './rig-queue-errors.js';

/** The rig a run judges its generations with, and how a queue that cannot judge by our rules stops the run. */
export interface RunRigChoice {
  runRig: RunRig;
  /** What the Supervisor takes besides `runRig`: a queue's longer time limit, and the stop on a queue error. */
  supervisorOptions: { rigTimeoutMs?: number; onRigStop: (error: RigQueueError) => void };
  /** Aborted when the queue could not judge by our rules: the Prime or the change stops, its generation undecided. */
  stopSignal: AbortSignal;
  /** The queue's error once it stopped the run (the first one), for the run to throw; null until then. */
  stopError(): RigQueueError | null;
  /** Closes a queue this opened (a shared one is its owner's to close); never throws. */
  close(): Promise<void>;
}

/**
 * Chooses the rig of a run (`reproduce`, `change`): a campaign's shared queue, or the queue at `rigQueue` opened
 * here (an unreachable one throws before anything else starts), or `runRig`, or the local rig.
 */
export async function openRunRig(options: {
  rigQueue?: RigQueueConnection;
  /** An open queue shared by a campaign's lanes (takes precedence over `rigQueue`). */
  queuedRig?: QueuedRig;
  runRig?: RunRig;
  onInfo: (message: string) => void;
}): Promise<RunRigChoice> {
  const own =
    options.queuedRig === undefined && options.rigQueue !== undefined
      ? await openQueuedRig({ queue: options.rigQueue })
      : null;
  const queued = options.queuedRig ?? own;
  if (queued !== null) options.onInfo(`the rig runs on workers of ${queued.display}`);
  const stop = new AbortController();
  let stopError: RigQueueError | null = null;
  const onRigStop = (error: RigQueueError): void => {
    stopError ??= error;
    stop.abort(error.message);
  };
  return {
    runRig: queued?.runRig ?? options.runRig ?? localRunRig,
    supervisorOptions: queued === null ? { onRigStop } : { rigTimeoutMs: queued.supervisorTimeoutMs, onRigStop },
    stopSignal: stop.signal,
    stopError: () => stopError,
    close: async () => {
      await own?.close().catch(() => {});
    },
  };
}
