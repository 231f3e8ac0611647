import { mkdir, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { createExemplarBackend } from '../gateway/backends/exemplar.js';
import { startGateway } from '../gateway/create-gateway.js';
import { createRunBackend } from '../gateway/provider-backend.js';
import { addProviderOptions, type ProviderFlags, primeModels, resolveRoles } from '../gateway/roles.js';
import { runRig } from '../rig/run-rig.js';
import { detectSandbox } from '../rig/sandbox/detect-sandbox.js';
import type { SandboxRequest } from '../rig/sandbox/sandbox-types.js';
import { loadSpec } from '../spec/load-spec.js';
import { acquireLock } from '../supervisor/acquire-lock.js';
import { startSupervisor } from '../supervisor/create-supervisor.js';
import { createProgressDescriber } from '../supervisor/describe-progress.js';
import { resolveGenerationsDir } from '../supervisor/lineage-paths.js';
import { openLineage } from '../supervisor/open-lineage.js';
import { assertRunnablePrime, parsePrimeRef } from '../supervisor/prepare-prime.js';

interface SuperviseFlags extends ProviderFlags {
  spec: string;
  prime?: string;
  generations?: string;
  workspace?: string;
  faults?: string;
  sandbox?: string;
}

/**
 * `cambrian supervise`: the Supervisor and the gateway without a Prime, for running a Prime by hand (debugging one).
 * Prints the environment to start it with; Ctrl-C closes what is undecided and releases the lock.
 */
export function register(program: Command): void {
  const command = program
    .command('supervise')
    .description('Serve the Supervisor API and the LLM gateway for a Prime you start yourself (prints its environment)')
    .requiredOption('--spec <ref>', 'the spec the Prime reproduces')
    .option('--prime <gen-N>', 'the Prime whose files the exemplar replies with (default gen-0)')
    .option('--generations <dir>', 'generations dir (default ./generations, env CAMBRIAN_ARTIFACTS_ROOT)')
    .option('--workspace <dir>', "the Prime's workspace (default a new temporary folder)")
    .option('--faults <list>', 'exemplar faults, as for reproduce')
    .option('--sandbox <kind>', 'sandbox of the rig: auto, bwrap, docker, podman, none');
  addProviderOptions(command).action(async (flags: SuperviseFlags) => {
    const generationsDir = resolveGenerationsDir(flags.generations);
    const run = `supervise-${Date.now()}`;
    const spec = await loadSpec(flags.spec, { generationsDir });
    const roles = resolveRoles({ flags, env: process.env });
    const sandbox = await detectSandbox((flags.sandbox ?? 'auto') as SandboxRequest);
    const primeGeneration = parsePrimeRef(flags.prime);
    await mkdir(generationsDir, { recursive: true });
    const lock = await acquireLock({ file: path.join(generationsDir, '.cambrian', 'lock'), run });
    try {
      const lineage = await openLineage({ generationsDir, run, recover: true });
      await assertRunnablePrime({ lineage, generation: primeGeneration });
      const workspace = path.resolve(flags.workspace ?? (await mkdtemp(path.join(os.tmpdir(), 'cambrian-workspace-'))));
      await mkdir(workspace, { recursive: true });
      const describe = createProgressDescriber();
      const print = (line: string | undefined): void => {
        if (line !== undefined) process.stderr.write(`${line}\n`);
      };
      const exemplar = await createExemplarBackend({
        sealedPrimeDir: path.join(lineage.paths.root, `gen-${primeGeneration}`),
        ...(flags.faults === undefined ? {} : { faults: flags.faults }),
        onFault: (fault) => print(describe({ type: 'fault', ...fault }).line),
      });
      const gateway = await startGateway({
        backend: createRunBackend({ roles, exemplar }),
        onEvent: (event) => print(describe({ type: 'gateway', event }).line),
      });
      const supervisor = await startSupervisor({
        lineage,
        spec,
        workspaceDir: workspace,
        run,
        primeGeneration,
        sandbox,
        runRig,
        onEvent: (event) => print(describe({ type: 'supervisor', event }).line),
      });
      const models = primeModels(roles);
      process.stdout.write(
        [
          `CAMBRIAN_SUPERVISOR_URL=${supervisor.url}`,
          `ANTHROPIC_BASE_URL=${gateway.url}`,
          `ANTHROPIC_API_KEY=${gateway.token}`,
          `CAMBRIAN_GENERATION=${primeGeneration}`,
          `CAMBRIAN_SPEC_PATH=${spec.path}`,
          `CAMBRIAN_WORKSPACE=${workspace}`,
          `CAMBRIAN_MODEL=${models.model}`,
          `CAMBRIAN_ESCALATION_MODEL=${models.escalationModel}`,
          '',
        ].join('\n'),
      );
      process.stderr.write('cambrian: serving; start a Prime with the environment above, Ctrl-C to stop\n');
      await new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      });
      await supervisor.settle('cambrian supervise stopped');
      await supervisor.close();
      await gateway.close();
    } finally {
      await lock.release();
    }
  });
}
