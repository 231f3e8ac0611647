import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { listArtifactFiles } from '../artifact/list-artifact-files.js';
import { writeRunStart } from '../campaign/run-start-file.js';
import { CambrianError, UsageError } from '../errors.js';
import { BackendError } from '../gateway/backend.js';
import { createChangeExemplarBackend } from '../gateway/backends/exemplar-change.js';
import { parseFaults } from '../gateway/backends/exemplar-faults.js';
import { openRunRig } from '../queue/open-run-rig.js';
import type { RigQueueConnection } from '../queue/read-rig-queue-url.js';
import { detectSandbox } from '../rig/sandbox/detect-sandbox.js';
import type { SandboxRequest } from '../rig/sandbox/sandbox-types.js';
import { loadSpec } from '../spec/load-spec.js';
import { acquireLock } from '../supervisor/acquire-lock.js';
import type { RunRig } from '../supervisor/create-supervisor.js';
import { resolveGenerationsDir } from '../supervisor/lineage-paths.js';
import { openLineage } from '../supervisor/open-lineage.js';
import { writeFileAtomic } from '../supervisor/write-file-atomic.js';
import { BudgetSpentError, createRoleLedger, type RoleUsage } from './call-role.js';
import { CHANGE_ROLES, type ChangeRoles, createChangeBackend, roleModel } from './change-roles.js';
import { chooseParent, specIdOf } from './choose-parent.js';
import { loadProgram } from './load-program.js';
import { type DirectedChangeResult, makeDirectedChange } from './make-directed-change.js';
import type { Program } from './program-schema.js';
import { describeHistory, reflectProgram } from './reflect-program.js';

export interface ChangeSessionOptions {
  roles: ChangeRoles;
  /** program.md to carry out; without it, `reflect` writes each program. */
  programFile?: string;
  reflect?: boolean;
  priorities?: string;
  /** Directed changes to run (default 1). */
  loop?: number;
  /** Stop after this many directed changes in a row end without a promotion (default 3). */
  maxFailures?: number;
  from?: string;
  /** The spec of a reflect loop without --from (default: gen-0's). */
  spec?: string;
  maxRetries?: number;
  generationsDir?: string;
  faults?: string;
  budget?: number | null;
  sandbox?: SandboxRequest;
  runRig?: RunRig;
  /** Judge each changed artifact on `cambrian worker`s through this Redis queue (docs/scale-out.md). */
  rigQueue?: RigQueueConnection;
  wait?: boolean;
  onInfo?: (message: string) => void;
  signal?: AbortSignal;
}

export interface ChangeSessionSummary {
  'cambrian-change-session': 1;
  session: string;
  generationsDir: string;
  changes: DirectedChangeResult[];
  promoted: number[];
  usage: Record<string, RoleUsage>;
  stopped: string | null;
  exitCode: 0 | 1;
}

/**
 * `cambrian change`: takes the lineage lock, then runs one directed change (or `--loop N` of them, each from the
 * newest promoted result, reflect writing each program) until N are done, N in a row fail, the budget is spent or
 * the signal stops it. The lineage is the loop's state, so running it again resumes where it stopped.
 */
