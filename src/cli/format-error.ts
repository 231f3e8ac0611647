import chalk from 'chalk';
import { CambrianError } from '../errors.js';

/** Known errors become one line plus a hint; unknown ones keep their stack so they can be reported. */
export function formatError(error: unknown): string {
  if (error instanceof CambrianError) {
    const head = `${chalk.red('error')} ${chalk.dim(`[${error.code}]`)} ${error.message}`;
    return error.hint === undefined ? head : `${head}\n${chalk.yellow('hint')} ${error.hint}`;
  }
  if (error instanceof Error) {
    return `${chalk.red('unexpected error')} ${error.stack ?? error.message}`;
  }
  return `${chalk.red('unexpected error')} ${String(error)}`;
}

export function exitCodeFor(error: unknown): number {
  return error instanceof CambrianError ? error.exitCode : 2;
}
