import { RIG_QUEUE_NAME } from './rig-job-schema.js';

/** The Redis key a Supervisor sets to end a job it no longer waits for (timeout, a stopped run). */
export function cancelKey(jobId: string): string {
  return `${RIG_QUEUE_NAME}:cancel:${jobId}`;
}
