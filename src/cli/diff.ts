import chalk from 'chalk';
import type { Command } from 'commander';
import { diffGenerations, parseGenerationRef } from '../supervisor/diff-generations.js';
import { resolveGenerationsDir } from '../supervisor/lineage-paths.js';

export function register(program: Command): void {
  program
    .command('diff')
    .description('What changed between two generations, file by file, with a unified diff')
    .argument('<gen-a>', 'the older generation (gen-N)')
    .argument('<gen-b>', 'the newer generation (gen-N)')
    .option('--generations <dir>', 'generations dir (default ./generations, env CAMBRIAN_ARTIFACTS_ROOT)')
    .option('--stat', 'only the file list, no unified diff')
    .option('--json', 'print one JSON document on stdout')
    .action(async (a: string, b: string, flags: { generations?: string; stat?: boolean; json?: boolean }) => {
      const diff = await diffGenerations({
        generationsDir: resolveGenerationsDir(flags.generations),
        from: parseGenerationRef(a),
        to: parseGenerationRef(b),
      });
      if (flags.json === true) {
        process.stdout.write(`${JSON.stringify(diff, null, 2)}\n`);
        return;
      }
      const marks = {
        added: chalk.green('A'),
        deleted: chalk.red('D'),
        modified: chalk.yellow('M'),
        renamed: chalk.cyan('R'),
      };
      const lines = [
        `gen-${diff.from} → gen-${diff.to}: ${diff.files.length} files changed, +${diff.additions} -${diff.deletions} (from ${diff.source === 'git' ? 'the lineage git' : 'the folders'})`,
      ];
      for (const file of diff.files) {
        const name = file.oldPath === null ? file.path : `${file.oldPath} → ${file.path}`;
        lines.push(
          `  ${marks[file.status]} ${name}  ${file.binary ? 'binary' : `+${file.additions} -${file.deletions}`}`,
        );
      }
      process.stdout.write(`${lines.join('\n')}\n`);
      if (flags.stat !== true && diff.patch !== '') process.stdout.write(`\n${colorPatch(diff.patch)}`);
    });
}

function colorPatch(patch: string): string {
  return patch
    .split('\n')
    .map((line) =>
      line.startsWith('+') && !line.startsWith('+++')
        ? chalk.green(line)
        : line.startsWith('-') && !line.startsWith('---')
          ? chalk.red(line)
          : line.startsWith('@@')
            ? chalk.cyan(line)
            : line,
    )
    .join('\n');
}
