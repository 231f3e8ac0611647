import chalk from 'chalk';
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { addProviderOptions, type ProviderFlags, resolveRoles } from '../gateway/roles.js';
import type { SandboxRequest } from '../rig/sandbox/sandbox-types.js';
import { createProgressDescriber } from '../supervisor/describe-progress.js';
import { runReproduce } from '../supervisor/run-reproduce.js';
import type { RunSummary } from '../supervisor/run-summary.js';

interface ReproduceFlags extends ProviderFlags {
  spec: string;
  prime?: string;
  model?: string;
  maxGens?: string;
  maxRetries?: string;
  generations?: string;
  faults?: string;
  exemplarPace?: string;
  budget?: string;
  sandbox?: string;
  wait?: boolean;
  json?: boolean;
  verbose?: boolean;
}

const SANDBOXES = ['auto', 'bwrap', 'docker', 'podman', 'none'];

function wholeNumber(flag: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min)
    throw new UsageError(
      `${flag} ${JSON.stringify(value)} is not a whole number ≥ ${min}`,
      `e.g. ${flag} ${Math.max(min, 1)}`,
    );
  return Number(value);
}

export function register(program: Command): void {
  const command = program
    .command('reproduce')
    .description('Run a Prime (gen-0 or a promoted generation) on a spec: generate, verify in the rig, promote')
    .requiredOption('--spec <ref>', 'the spec to reproduce: id, id@version, path, or gen-N')
    .option('--prime <gen-N>', 'run this promoted generation as the Prime (default gen-0)')
    .option('--model <model>', "the Prime's model for fresh generations (same as --generation-model)")
    .option('--max-gens <n>', 'promoted offspring to produce before the Prime stops (default 1)')
    .option('--max-retries <n>', 'informed retries after a non-viable attempt (default 3)')
    .option('--generations <dir>', 'generations dir (default ./generations, env CAMBRIAN_ARTIFACTS_ROOT)')
    .option(
      '--faults <list>',
      'exemplar faults: unclosed-block, failing-test, overloaded, cut-stream, max-tokens (kind:N for N times)',
    )
    .option('--exemplar-pace <ms>', 'milliseconds between exemplar chunks (default 0)')
    .option('--budget <tokens>', 'token budget of the run (env CAMBRIAN_TOKEN_BUDGET)')
    .option('--sandbox <kind>', `sandbox: ${SANDBOXES.join(', ')} (default auto)`)
    .option('--wait', 'wait for another run on the same generations dir instead of refusing')
    .option('--json', 'print the run summary as one JSON document on stdout')
    .option('--verbose', "show the Prime's own output");
  addProviderOptions(command).action(async (flags: ReproduceFlags) => {
    process.exitCode = await reproduceCommand(flags);
  });
}

async function reproduceCommand(flags: ReproduceFlags): Promise<number> {
  if (flags.sandbox !== undefined && !SANDBOXES.includes(flags.sandbox)) {
    throw new UsageError(`--sandbox ${flags.sandbox} is not a sandbox`, `use one of ${SANDBOXES.join(', ')}`);
  }
  const roles = resolveRoles({
    flags: {
      ...flags,
      ...(flags.model !== undefined && flags.generationModel === undefined ? { generationModel: flags.model } : {}),
    },
    env: process.env,
  });
  const describe = createProgressDescriber({ verbose: flags.verbose === true });
  const tty = process.stderr.isTTY === true;
  let statusShown = false;
  let lastStatusAt = Date.now();
  const controller = new AbortController();
  const stop = (signal: NodeJS.Signals): void => {
    process.stderr.write(`\ncambrian: ${signal}: stopping the Prime and the rig…\n`);
    controller.abort(signal);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const budget = wholeNumber('--budget', flags.budget, 1);
  const maxGens = wholeNumber('--max-gens', flags.maxGens, 1);
  const maxRetries = wholeNumber('--max-retries', flags.maxRetries, 0);
  const pace = wholeNumber('--exemplar-pace', flags.exemplarPace, 0);
  let summary: RunSummary;
  try {
    summary = await runReproduce({
      spec: flags.spec,
      roles,
      ...(flags.prime === undefined ? {} : { prime: flags.prime }),
      ...(maxGens === undefined ? {} : { maxGens }),
      ...(maxRetries === undefined ? {} : { maxRetries }),
      ...(flags.generations === undefined ? {} : { generationsDir: flags.generations }),
      ...(flags.faults === undefined ? {} : { faults: flags.faults }),
      ...(pace === undefined ? {} : { exemplarPaceMs: pace }),
      ...(budget === undefined ? {} : { budget }),
      ...(flags.sandbox === undefined ? {} : { sandbox: flags.sandbox as SandboxRequest }),
      ...(flags.wait === true ? { wait: true } : {}),
      signal: controller.signal,
      onEvent: (event) => {
        const { line, status } = describe(event);
        if (line !== undefined) {
          if (statusShown) process.stderr.write('\r\x1b[2K');
          statusShown = false;
          process.stderr.write(`${line}\n`);
        } else if (status !== undefined && tty && Date.now() - lastStatusAt > 100) {
          lastStatusAt = Date.now();
          process.stderr.write(`\r\x1b[2K${status.slice(0, (process.stderr.columns ?? 100) - 1)}`);
          statusShown = true;
        } else if (status !== undefined && !tty && Date.now() - lastStatusAt > 10_000) {
          // Logs get a line every 10 s of a long reply instead of a live line.
          lastStatusAt = Date.now();
          process.stderr.write(`${status}\n`);
        }
      },
    });
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
  if (flags.json === true) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  else process.stderr.write(formatSummary(summary));
  return summary.exitCode;
}

function formatSummary(summary: RunSummary): string {
  const lines: string[] = [
    '',
    chalk.bold(
      `run ${summary.run}: ${summary.spec.id}@${summary.spec.version} by gen-${summary.prime} (${summary.provider.backend})`,
    ),
  ];
  for (const g of summary.generations) {
    const outcome =
      g.outcome === 'promoted'
        ? chalk.green(g.outcome)
        : g.outcome === 'failed' || g.outcome === 'timeout'
          ? chalk.red(g.outcome)
          : g.outcome;
    const why = g.outcome === 'promoted' ? '' : ` ${chalk.dim(`${g.failureStage ?? ''} ${g.summary ?? ''}`.trim())}`;
    lines.push(
      `  gen-${g.generation} ← gen-${g.parent ?? '?'}  ${outcome}  ${g.tokens.input + g.tokens.cacheRead + g.tokens.cacheWrite} in / ${g.tokens.output} out  ${formatCost(g.costUsd)}${why}`,
    );
  }
  if (summary.generations.length === 0) lines.push('  no generation was spawned');
  lines.push(
    `  tokens ${summary.tokens.input} in, ${summary.tokens.output} out, ${summary.tokens.cacheRead} cache read, ${summary.tokens.cacheWrite} cache write; cost ${formatCost(summary.costUsd)}; ${summary.exchanges} requests`,
    `  wall time ${(summary.wallMs / 1000).toFixed(1)} s; the Prime ${summary.primeExit.meaning}${summary.stopped === null ? '' : ` (${summary.stopped})`}`,
    summary.promoted.length > 0
      ? chalk.green(`  promoted: ${summary.promoted.map((n) => `gen-${n}`).join(', ')}`)
      : chalk.red('  nothing promoted'),
    '',
  );
  return `${lines.join('\n')}\n`;
}

function formatCost(cost: number | null): string {
  return cost === null ? 'cost unknown' : `$${cost.toFixed(4)}`;
}
