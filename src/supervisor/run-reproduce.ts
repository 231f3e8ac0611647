import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TokenUsage } from '../artifact/manifest-schema.js';
import { writeRunStart } from '../campaign/run-start-file.js';
import { UsageError } from '../errors.js';
import type { Backend } from '../gateway/backend.js';
import { createExemplarBackend } from '../gateway/backends/exemplar.js';
import { parseFaults } from '../gateway/backends/exemplar-faults.js';
import { REPLAY_MISMATCH } from '../gateway/backends/replay.js';
import { type Gateway, startGateway } from '../gateway/create-gateway.js';
import { type GatewayEvent, ZERO_USAGE } from '../gateway/gateway-events.js';
import { createRunBackend } from '../gateway/provider-backend.js';
import { createSecretRedactor } from '../gateway/redact-secrets.js';
import { primeModels, type ResolvedRoles, resolveRoles } from '../gateway/roles.js';
import { isProcessAlive } from '../is-process-alive.js';
import type { QueuedRig } from '../queue/open-queued-rig.js';
import { openRunRig } from '../queue/open-run-rig.js';
import type { RigQueueConnection } from '../queue/read-rig-queue-url.js';
import { detectSandbox } from '../rig/sandbox/detect-sandbox.js';
import type { SandboxRequest } from '../rig/sandbox/sandbox-types.js';
import { loadSpec } from '../spec/load-spec.js';
import { acquireLock, type Lock } from './acquire-lock.js';
import { type RunRig, type Supervisor, startSupervisor } from './create-supervisor.js';
import { launchPrime, type PrimeEnding } from './launch-prime.js';
import { resolveGenerationsDir } from './lineage-paths.js';
import { openLineage } from './open-lineage.js';
import { assertRunnablePrime, parsePrimeRef, preparePrime } from './prepare-prime.js';
import type { RecoveryReport } from './recover-lineage.js';
import { describePrimeExit, type RunGeneration, type RunSummary } from './run-summary.js';
import type { SupervisorEvent } from './supervisor-events.js';
import { writeFileAtomic } from './write-file-atomic.js';

export interface ReproduceOptions {
  /** The target spec: id, id@version, path or gen-N. */
  spec: string;
  /** `gen-N` of a promoted generation; default gen-0. */
  prime?: string;
  /** Providers per role; default: resolved from the environment (no provider anywhere: the exemplar). */
  roles?: ResolvedRoles;
  /** A ready backend, used instead of `roles` (tests, benchmarks). */
  backend?: Backend;
  /** The Prime's models (CAMBRIAN_MODEL / CAMBRIAN_ESCALATION_MODEL); default from the roles. */
  model?: string;
  escalationModel?: string;
  maxGens?: number;
  maxRetries?: number;
  generationsDir?: string;
  /** Exemplar fault plan (`--faults`). */
  faults?: string;
  /** Landscape file the exemplar fails generations by (src/evolve/landscape.ts). */
  exemplarLandscape?: string;
  exemplarPaceMs?: number;
  /** Token budget of the run; default CAMBRIAN_TOKEN_BUDGET, else none. */
  budget?: number | null;
  sandbox?: SandboxRequest;
  campaign?: string | null;
  /** Wait for another run's lock instead of refusing. */
  wait?: boolean;
  /** Take the generations dir's lock and run start-up recovery (default true; a campaign holding it passes false). */
  lock?: boolean;
  /** Extra `CAMBRIAN_*` variables for the Prime (e.g. CAMBRIAN_MAX_TOKENS). */
  primeEnv?: Record<string, string>;
  /** Kill the Prime after this long (default 2 h). */
  primeTimeoutMs?: number;
  /** The rig to run on each spawned artifact; default src/rig/run-rig.ts. */
  runRig?: RunRig;
  /** Judge on `cambrian worker`s through this Redis queue instead of the local rig (docs/scale-out.md). */
  rigQueue?: RigQueueConnection;
  /** An open queue shared by a campaign's lanes (takes precedence over `rigQueue`). */
  queuedRig?: QueuedRig;
  onEvent?: (event: ReproduceEvent) => void;
  signal?: AbortSignal;
}

/** Everything a run does, in order, for live progress (the CLI prints these on stderr). */
export type ReproduceEvent =
  | { type: 'info'; message: string }
  | { type: 'warning'; message: string }
  | { type: 'phase'; phase: 'lock' | 'prepare' | 'build-prime' | 'run-prime' | 'settle'; detail: string }
  | { type: 'recovered'; report: RecoveryReport }
  | { type: 'gateway'; event: GatewayEvent }
  | { type: 'supervisor'; event: SupervisorEvent }
  | { type: 'fault'; kind: string; purpose: string; generation: number | null }
  | { type: 'prime-output'; stream: 'stdout' | 'stderr'; text: string };

