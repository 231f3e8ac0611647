import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import type { EvolveEntry } from '../evolve/evolve-log.js';
import { addEvolveProviderOptions, resolveEvolveRoles } from '../evolve/evolve-roles.js';
import { runEvolve } from '../evolve/run-evolve.js';
import type { ProviderFlags } from '../gateway/roles.js';
import { readRigQueueUrl } from '../queue/read-rig-queue-url.js';
import { RIG_QUEUE_HELP, wholeNumber } from './run-options.js';

interface EvolveFlags extends ProviderFlags {
  spec?: string;
  campaigns?: string;
  length?: string;
  lanes?: string;
  budget?: string;
  resume?: string;
  simulate?: string;
  landscape?: string;
  seed?: string;
  paceMs?: string;
  generations?: string;
  rigQueue?: string;
  json?: boolean;
}

/** `cambrian evolve`: the genome evolves between campaigns (DESIGN.md §10, src/evolve/). */
export function register(program: Command): void {
  const command = program
    .command('evolve')
    .description(
      'pick a parent, mutate, guard, screen, then evaluate and select spec versions sequentially with posteriors',
    )
    .option('--spec <ref>', 'the spec to evolve: id, id@version or path')
    .option('--campaigns <n>', "evaluations to run in all: the head's campaign and each mutant's (default 20)")
    .option(
      '--length <k>',
      "the most attempts a mutant gets, the head's first campaign and a new head's top-up (default 8)",
    )
    .option('--lanes <l>', 'attempts at once: a batch, after which the selection rule looks again (default 1)')
    .option('--budget <tokens>', 'token budget of the whole run')
    .option('--resume <id>', 'continue a run from its log: no campaign lost or repeated')
    .option('--simulate <landscape>', 'simulation mode: outcomes drawn from this landscape (JSON), no rig, no key')
    .option('--landscape <file>', 'rig mode: the exemplar mutates from this landscape and fails generations as it says')
    .option('--seed <text>', "seed of the simulation's draws (default: the run id)")
    .option('--pace-ms <ms>', 'wall time of one simulated attempt (to watch or interrupt a simulation)')
    .option('--generations <dir>', 'generations dir whose .cambrian/ keeps the run and its spec versions')
    .option('--rig-queue <url>', `rig mode: ${RIG_QUEUE_HELP}`)
    .option('--json', 'print the run (id, head, log entries) as one JSON document');
  addEvolveProviderOptions(command).action(async (flags: EvolveFlags) => {
    const controller = new AbortController();
    const stop = (signal: NodeJS.Signals): void => {
      process.stderr.write(`\ncambrian: ${signal}: stopping evolve (the log keeps every finished campaign)\n`);
      controller.abort(signal);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    const budget = wholeNumber('--budget', flags.budget, 1);
    const paceMs = wholeNumber('--pace-ms', flags.paceMs, 0);
    if (flags.simulate !== undefined && flags.rigQueue !== undefined)
      throw new UsageError('--rig-queue applies to rig mode; --simulate runs no rig', 'drop one of them');
    const rigQueue = readRigQueueUrl({ flag: flags.rigQueue, flagName: '--rig-queue', env: process.env });
    const roles = resolveEvolveRoles({ flags, env: process.env });
    for (const warning of roles.warnings) process.stderr.write(`cambrian: ${warning}\n`);
    try {
      const result = await runEvolve({
        ...(flags.spec === undefined ? {} : { spec: flags.spec }),
        ...optionalNumber('campaigns', wholeNumber('--campaigns', flags.campaigns, 1)),
        ...optionalNumber('length', wholeNumber('--length', flags.length, 2)),
        ...(budget === undefined ? {} : { budget }),
        ...(flags.simulate === undefined ? {} : { simulate: flags.simulate }),
        ...(flags.landscape === undefined ? {} : { landscape: flags.landscape }),
        ...optionalNumber('lanes', wholeNumber('--lanes', flags.lanes, 1)),
        ...(flags.resume === undefined ? {} : { resume: flags.resume }),
        ...(flags.seed === undefined ? {} : { seed: flags.seed }),
        ...(flags.generations === undefined ? {} : { generationsDir: flags.generations }),
        ...optionalNumber('paceMs', paceMs),
        ...(rigQueue === null ? {} : { rigQueue }),
        roles,
        signal: controller.signal,
        onEntry: (entry) => {
          if (flags.json !== true) process.stderr.write(`${describeEntry(entry)}\n`);
        },
      });
      if (flags.json === true) {
        process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      } else {
        process.stdout.write(`evolve ${result.id}: head ${result.head}\n  log ${result.log}\n`);
      }
      const ended = result.entries.some((entry) => entry.type === 'end');
      if (!ended) process.stderr.write(`stopped; continue with: cambrian evolve --resume ${result.id}\n`);
      process.exitCode = ended ? 0 : 1;
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    }
  });
}

function optionalNumber<K extends string>(key: K, value: number | undefined): Partial<Record<K, number>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, number>);
}

/** One line per log entry, for people. */
export function describeEntry(entry: EvolveEntry): string {
  switch (entry.type) {
    case 'start':
      return `evolve ${entry.id} (${entry.mode}): ${entry.spec.id}@${entry.spec.version}, ${entry.campaigns} evaluations of up to ${entry.length} attempts in batches of ${entry.lanes}`;
    case 'parent':
      return `step ${entry.step}: parent ${entry.version} (${entry.why})`;
    case 'mutant':
      return `step ${entry.step}: ${entry.version} from ${entry.parentVersion} (${entry.mutation.type}: ${entry.mutation.name})`;
    case 'rejected':
      return `step ${entry.step}: ${entry.version} discarded by the ${entry.by}, without a campaign: ${entry.reason}`;
    case 'admitted':
      return `step ${entry.step}: ${entry.version} passed the guard and the screen (${entry.screen})`;
    case 'campaign':
      return `step ${entry.step}: ${entry.stage} campaign${entry.campaign === undefined ? '' : ` ${entry.campaign}`} of ${entry.version}: ${entry.outcome.viable}/${entry.outcome.attempts} viable`;
    case 'launch':
      return `step ${entry.step}: ${entry.stage} campaign ${entry.campaign} of ${entry.version} starts`;
    case 'decision': {
      const evidence =
        entry.attempts === undefined || entry.posterior === undefined
          ? ''
          : ` at ${entry.viable}/${entry.attempts}, mean ${entry.posterior.mean.toFixed(2)} [${entry.posterior.low.toFixed(2)}, ${entry.posterior.high.toFixed(2)}]`;
      const provisional =
        entry.provisional === undefined
          ? ''
          : `; provisional at ${entry.provisional.attempts} attempts (P ${entry.provisional.pBetter.toFixed(2)}), topped up`;
      const why = entry.why === undefined ? '' : `: ${entry.why}`;
      return `step ${entry.step}: ${entry.version} ${entry.decision}${evidence} (P(better than ${entry.against.version} at ${entry.against.viable}/${entry.against.attempts}) = ${entry.pBetter.toFixed(2)})${why}${provisional}; head ${entry.head}`;
    }
    case 'monitor':
      return `step ${entry.step}: meta-monitor ${entry.rule}: ${entry.action}`;
    case 'end':
      return `end: ${entry.reason}; head ${entry.head}`;
  }
}
