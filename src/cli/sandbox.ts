import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { buildRigImage } from '../rig/sandbox/build-rig-image.js';
import { isContainerEngine } from '../rig/sandbox/container-engine.js';
import { runSandboxDoctor } from '../rig/sandbox/sandbox-doctor.js';

/** `cambrian sandbox image|doctor`: build the container backends' image offline, and see what each backend enforces. */
export function register(program: Command): void {
  const sandbox = program
    .command('sandbox')
    .description("the rig's sandbox backends: build the container image, check each backend");
  sandbox
    .command('image')
    .description(
      "build the rig's container image offline (Debian minbase from apt's mirror + this Node), tagged by its inputs' hash",
    )
    .option('--engine <engine>', 'docker|podman', 'docker')
    .option('--if-stale', 'do nothing when the engine already has the image for the current inputs')
    .action(async (flags: { engine: string; ifStale?: boolean }) => {
      if (!isContainerEngine(flags.engine)) {
        throw new UsageError(`unknown engine "${flags.engine}"`, 'use --engine docker or --engine podman');
      }
      const tag = await buildRigImage({
        engine: flags.engine,
        ifStale: flags.ifStale === true,
        log: (line) => process.stderr.write(`image: ${line}\n`),
      });
      process.stdout.write(`${tag}\n`);
    });
  sandbox
    .command('doctor')
    .description('check every backend here: available, start time, what it enforces, and the fix for what it cannot')
    .option('--json', 'print the reports as JSON')
    .action(async (flags: { json?: boolean }) => {
      const reports = await runSandboxDoctor();
      if (flags.json === true) {
        process.stdout.write(`${JSON.stringify(reports, null, 2)}\n`);
        return;
      }
      for (const report of reports) {
        if (!report.available) {
          process.stdout.write(`${report.backend}: unavailable: ${report.problem}\n  fix: ${report.fix ?? '-'}\n`);
          continue;
        }
        process.stdout.write(`${report.backend}: works, start ${report.startMs} ms\n`);
        for (const [what, yes] of Object.entries(report.enforced ?? {})) {
          process.stdout.write(`  ${yes ? 'yes' : 'NO '} ${what}\n`);
        }
      }
    });
}
