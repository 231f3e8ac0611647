import chalk from 'chalk';
import type { Command } from 'commander';
import { addProviderOptions, type ProviderFlags, resolveRoles } from '../gateway/roles.js';
import { createProgressDescriber } from '../supervisor/describe-progress.js';
import { runReproduce } from '../supervisor/run-reproduce.js';
import type { RunSummary } from '../supervisor/run-summary.js';
import { formatCost, formatPromoted } from './format-run-outcome.js';
import { addRunOptions, type RunFlags, readRunOptions, wholeNumber } from './run-options.js';
import { runToSummary } from './run-to-summary.js';

interface ReproduceFlags extends ProviderFlags, RunFlags {
  spec: string;
  prime?: string;
  model?: string;
  maxGens?: string;
  json?: boolean;
}

export function register(program: Command): void {
  const command = program
    .command('reproduce')
    .description('Run a Prime (gen-0 or a promoted generation) on a spec: generate, verify in the rig, promote')
    .requiredOption('--spec <ref>', 'the spec to reproduce: id, id@version, path, or gen-N')
    .option('--prime <gen-N>', 'run this promoted generation as the Prime (default gen-0)')
    .option('--model <model>', "the Prime's model for fresh generations (same as --generation-model)")
    .option('--max-gens <n>', 'promoted offspring to produce before the Prime stops (default 1)')
    .option('--json', 'print the run summary as one JSON document on stdout');
  addRunOptions(command, {
    faults: 'exemplar faults: unclosed-block, failing-test, overloaded, cut-stream, max-tokens (kind:N for N times)',
    budget: 'token budget of the run',
    verbose: "show the Prime's own output",
  });
  addProviderOptions(command).action(async (flags: ReproduceFlags) => {
    process.exitCode = await reproduceCommand(flags);
  });
}

async function reproduceCommand(flags: ReproduceFlags): Promise<number> {
  const runOptions = readRunOptions(flags);
  const maxGens = wholeNumber('--max-gens', flags.maxGens, 1);
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
  return runToSummary({
    stopping: 'stopping the Prime and the rig…',
    json: flags.json === true,
    format: formatSummary,
    run: (signal) =>
      runReproduce({
        spec: flags.spec,
        roles,
        ...(flags.prime === undefined ? {} : { prime: flags.prime }),
        ...(maxGens === undefined ? {} : { maxGens }),
        ...runOptions,
        signal,
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
      }),
  });
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
    formatPromoted(summary.promoted),
    '',
  );
  return `${lines.join('\n')}\n`;
}
