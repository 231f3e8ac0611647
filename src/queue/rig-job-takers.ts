import type { Job, Queue } from 'bullmq';

/** The job-log line a worker writes when it takes a job; the name follows. */
const TAKEN_BY = 'taken by ';

/**
 * Notes on the job that this worker took it. The job's log outlives a worker that dies mid-job, so the Supervisor
 * can name every worker a job passed through (the one that judged it, and any that died or crashed on it), where
 * the job's own fields keep only the latest.
 */
export async function noteRigJobTaker(job: Job, worker: string): Promise<void> {
  await job.log(`${TAKEN_BY}${worker}`);
}

/** The workers that took a job, in the order they took it (a worker that took it twice appears twice). */
export async function readRigJobTakers(queue: Queue, jobId: string): Promise<string[]> {
  const { logs } = await queue.getJobLogs(jobId, 0, -1, true);
  return logs.filter((line) => line.startsWith(TAKEN_BY)).map((line) => line.slice(TAKEN_BY.length));
}
