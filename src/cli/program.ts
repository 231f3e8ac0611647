import chalk from 'chalk';
import type { Command } from 'commander';
import { loadProgram, ProgramError } from '../change/load-program.js';

/** `cambrian program check FILE`: validates a program.md (docs/program-format.md) without running anything. */
export function register(program: Command): void {
  const command = program.command('program').description('check program.md files (the task of a directed change)');
  command
    .command('check <file>')
    .description('validate a program.md; exit 1 with every problem as file:line when it is invalid')
    .option('--json', 'print {ok, program?, issues?} as one JSON document')
    .action(async (file: string, options: { json?: boolean }) => {
      try {
        const { program: parsed } = await loadProgram(file);
        if (options.json === true) {
          process.stdout.write(`${JSON.stringify({ ok: true, program: parsed }, null, 2)}\n`);
          return;
        }
        process.stdout.write(
          `${chalk.green('ok')} ${file}: ${parsed.title}\n   spec ${parsed.spec ?? "(the parent's)"}, ${parsed.files.length} files, ${parsed.acceptance.length} acceptance criteria, ${parsed.constraints.length} constraints, ${parsed.hash}\n`,
        );
      } catch (error) {
        if (!(error instanceof ProgramError)) throw error;
        process.exitCode = error.exitCode;
        if (options.json === true) {
          process.stdout.write(`${JSON.stringify({ ok: false, issues: error.issues }, null, 2)}\n`);
          return;
        }
        for (const issue of error.issues)
          process.stderr.write(`${chalk.red('error')} ${file}:${issue.line}: ${issue.message}\n`);
      }
    });
}
