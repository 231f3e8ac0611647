import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { renderReport } from '../rig/render-report.js';
import { runRigDetailed } from '../rig/run-rig.js';
import { detectSandbox, isSandboxRequest, SANDBOX_KINDS } from '../rig/sandbox/detect-sandbox.js';
import { loadSpec } from '../spec/load-spec.js';
import type { Spec } from '../spec/parse-spec.js';

interface RigFlags {
  spec?: string;
  sandbox: string;
  json?: boolean;
  keep?: boolean;
}

async function resolveSpec(artifactDir: string, ref: string | undefined): Promise<Spec> {
  if (ref !== undefined) return loadSpec(ref);
  let named: { id?: unknown; version?: unknown } = {};
  try {
    const manifest = JSON.parse(await readFile(path.join(artifactDir, 'manifest.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    named = { id: manifest['spec-id'], version: manifest['spec-version'] };
  } catch {
    // handled below
  }
  if (typeof named.id !== 'string' || typeof named.version !== 'string') {
    throw new UsageError(
      `cannot tell which spec judges ${artifactDir}: its manifest.json does not name spec-id and spec-version`,
      'pass the trusted spec with --spec <id|id@version|path>',
    );
  }
  // Always the engine's own copy of that version, never the artifact's.
  return loadSpec(`${named.id}@${named.version}`);
}

function shouldColor(): boolean {
  return process.stdout.isTTY === true && process.env.NO_COLOR === undefined;
}

/** `cambrian rig <artifact-dir>`: judge one artifact in the sandbox and print its viability report. */
export function register(program: Command): void {
  program
    .command('rig <artifact-dir>')
    .description(
      'run the test rig on an artifact: manifest, build, test, start, health, reproduce; exit 0 viable, 1 non-viable',
    )
    .option(
      '--spec <ref>',
      "the trusted spec (id, id@version or path); default: the manifest's spec-id@spec-version from spec/",
    )
    .option('--sandbox <kind>', `sandbox backend: ${SANDBOX_KINDS.join('|')}`, 'auto')
    .option('--json', 'print the viability report as one JSON document')
    .option('--keep', 'keep the working copy (with viability-report.json) and print its path on stderr')
    .action(async (artifactDir: string, flags: RigFlags) => {
      if (!isSandboxRequest(flags.sandbox)) {
        throw new UsageError(`unknown sandbox "${flags.sandbox}"`, `use one of ${SANDBOX_KINDS.join(', ')}`);
      }
      const dir = path.resolve(artifactDir);
      const isDir = await stat(dir)
        .then((s) => s.isDirectory())
        .catch(() => false);
      if (!isDir)
        throw new UsageError(
          `${artifactDir} is not a folder`,
          'pass the folder of an artifact (it holds manifest.json)',
        );
      const spec = await resolveSpec(dir, flags.spec);
      const sandbox = await detectSandbox(flags.sandbox);
      if (sandbox.warning !== null) process.stderr.write(`warning: ${sandbox.warning}\n`);

      // Ctrl-C or a TERM ends the sandboxed tree before the rig exits.
      const controller = new AbortController();
      const onSignal = (): void => controller.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        const progress = flags.json !== true && process.stderr.isTTY === true;
        const { report, keptDir } = await runRigDetailed({
          artifactDir: dir,
          spec,
          sandbox,
          keep: flags.keep === true,
          signal: controller.signal,
          onStage: (stage, check) => {
            if (progress)
              process.stderr.write(`  ${stage} ${check.passed ? 'passed' : 'failed'} (${check.duration_ms} ms)\n`);
          },
        });
        if (flags.json === true) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        else process.stdout.write(renderReport(report, { color: shouldColor() }));
        if (keptDir !== null) process.stderr.write(`kept: ${keptDir}\n`);
        process.exitCode = controller.signal.aborted ? 130 : report.status === 'viable' ? 0 : 1;
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}
