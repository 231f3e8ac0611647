import chalk from 'chalk';
import type { Command } from 'commander';
import { addChangeProviderOptions, resolveChangeRoles } from '../change/change-roles.js';
import { type ChangeSessionSummary, readPriorities, runChangeSession } from '../change/run-change-session.js';
import type { ProviderFlags } from '../gateway/roles.js';
import { formatCost, formatPromoted } from './format-run-outcome.js';
import { RIG_QUEUE_HELP, type RunFlags, readRunOptions, wholeNumber } from './run-options.js';
import { runToSummary } from './run-to-summary.js';

interface ChangeFlags extends ProviderFlags, RunFlags {
  program?: string;
  from?: string;
  spec?: string;
  reflect?: boolean;
  priorities?: string;
  loop?: string;
  maxFailures?: string;
  json?: boolean;
}

/** `cambrian change`: a directed change from a program.md (or reflect), verified by the rig and a reviewer. */
export function register(program: Command): void {
  const command = program
    .command('change')
    .description(
      'Make a directed change to a promoted generation from a program.md; promote it when the rig and the reviewer agree',
    )
    .option('--program <file>', 'the program.md to carry out (docs/program-format.md)')
    .option('--from <gen-N>', "the parent (default: the newest promoted generation of the program's spec)")
    .option('--spec <id>', 'with --reflect and no --from: the spec whose newest promoted generation to change')
    .option('--reflect', 'let the reflect role write each program from the lineage and --priorities')
    .option('--priorities <text|file>', 'what reflect should aim for (text, or a file)')
    .option('--loop <n>', 'directed changes to run in a row, each from the newest promoted result (default 1)')
    .option('--max-failures <n>', 'stop after N changes in a row without a promotion (default 3)')
    .option('--max-retries <n>', 'informed retries after a refused attempt (default 3)')
    .option('--generations <dir>', 'generations dir (default ./generations, env CAMBRIAN_ARTIFACTS_ROOT)')
    .option(
      '--faults <list>',
      'exemplar faults: failing-test, deletes-tests, unclosed-block, review-reject, review-malformed (kind:N)',
    )
    .option('--budget <tokens>', 'token budget of the session (env CAMBRIAN_TOKEN_BUDGET)')
    .option('--sandbox <kind>', 'sandbox: auto, bwrap, docker, podman, none (default auto)')
    .option('--rig-queue <url>', RIG_QUEUE_HELP)
    .option('--wait', 'wait for another run on the same generations dir instead of refusing')
    .option('--json', 'print the session summary as one JSON document on stdout');
  addChangeProviderOptions(command).action(async (flags: ChangeFlags) => {
    process.exitCode = await changeCommand(flags);
  });
}

async function changeCommand(flags: ChangeFlags): Promise<number> {
  const run = readRunOptions(flags);
  const roles = resolveChangeRoles({ flags, env: process.env });
  for (const warning of roles.warnings) process.stderr.write(`${chalk.dim(warning)}\n`);
  const loop = wholeNumber('--loop', flags.loop, 1);
  const maxFailures = wholeNumber('--max-failures', flags.maxFailures, 1);
  const envBudget = process.env.CAMBRIAN_TOKEN_BUDGET;
  const budget = run.budget ?? wholeNumber('CAMBRIAN_TOKEN_BUDGET', envBudget === '' ? undefined : envBudget, 1);
  const priorities = await readPriorities(flags.priorities);
  return runToSummary({
    stopping: 'stopping after the current step…',
    json: flags.json === true,
    format: formatSummary,
    run: (signal) =>
      runChangeSession({
        roles,
        ...(flags.program === undefined ? {} : { programFile: flags.program }),
        ...(flags.reflect === true ? { reflect: true } : {}),
        priorities,
        ...(loop === undefined ? {} : { loop }),
        ...(maxFailures === undefined ? {} : { maxFailures }),
        ...(flags.from === undefined ? {} : { from: flags.from }),
        ...(flags.spec === undefined ? {} : { spec: flags.spec }),
        ...(run.maxRetries === undefined ? {} : { maxRetries: run.maxRetries }),
        ...(run.generationsDir === undefined ? {} : { generationsDir: run.generationsDir }),
        ...(run.faults === undefined ? {} : { faults: run.faults }),
        budget: budget ?? null,
        ...(run.sandbox === undefined ? {} : { sandbox: run.sandbox }),
        ...(run.wait === undefined ? {} : { wait: true }),
        ...(run.rigQueue === undefined ? {} : { rigQueue: run.rigQueue }),
        onInfo: (message) => process.stderr.write(`▸ ${message}\n`),
        signal,
      }),
  });
}

function formatSummary(summary: ChangeSessionSummary): string {
  const lines = ['', chalk.bold(`directed changes ${summary.session}`)];
  for (const change of summary.changes) {
    lines.push(`  "${change.program.title}" on gen-${change.parent}`);
    for (const a of change.attempts) {
      const where = a.generation === null ? 'no generation' : `gen-${a.generation}`;
      const outcome = a.outcome === 'promoted' ? chalk.green('promoted') : chalk.red(`refused at ${a.stage ?? '?'}`);
      lines.push(`    attempt ${a.attempt + 1}: ${where} ${outcome}  ${chalk.dim(a.summary)}`);
    }
  }
  for (const [role, usage] of Object.entries(summary.usage)) {
    if (usage.exchanges === 0) continue;
    lines.push(
      `  ${role}: ${usage.exchanges} requests, ${usage.usage.input} in / ${usage.usage.output} out, ${formatCost(usage.costUsd)}`,
    );
  }
  if (summary.stopped !== null) lines.push(chalk.yellow(`  stopped: ${summary.stopped}`));
  lines.push(formatPromoted(summary.promoted), '');
  return `${lines.join('\n')}\n`;
}
