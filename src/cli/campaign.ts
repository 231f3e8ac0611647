import chalk from 'chalk';
import type { Command } from 'commander';
import type { CampaignFile } from '../campaign/campaign-store.js';
import { formatCampaignSummary } from '../campaign/format-campaign-summary.js';
import { runCampaign } from '../campaign/run-campaign.js';
import { UsageError } from '../errors.js';
import { addProviderOptions, type ProviderFlags, resolveRoles } from '../gateway/roles.js';
import { createProgressDescriber } from '../supervisor/describe-progress.js';
import { addRunOptions, type RunFlags, readRunOptions, wholeNumber } from './run-options.js';
import { runToSummary } from './run-to-summary.js';

interface CampaignFlags extends ProviderFlags, RunFlags {
  spec?: string;
  length?: string;
  lanes?: string;
  prime?: string;
  resume?: string;
  json?: boolean;
}

export function register(program: Command): void {
  const command = program
    .command('campaign')
    .description('N generation attempts against one spec version, summarized (viability, first-try rate, tokens, cost)')
    .option('--spec <ref>', 'the spec to reproduce: id, id@version, path, or gen-N')
    .option('--length <n>', 'generation attempts (promoted and failed ones both count)')
    .option('--lanes <k>', 'attempts at once, each Prime in its own sandbox (default 1)')
    .option('--prime <gen-N>', 'run this promoted generation as the Prime (default gen-0)')
    .option('--resume <id>', 'continue a stopped campaign without losing or repeating attempts')
    .option('--json', 'print the campaign (with its summary) as one JSON document on stdout');
  addRunOptions(command, {
    faults: 'exemplar faults for each Prime run of the campaign (see `reproduce --help`)',
    budget: 'token budget of each run',
    verbose: "show the Primes' own output",
  });
  addProviderOptions(command).action(async (flags: CampaignFlags) => {
    process.exitCode = await campaignCommand(flags);
  });
}

async function campaignCommand(flags: CampaignFlags): Promise<number> {
  if (flags.resume === undefined && (flags.spec === undefined || flags.length === undefined))
    throw new UsageError('campaign needs --spec <ref> and --length N', 'or --resume <campaign-id> to continue one');
  const length = wholeNumber('--length', flags.length, 1);
  const lanes = wholeNumber('--lanes', flags.lanes, 1);
  const runOptions = readRunOptions(flags);
  const roles = resolveRoles({ flags, env: process.env });
  const many = (lanes ?? 1) > 1;
  const describers = new Map<number, ReturnType<typeof createProgressDescriber>>();
  const say = (line: string): void => {
    process.stderr.write(`${line}\n`);
  };
  return runToSummary({
    stopping: 'stopping the campaign (finished attempts are kept; --resume continues it)…',
    run: (signal) =>
      runCampaign({
        ...(flags.spec === undefined ? {} : { spec: flags.spec }),
        ...(length === undefined ? {} : { length }),
        ...(lanes === undefined ? {} : { lanes }),
        ...(flags.prime === undefined ? {} : { prime: flags.prime }),
        ...(flags.resume === undefined ? {} : { resume: flags.resume }),
        ...runOptions,
        roles,
        signal,
        onEvent: (event) => {
          switch (event.type) {
            case 'begin':
              say(
                chalk.bold(
                  `campaign ${event.campaign.id}: ${event.campaign.spec.id}@${event.campaign.spec.version}, ${event.campaign.length} attempts${event.resumed ? ` (resumed at ${event.done})` : ''}, ${event.campaign.lanes} lane${event.campaign.lanes === 1 ? '' : 's'}`,
                ),
              );
              return;
            case 'recovered':
              say(`recovered ${event.report.recovered.length} undecided generation(s) of an earlier run`);
              return;
            case 'run-start':
              say(`▸ lane ${event.lane}: a Prime run of up to ${event.attempts} attempt(s)`);
              return;
            case 'run-end':
              say(
                `▸ lane ${event.lane}: run ${event.summary.run} ended (${event.summary.generations.length} spawned, ${event.summary.promoted.length} promoted); ${event.done}/${event.length} attempts`,
              );
              return;
            case 'reproduce': {
              if (event.event.type === 'info' && describers.size > 0) return;
              let describe = describers.get(event.lane);
              if (describe === undefined) {
                describe = createProgressDescriber({ verbose: flags.verbose === true });
                describers.set(event.lane, describe);
              }
              const { line } = describe(event.event);
              if (line !== undefined) say(many ? `${chalk.dim(`[${event.lane}]`)} ${line}` : line);
            }
          }
        },
      }),
    json: flags.json === true,
    document: (result) => result.campaign,
    format: (result) => formatCampaign(result.campaign),
  });
}

function formatCampaign(campaign: CampaignFile): string {
  const state =
    campaign.status === 'complete'
      ? chalk.green('complete')
      : chalk.red(`${campaign.status}${campaign.reason === null ? '' : `: ${campaign.reason}`}`);
  const resume = campaign.status === 'stopped' ? `resume with: cambrian campaign --resume ${campaign.id}\n` : '';
  return `\n${chalk.bold(`campaign ${campaign.id}`)} ${campaign.spec.id}@${campaign.spec.version} ${state}\n${campaign.summary === null ? '' : formatCampaignSummary(campaign.summary)}${resume}`;
}
