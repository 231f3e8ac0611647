import path from 'node:path';
import type { Command } from 'commander';
import { loadLineageData } from '../campaign/load-lineage-data.js';
import { writeReport } from '../report/write-report.js';

/** `cambrian report [--out FILE]`: the lineage as one self-contained HTML page. */
export function register(program: Command): void {
  program
    .command('report')
    .description('write the lineage as one self-contained HTML page (graph, per-generation details and diffs, charts)')
    .option('--out <file>', 'where to write it (default ./cambrian-report.html)')
    .option('--generations <dir>', 'generations dir (default ./generations, env CAMBRIAN_ARTIFACTS_ROOT)')
    .option('--json', 'print {file, bytes, generations, evolveRuns} as one JSON document')
    .action(async (options: { out?: string; generations?: string; json?: boolean }) => {
      const data = await loadLineageData({ generationsDir: options.generations });
      const out = options.out ?? path.resolve('cambrian-report.html');
      const written = await writeReport({ data, out });
      if (options.json === true) process.stdout.write(`${JSON.stringify(written, null, 2)}\n`);
      else
        process.stderr.write(
          `report: ${written.file} (${written.generations} generations, ${written.evolveRuns} evolve runs, ${written.bytes} bytes)\n`,
        );
    });
}
