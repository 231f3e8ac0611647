import { Command, CommanderError } from 'commander';
import { readEngineVersion } from '../version.js';
import * as archive from './archive.js';
import * as campaign from './campaign.js';
import * as change from './change.js';
import * as diff from './diff.js';
import * as evolve from './evolve.js';
import { exitCodeFor, formatError } from './format-error.js';
import * as lineage from './lineage.js';
import * as parse from './parse.js';
import * as programCommand from './program.js';
import * as report from './report.js';
import * as reproduce from './reproduce.js';
import * as rig from './rig.js';
import * as sandbox from './sandbox.js';
import * as spec from './spec.js';
import * as stats from './stats.js';
import * as supervise from './supervise.js';
import * as worker from './worker.js';

/** Each command lives in its own file under src/cli/ and exports `register(program)`. */
const COMMANDS = [
  spec,
  parse,
  rig,
  reproduce,
  supervise,
  diff,
  lineage,
  stats,
  campaign,
  report,
  programCommand,
  change,
  sandbox,
  worker,
  archive,
  evolve,
];

export async function runCli(argv: string[]): Promise<number> {
  const program = new Command('cambrian')
    .description('A reproduction engine for code: the spec is the genome, the code is disposable.')
    .version(readEngineVersion(), '-V, --version')
    .exitOverride()
    .showHelpAfterError();
  for (const command of COMMANDS) command.register(program);
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // help and version are "errors" to commander; they already printed.
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.exitCode === 0) {
        return 0;
      }
      return 2;
    }
    process.stderr.write(`${formatError(error)}\n`);
    return exitCodeFor(error);
  }
}