export async function runChangeSession(options: ChangeSessionOptions): Promise<ChangeSessionSummary> {
  const info = options.onInfo ?? (() => {});
  const loop = options.loop ?? 1;
  if (options.programFile === undefined && options.reflect !== true) {
    throw new UsageError(
      'cambrian change needs --program FILE or --reflect',
      'e.g. --program examples/programs/prime-backoff-tests.md',
    );
  }
  if (options.programFile !== undefined && (options.reflect === true || loop > 1)) {
    throw new UsageError(
      '--program runs one given change; --loop and --reflect let reflect write each program',
      'drop --program, or --loop/--reflect',
    );
  }
  const given = options.programFile === undefined ? null : await loadProgram(options.programFile);
  const generationsDir = resolveGenerationsDir(options.generationsDir);
  const session = `change-${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '')}-${randomBytes(3).toString('hex')}`;
  const faults = parseFaults(options.faults);
  const exemplar = createChangeExemplarBackend({
    faults,
    onFault: (f) => info(`fault injected: ${f.kind} (${f.purpose})`),
  });
  const backend = createChangeBackend({ roles: options.roles, exemplar });
  const offline = CHANGE_ROLES.every((role) => ['exemplar', 'replay'].includes(options.roles[role].provider));
  const ledger = createRoleLedger({ ...(offline ? { price: () => 0 } : {}), budget: options.budget ?? null });
  const sandbox = await detectSandbox(options.sandbox ?? 'auto');
  if (sandbox.warning !== null) info(sandbox.warning);
  // Opened before the lock: an unreachable queue stops the session before anything is asked of a model. A queue
  // that cannot judge by our rules stops the current change; its generation is closed undecided and we throw.
  const rig = await openRunRig({
    ...(options.rigQueue === undefined ? {} : { rigQueue: options.rigQueue }),
    ...(options.runRig === undefined ? {} : { runRig: options.runRig }),
    onInfo: info,
  });
  const signal = AbortSignal.any([options.signal ?? new AbortController().signal, rig.stopSignal]);
  await mkdir(generationsDir, { recursive: true });
  const lock = await acquireLock({
    file: path.join(generationsDir, '.cambrian', 'lock'),
    run: session,
    ...(options.wait === undefined ? {} : { wait: options.wait }),
    signal,
  }).catch(async (error: unknown) => {
    await rig.close();
    throw error;
  });
  const workRoot = await mkdtemp(path.join(os.tmpdir(), 'cambrian-change-'));
  const summary: ChangeSessionSummary = {
    'cambrian-change-session': 1,
    session,
    generationsDir,
    changes: [],
    promoted: [],
    usage: {},
    stopped: null,
    exitCode: 1,
  };
  try {
    const lineage = await openLineage({ generationsDir, run: session, recover: true });
    // Whether this session's tokens cost anything: the records of its generations are priced by it (offline: $0).
    await writeRunStart(lineage.paths, {
      run: session,
      campaign: null,
      started: new Date().toISOString(),
      billed: !offline,
    });
    let failuresInARow = 0;
    let loopSpec: string | null = null;
    for (let index = 0; index < loop; index += 1) {
      if (signal.aborted) {
        summary.stopped = stopReason(signal.reason, signal);
        break;
      }
      // The first change may start from --from; every later one from the newest promoted result of the same spec.
      const fromRef = index === 0 ? options.from : undefined;
      const specId =
        fromRef !== undefined
          ? null
          : (loopSpec ?? given?.program.spec ?? options.spec ?? (await specIdOf(lineage, 0)));
      const parent = await chooseParent({ lineage, ...(fromRef === undefined ? {} : { from: fromRef }), specId });
      const spec = await loadSpec(`gen-${parent}`, { generationsDir });
      loopSpec = spec.id;
      let chosen: { program: Program; text: string };
      try {
        chosen =
          given ??
          (await reflectProgram({
            backend,
            model: roleModel(options.roles.reflect),
            priorities: options.priorities ?? '',
            history: describeHistory(await lineage.records.list(), spec.id),
            specId: spec.id,
            parent,
            files: await listArtifactFiles(path.join(lineage.paths.root, `gen-${parent}`)),
            ledger,
            signal,
          }));
      } catch (error) {
        const stopped = stopReason(error, signal);
        if (stopped !== null) {
          summary.stopped = stopped;
          break;
        }
        throw describeBackendError(error, 'reflect');
      }
      if (chosen.program.spec !== null && chosen.program.spec !== spec.id) {
        throw new UsageError(
          `the program is for ${chosen.program.spec}, but gen-${parent} carries ${spec.id}`,
          'pass --from a generation of that spec',
        );
      }
      const programFile = path.join(
        '.cambrian',
        'programs',
        `${chosen.program.hash.slice('sha256:'.length, 'sha256:'.length + 16)}.md`,
      );
      if (!existsSync(path.join(generationsDir, programFile))) {
        await mkdir(path.join(generationsDir, '.cambrian', 'programs'), { recursive: true });
        await writeFileAtomic(path.join(generationsDir, programFile), chosen.text);
      }
      info(
        `directed change ${index + 1}/${loop}: "${chosen.program.title}" on gen-${parent} (${spec.id}@${spec.version})`,
      );
      const workspace = path.join(workRoot, `change-${index}`);
      await mkdir(workspace);
      let result: DirectedChangeResult;
      try {
        result = await makeDirectedChange({
          change: `${session}#${index + 1}`,
          lineage,
          spec,
          parent,
          program: chosen.program,
          programText: chosen.text,
          programFile,
          backend,
          models: { change: roleModel(options.roles.change), review: roleModel(options.roles.review) },
          ledger,
          maxRetries: options.maxRetries ?? 3,
          sandbox,
          runRig: rig.runRig,
          ...rig.supervisorOptions,
          workspace,
          run: session,
          onInfo: info,
          signal,
        });
      } catch (error) {
        const rigStopError = rig.stopError();
        if (rigStopError !== null) throw rigStopError;
        const stopped = stopReason(error, signal);
        if (stopped !== null) {
          summary.stopped = stopped;
          break;
        }
        throw describeBackendError(error, 'change');
      }
      summary.changes.push(result);
      if (result.promoted !== null) {
        summary.promoted.push(result.promoted);
        failuresInARow = 0;
      } else {
        failuresInARow += 1;
        if (failuresInARow >= (options.maxFailures ?? 3)) {
          summary.stopped = `${failuresInARow} directed changes in a row ended without a promotion`;
          break;
        }
      }
    }
    summary.usage = ledger.byRole();
    // 0 only when every change asked for ran and was promoted: a stop (budget, Ctrl-C) or a refusal is not success.
    summary.exitCode =
      summary.stopped === null && summary.changes.length === loop && summary.changes.every((c) => c.promoted !== null)
        ? 0
        : 1;
    await mkdir(path.join(lineage.paths.state, 'changes'), { recursive: true });
    await writeFileAtomic(
      path.join(lineage.paths.state, 'changes', `${session}.json`),
      `${JSON.stringify(summary, null, 2)}\n`,
    );
    return summary;
  } finally {
    await rm(workRoot, { recursive: true, force: true }).catch(() => {});
    await lock.release().catch(() => {});
    await rig.close();
  }
}

/**
 * Why the loop stops instead of failing: the budget is spent, or the signal (Ctrl-C) ended the current step, whose
 * generation the Supervisor closed as undecided, so a rerun starts from the newest promoted result. Null otherwise.
 */
function stopReason(error: unknown, signal: AbortSignal): string | null {
  if (error instanceof BudgetSpentError) return error.message;
  if (signal.aborted) return `stopped by ${String(signal.reason)}; run the same command again to go on`;
  return null;
}

/** A provider's refusal becomes one line naming the role; anything else is passed on. */
function describeBackendError(error: unknown, role: string): unknown {
  if (!(error instanceof BackendError)) return error;
  return new CambrianError({
    code: 'E_PROVIDER',
    message: `the ${role} role's provider answered ${error.status} (${error.type}): ${error.message}`,
    hint: 'check the provider flags and CAMBRIAN_<ROLE>_* variables, or run offline with --provider exemplar',
    exitCode: 2,
  });
}

/** Reads `--priorities`: a file when one exists at that path, else the text itself. */
export async function readPriorities(value: string | undefined): Promise<string> {
  if (value === undefined) return '';
  return existsSync(value) ? readFile(value, 'utf8') : value;
}
