import os from 'node:os';
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { computeRigVersion } from '../queue/compute-rig-version.js';
import { readRigQueueUrl } from '../queue/read-rig-queue-url.js';
import { type RigWorkerEvent, startRigWorker } from '../queue/start-rig-worker.js';
import { detectSandbox, isSandboxRequest, SANDBOX_KINDS } from '../rig/sandbox/detect-sandbox.js';
import { wholeNumber } from './run-options.js';

interface WorkerFlags {
  queue?: string;
  concurrency?: string;
  sandbox: string;
  name?: string;
  lockDuration?: string;
}

/** `cambrian worker`: a rig worker for `--rig-queue` runs (docs/scale-out.md). */
export function register(program: Command): void {
  program
    .command('worker')
    .description("take rig jobs from a Redis queue and judge them with this machine's rig (docs/scale-out.md)")
    .option(
      '--queue <url>',
      'redis:// or rediss:// URL of the rig queue (env CAMBRIAN_RIG_QUEUE; password only in CAMBRIAN_REDIS_PASSWORD)',
    )
    .option('--concurrency <n>', 'rig jobs at once (default 1; each takes about two cores)')
    .option('--sandbox <kind>', `sandbox: ${SANDBOX_KINDS.join(', ')}`, 'auto')
    .option('--name <name>', 'how records name this worker (default host-pid)')
    .option(
      '--lock-duration <ms>',
      'job lock; a worker silent this long is presumed dead and its job re-queued (default 30000)',
    )
    .action(async (flags: WorkerFlags) => {
      const queue = readRigQueueUrl({ flag: flags.queue, flagName: '--queue', env: process.env });
      if (queue === null) throw new UsageError('worker needs --queue <redis-url>', 'or set CAMBRIAN_RIG_QUEUE');
      if (!isSandboxRequest(flags.sandbox))
        throw new UsageError(`unknown sandbox "${flags.sandbox}"`, `use one of ${SANDBOX_KINDS.join(', ')}`);
      const concurrency = wholeNumber('--concurrency', flags.concurrency, 1) ?? 1;
      const lockDurationMs = wholeNumber('--lock-duration', flags.lockDuration, 500) ?? 30_000;
      const name = flags.name ?? `${os.hostname()}-${process.pid}`;
      const sandbox = await detectSandbox(flags.sandbox);
      if (sandbox.warning !== null) process.stderr.write(`warning: ${sandbox.warning}\n`);
      const worker = await startRigWorker({
        queue,
        name,
        sandbox,
        concurrency,
        lockDurationMs,
        onEvent: (event) => process.stderr.write(`${describeWorkerEvent(name, event)}\n`),
      });
      process.stderr.write(
        `worker ${name} ready on ${queue.display}: ${await computeRigVersion()}, sandbox ${sandbox.kind}, concurrency ${concurrency}\n`,
      );
      await new Promise<void>((resolve) => {
        const stop = (signal: NodeJS.Signals): void => {
          process.stderr.write(`worker ${name}: ${signal}: finishing the jobs in hand…\n`);
          resolve();
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await worker.close();
      process.stderr.write(`worker ${name} stopped\n`);
    });
}

function describeWorkerEvent(name: string, event: RigWorkerEvent): string {
  switch (event.type) {
    case 'start':
      return `${name}: job ${event.job} (gen-${event.generation ?? '?'}) taken after ${event.waitedMs} ms in the queue`;
    case 'end':
      return `${name}: job ${event.job} ${event.ending === 'report' ? (event.status ?? '?') : event.ending} in ${event.rigMs} ms`;
    case 'refused':
      return `${name}: job ${event.job} REFUSED: ${event.reason}`;
    case 'failed':
      return `${name}: job ${event.job} crashed: ${event.error}`;
    case 'error':
      return `${name}: queue error: ${event.error}`;
  }
}