function newRunId(): string {
  return `run-${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '')}-${randomBytes(3).toString('hex')}`;
}

function readBudget(value: number | null | undefined): number | null {
  if (value !== undefined) return value;
  const raw = process.env.CAMBRIAN_TOKEN_BUDGET;
  if (raw === undefined || raw === '') return null;
  if (!/^\d+$/.test(raw))
    throw new UsageError(
      `CAMBRIAN_TOKEN_BUDGET=${JSON.stringify(raw)} is not a whole number of tokens`,
      'e.g. CAMBRIAN_TOKEN_BUDGET=2000000',
    );
  return Number(raw);
}

function toTokenUsage(usage: { input: number; output: number; cacheRead: number; cacheWrite: number }): TokenUsage {
  return { input: usage.input, output: usage.output, 'cache-read': usage.cacheRead, 'cache-write': usage.cacheWrite };
}

/**
 * `cambrian reproduce`: takes the generations dir's lock, starts the Supervisor and the gateway on loopback, builds
 * and launches the Prime in the sandbox (holding only the per-run gateway token), waits for it to end, closes what
 * it left undecided and writes the run summary. Every exit path kills the Prime and the rigs and releases the lock.
 */
export async function runReproduce(options: ReproduceOptions): Promise<RunSummary> {
  const emit = options.onEvent ?? (() => {});
  const replayStop = new AbortController();
  const started = new Date();
  const run = newRunId();
  const generationsDir = resolveGenerationsDir(options.generationsDir);
  const primeGeneration = parsePrimeRef(options.prime);
  const budget = readBudget(options.budget);
  const faults = parseFaults(options.faults);
  const spec = await loadSpec(options.spec, { generationsDir });
  const roles = options.roles ?? resolveRoles({ flags: {}, env: process.env });
  if (options.backend === undefined) for (const warning of roles.warnings) emit({ type: 'info', message: warning });
  if (
    faults.describe() !== '' &&
    options.backend === undefined &&
    roles.generation.provider !== 'exemplar' &&
    roles.escalation.provider !== 'exemplar'
  ) {
    throw new UsageError('--faults applies to the exemplar backend only', 'drop --faults or use --provider exemplar');
  }
  const models = {
    model: options.model ?? primeModels(roles).model,
    escalationModel: options.escalationModel ?? primeModels(roles).escalationModel,
  };
  const sandbox = await detectSandbox(options.sandbox ?? 'auto');
  if (sandbox.warning !== null) emit({ type: 'warning', message: sandbox.warning });
  // Opened before anything else: an unreachable queue stops the run before a Prime is built. A queue that cannot
  // judge by our rules stops the Prime; the generation is closed undecided and the run throws.
  const rig = await openRunRig({
    ...(options.rigQueue === undefined ? {} : { rigQueue: options.rigQueue }),
    ...(options.queuedRig === undefined ? {} : { queuedRig: options.queuedRig }),
    ...(options.runRig === undefined ? {} : { runRig: options.runRig }),
    onInfo: (message) => emit({ type: 'info', message }),
  });

  emit({ type: 'phase', phase: 'lock', detail: generationsDir });
  await mkdir(generationsDir, { recursive: true });
  let lock: Lock | null = null;
  if (options.lock !== false) {
    lock = await acquireLock({
      file: path.join(generationsDir, '.cambrian', 'lock'),
      run,
      ...(options.wait === undefined ? {} : { wait: options.wait }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    }).catch(async (error: unknown) => {
      await rig.close();
      throw error;
    });
  }
  let runDir: string | null = null;
  let gateway: Gateway | null = null;
  let supervisor: Supervisor | null = null;
  let primeEnding: PrimeEnding = { code: null, signal: null, stopped: null };
  let primeBuildMs = 0;
  let primeBuildCached = false;
  let backendName = 'exemplar';
  let logStream: ReturnType<typeof createWriteStream> | null = null;
  try {
    const lineage = await openLineage({ generationsDir, run, recover: lock !== null });
    if (
      lineage.recovery !== null &&
      (lineage.recovery.recovered.length > 0 ||
        lineage.recovery.quarantined.length > 0 ||
        lineage.recovery.gitFixes.length > 0)
    ) {
      emit({ type: 'recovered', report: lineage.recovery });
    }
    // Short and private: unix socket paths are limited to ~107 bytes, and nothing else may read the run's files.
    await removeDeadRunDirs();
    runDir = await mkdtemp(path.join(os.tmpdir(), 'cambrian-run-'));
    await writeFile(path.join(runDir, 'owner.pid'), String(process.pid));
    await assertRunnablePrime({ lineage, generation: primeGeneration });
    emit({ type: 'phase', phase: 'build-prime', detail: `gen-${primeGeneration}` });
    const prime = await preparePrime({
      lineage,
      generation: primeGeneration,
      runDir,
      sandbox,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    primeBuildMs = prime.buildMs;
    primeBuildCached = prime.buildCached;
    const workspace = path.join(runDir, 'workspace');
    await mkdir(workspace);
    const specDir = path.join(runDir, 'spec');
    await mkdir(specDir);
    const specFile = path.join(specDir, `${spec.id}.md`);
    await writeFile(specFile, spec.bytes, { mode: 0o444 });

    const exemplar = await createExemplarBackend({
      // The sealed artifact, not prime.dir: the Prime's build has already run in that copy and may have rewritten it.
      sealedPrimeDir: path.join(lineage.paths.root, `gen-${primeGeneration}`),
      faults,
      paceMs: options.exemplarPaceMs ?? 0,
      ...(options.exemplarLandscape === undefined ? {} : { landscape: options.exemplarLandscape }),
      onFault: (fault) => emit({ type: 'fault', ...fault }),
    });
    const backend = options.backend ?? createRunBackend({ roles, exemplar });
    backendName = backend.name;
    // Offline backends bill nothing: the exemplar invents its replies, a replay re-plays a run already paid for.
    const offline =
      options.backend === undefined
        ? [roles.generation.provider, roles.escalation.provider].every((p) => p === 'exemplar' || p === 'replay')
        : backend.name === 'exemplar';
    // Before any request: a run killed before its summary still says whether its records' tokens cost anything.
    await writeRunStart(lineage.paths, {
      run,
      campaign: options.campaign ?? null,
      started: started.toISOString(),
      billed: !offline,
    });
    // The provider keys: the gateway takes them out of every reply, and the Prime's log is redacted as well.
    const secrets = [roles.generation.apiKey, roles.escalation.apiKey];
    gateway = await startGateway({
      backend,
      secrets,
      ...(offline ? { price: () => 0 } : {}),
      budget,
      socketPath: path.join(runDir, 'gateway.sock'),
      onEvent: (event) => {
        // A replay that no longer matches cannot recover by retrying: end the run and say why.
        if (event.type === 'exchange-end' && event.error?.type === REPLAY_MISMATCH)
          replayStop.abort(event.error.message);
        emit({ type: 'gateway', event });
      },
    });
    const ledger = gateway.ledger;
    supervisor = await startSupervisor({
      lineage,
      spec,
      workspaceDir: workspace,
      run,
      campaign: options.campaign ?? null,
      primeGeneration,
      sandbox,
      runRig: rig.runRig,
      ...rig.supervisorOptions,
      // A Prime that renumbered after a 409 tagged its requests with the old number; the ledger then knows nothing
      // of the new one, and the manifest's own count (the Prime's measurement) is the better figure.
      tokenUsage: (generation) => {
        const entry = ledger.forGeneration(generation);
        return entry.exchanges === 0 ? null : toTokenUsage(entry.usage);
      },
      socketPath: path.join(runDir, 'supervisor.sock'),
      onEvent: (event) => emit({ type: 'supervisor', event }),
    });

    emit({ type: 'phase', phase: 'run-prime', detail: `gen-${primeGeneration} → ${spec.id}@${spec.version}` });
    logStream = createWriteStream(path.join(lineage.paths.runs, `${run}.prime.log`));
    const log = logStream;
    const redactor = createSecretRedactor(secrets);
    const primeOutput = { stdout: redactor.createStream(), stderr: redactor.createStream() };
    const writeOutput = (stream: 'stdout' | 'stderr', text: string) => {
      if (text === '') return;
      log.write(text);
      emit({ type: 'prime-output', stream, text });
    };
    primeEnding = await launchPrime({
      prime,
      sandbox,
      supervisor,
      gateway,
      workspace,
      specFile,
      models,
      maxGens: options.maxGens ?? 1,
      maxRetries: options.maxRetries ?? 3,
      ...(options.primeEnv === undefined ? {} : { extraEnv: options.primeEnv }),
      timeoutMs: options.primeTimeoutMs ?? 2 * 60 * 60_000,
      signal: AbortSignal.any([
        ...(options.signal === undefined ? [] : [options.signal]),
        replayStop.signal,
        rig.stopSignal,
      ]),
      onOutput: (stream, text) => writeOutput(stream, primeOutput[stream].push(text)),
    });
    for (const stream of ['stdout', 'stderr'] as const) writeOutput(stream, primeOutput[stream].end());
    emit({ type: 'phase', phase: 'settle', detail: describePrimeExit(primeEnding.code, primeEnding.signal) });
    await supervisor.settle(
      primeEnding.stopped ?? `the Prime ended (${describePrimeExit(primeEnding.code, primeEnding.signal)})`,
    );

    const records = await lineage.records.list();
    const generations: RunGeneration[] = supervisor.spawned().map((generation) => {
      const record = records.find((r) => r.generation === generation);
      const usage = ledger.forGeneration(generation);
      return {
        generation,
        parent: record?.parent ?? null,
        outcome: record?.outcome ?? 'failed',
        rigResult: record?.['rig-result'] ?? null,
        failureStage: record?.viability?.failure_stage ?? null,
        summary: record?.viability?.diagnostics?.summary ?? record?.reason ?? null,
        tokens: usage.usage,
        costUsd: usage.costUsd,
        exchanges: usage.exchanges,
        purposes: usage.purposes,
        budgetTrimmed: usage.trimmed,
        rigMs: supervisor?.rigMs(generation) ?? null,
        rigWorker: record?.['rig-worker'] ?? null,
      };
    });
    const total = ledger.total();
    const promoted = generations.filter((g) => g.outcome === 'promoted').map((g) => g.generation);
    const ended = new Date();
    const summary: RunSummary = {
      'cambrian-run': 1,
      run,
      campaign: options.campaign ?? null,
      spec: { id: spec.id, version: spec.version, hash: spec.hash },
      prime: primeGeneration,
      provider: {
        generation: options.backend === undefined ? roles.generation.provider : backendName,
        escalation: options.backend === undefined ? roles.escalation.provider : backendName,
        backend: backendName,
      },
      models,
      generationsDir,
      started: started.toISOString(),
      ended: ended.toISOString(),
      wallMs: ended.getTime() - started.getTime(),
      primeBuildMs,
      primeBuildCached,
      generations,
      promoted,
      tokens: total.usage,
      unattributedTokens: ledger.forGeneration(null).usage ?? { ...ZERO_USAGE },
      costUsd: total.costUsd,
      exchanges: total.exchanges,
      budgetTrimmed: total.trimmed,
      cache: { ttl: roles.generation.cacheTtl ?? roles.escalation.cacheTtl ?? null, ...total.cache },
      faults: faults.describe() === '' ? null : faults.describe(),
      primeExit: {
        code: primeEnding.code,
        signal: primeEnding.signal,
        meaning: describePrimeExit(primeEnding.code, primeEnding.signal),
      },
      exitCode: promoted.length > 0 && primeEnding.code === 0 ? 0 : 1,
      stopped: primeEnding.stopped,
    };
    await writeFileAtomic(path.join(lineage.paths.runs, `${run}.json`), `${JSON.stringify(summary, null, 2)}\n`);
    const rigStopError = rig.stopError();
    if (rigStopError !== null) throw rigStopError;
    return summary;
  } finally {
    await supervisor?.settle('the run stopped').catch(() => {});
    await supervisor?.close().catch(() => {});
    await gateway?.close().catch(() => {});
    await new Promise<void>((resolve) => (logStream === null ? resolve() : logStream.end(() => resolve())));
    if (runDir !== null) await rm(runDir, { recursive: true, force: true }).catch(() => {});
    await lock?.release().catch(() => {});
    await rig.close();
  }
}

/** Private run dirs of engines that died (SIGKILL leaves them behind) hold a Prime copy and a workspace: remove them. */
async function removeDeadRunDirs(): Promise<void> {
  const names = await readdir(os.tmpdir()).catch(() => [] as string[]);
  for (const name of names) {
    if (!name.startsWith('cambrian-run-')) continue;
    const dir = path.join(os.tmpdir(), name);
    const owner = Number(await readFile(path.join(dir, 'owner.pid'), 'utf8').catch(() => 'NaN'));
    if (!Number.isInteger(owner) || isProcessAlive(owner)) continue;
    await rm(dir, { recursive: true, force: true }).catch(() => {});
  }
}
