import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { buildArchive } from '../evolve/build-archive.js';
import { readLog } from '../evolve/evolve-log.js';
import { lineagePaths, resolveGenerationsDir } from '../supervisor/lineage-paths.js';
import { describeEntry } from './evolve.js';

/** `cambrian archive`: the MAP-Elites archive of an evolve run (the latest unless --run), one elite per cell. */
export function register(program: Command): void {
  program
    .command('archive')
    .description('the MAP-Elites archive of an evolve run: one elite per behaviour cell, with ancestry')
    .option('--run <id>', 'the evolve run (default: the latest)')
    .option('--generations <dir>', 'generations dir whose .cambrian/evolve keeps the runs')
    .option('--json', 'print the archive as JSON')
    .action(async (flags: { run?: string; generations?: string; json?: boolean }) => {
      const root = path.join(lineagePaths(resolveGenerationsDir(flags.generations)).state, 'evolve');
      const runs = (await readdir(root).catch(() => [] as string[])).sort();
      const run = flags.run ?? runs.at(-1);
      if (run === undefined || !runs.includes(run))
        throw new UsageError(`no evolve run ${run ?? ''} in ${root}`, 'start one with cambrian evolve');
      const entries = await readLog(path.join(root, run, 'log.jsonl'));
      const archive = buildArchive(entries);
      // The meta-monitor's decisions read the archive: they are shown with it.
      const monitor = entries.filter((entry) => entry.type === 'monitor');
      if (flags.json === true) {
        process.stdout.write(`${JSON.stringify({ run, ...archive, monitor }, null, 2)}\n`);
        return;
      }
      process.stdout.write(`archive of ${run}: ${archive.elites.length} cells, ${archive.members.length} versions\n`);
      for (const e of archive.elites)
        process.stdout.write(
          `  ${e.cell.padEnd(24)} ${e.version.padEnd(10)} ${e.viable}/${e.attempts} viable (mean ${(e.mean * 100).toFixed(0)} %), ${Math.round(e.tokensPerAttempt)} tokens/attempt, from ${e.parentVersion ?? '(start)'}\n`,
        );
      if (monitor.length > 0) process.stdout.write('meta-monitor:\n');
      for (const entry of monitor) process.stdout.write(`  ${describeEntry(entry)}\n`);
    });
}
