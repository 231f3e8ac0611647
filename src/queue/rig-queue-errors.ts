import { EnvironmentError } from '../errors.js';

/**
 * The rig queue cannot give a verdict by the rules of this engine: Redis is unreachable, or a worker refused the job
 * (another rig version, a hash that does not match). No verdict is recorded; the run stops and closes the generation
 * as undecided, like any interrupted run.
 */
export class RigQueueError extends EnvironmentError {}

/** Redis did not answer (at start, or for longer than the grace period during a job). */
export function rigQueueUnreachable(where: string, cause: unknown): RigQueueError {
  const why = cause instanceof Error ? cause.message : String(cause);
  return new RigQueueError({
    code: 'E_RIG_QUEUE_UNREACHABLE',
    message: `the rig queue at ${where} is unreachable (${why})`,
    hint: 'start Redis or fix --rig-queue / CAMBRIAN_RIG_QUEUE (password in CAMBRIAN_REDIS_PASSWORD); resume a campaign with --resume',
    cause,
  });
}

/** A worker refused the job rather than judge it by other rules. */
export function rigJobRefused(reason: string): RigQueueError {
  return new RigQueueError({
    code: 'E_RIG_JOB_REFUSED',
    message: `a rig worker refused the job: ${reason}`,
    hint: 'run workers built from the same cambrian version and rig as the Supervisor (cambrian worker --version)',
  });
}
