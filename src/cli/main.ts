import { Command, CommanderError } from 'commander';
import { readEngineVersion } from '../version.js';
import { exitCodeFor, formatError } from './format-error.js';

type Register = (program: Command) => void;

/**
 * Each command lives in its own file under src/cli/ and exports `register(program)`.
 * They are loaded lazily so `cambrian --help` stays fast and one broken command cannot break the others.
 */
const COMMAND_FILES = [
  './spec.js',
  './parse.js',
  './rig.js',
  './reproduce.js',
  './supervise.js',
  './diff.js',
  './lineage.js',
  './stats.js',
  './campaign.js',
  './report.js',
];

export async function runCli(argv: string[]): Promise<number> {
  const program = new Command('cambrian')
    .description('A reproduction engine for code: the spec is the genome, the code is disposable.')
    .version(readEngineVersion(), '-V, --version')
    .exitOverride()
    .showHelpAfterError();
  for (const file of COMMAND_FILES) {
    let mod: { register?: Register };
    try {
      mod = (await import(file)) as { register?: Register };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && String(error).includes(file.slice(2))) {
        continue;
      }
      throw error;
    }
    mod.register?.(program);
  }
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
