import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { type RigQueueConnection, readRigQueueUrl } from '../queue/read-rig-queue-url.js';
import type { SandboxRequest } from '../rig/sandbox/sandbox-types.js';

const SANDBOXES = ['auto', 'bwrap', 'docker', 'podman', 'none'];

/** The flags `reproduce`, `campaign` and `change` share: where the lineage lives, the exemplar's faults, limits, the sandbox. */
export interface RunFlags {
  maxRetries?: string;
  generations?: string;
  faults?: string;
  exemplarPace?: string;
  budget?: string;
  sandbox?: string;
  wait?: boolean;
  verbose?: boolean;
  rigQueue?: string;
}

/** What those flags mean, validated, in the shape `runReproduce` and `runCampaign` take. */
export interface RunOptions {
  maxRetries?: number;
  generationsDir?: string;
  faults?: string;
  exemplarPaceMs?: number;
  budget?: number;
  sandbox?: SandboxRequest;
  wait?: true;
  rigQueue?: RigQueueConnection;
}

export const RIG_QUEUE_HELP =
  'judge on `cambrian worker`s through this Redis queue (env CAMBRIAN_RIG_QUEUE; password only in CAMBRIAN_REDIS_PASSWORD)';

export function addRunOptions(command: Command, scope: { budget: string; faults: string; verbose: string }): Command {
  return command
    .option('--max-retries <n>', 'informed retries after a non-viable attempt (default 3)')
    .option('--generations <dir>', 'generations dir (default ./generations, env CAMBRIAN_ARTIFACTS_ROOT)')
    .option('--faults <list>', scope.faults)
    .option('--exemplar-pace <ms>', 'milliseconds between exemplar chunks (default 0)')
    .option('--budget <tokens>', `${scope.budget} (env CAMBRIAN_TOKEN_BUDGET)`)
    .option('--sandbox <kind>', `sandbox: ${SANDBOXES.join(', ')} (default auto)`)
    .option('--rig-queue <url>', RIG_QUEUE_HELP)
    .option('--wait', 'wait for another run on the same generations dir instead of refusing')
    .option('--verbose', scope.verbose);
}

export function readRunOptions(flags: RunFlags): RunOptions {
  if (flags.sandbox !== undefined && !SANDBOXES.includes(flags.sandbox)) {
    throw new UsageError(`--sandbox ${flags.sandbox} is not a sandbox`, `use one of ${SANDBOXES.join(', ')}`);
  }
  const maxRetries = wholeNumber('--max-retries', flags.maxRetries, 0);
  const pace = wholeNumber('--exemplar-pace', flags.exemplarPace, 0);
  const budget = wholeNumber('--budget', flags.budget, 1);
  const rigQueue = readRigQueueUrl({ flag: flags.rigQueue, flagName: '--rig-queue', env: process.env });
  return {
    ...(maxRetries === undefined ? {} : { maxRetries }),
    ...(flags.generations === undefined ? {} : { generationsDir: flags.generations }),
    ...(flags.faults === undefined ? {} : { faults: flags.faults }),
    ...(pace === undefined ? {} : { exemplarPaceMs: pace }),
    ...(budget === undefined ? {} : { budget }),
    ...(flags.sandbox === undefined ? {} : { sandbox: flags.sandbox as SandboxRequest }),
    ...(flags.wait === true ? { wait: true as const } : {}),
    ...(rigQueue === null ? {} : { rigQueue }),
  };
}

export function wholeNumber(flag: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min) {
    throw new UsageError(
      `${flag} ${JSON.stringify(value)} is not a whole number ≥ ${min}`,
      `e.g. ${flag} ${Math.max(min, 1)}`,
    );
  }
  return Number(value);
}
