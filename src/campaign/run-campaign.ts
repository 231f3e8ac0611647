import path from 'node:path';
import type { GenerationRecord } from '../artifact/generation-record-schema.js';
import { CambrianError, UsageError } from '../errors.js';
import { parseFaults } from '../gateway/backends/exemplar-faults.js';
import { type ResolvedRoles, resolveRoles } from '../gateway/roles.js';
import { openQueuedRig, type QueuedRig } from '../queue/open-queued-rig.js';
import type { RigQueueConnection } from '../queue/read-rig-queue-url.js';
import type { SandboxRequest } from '../rig/sandbox/sandbox-types.js';
import { loadSpec } from '../spec/load-spec.js';
import type { Spec } from '../spec/parse-spec.js';
import { acquireLock } from '../supervisor/acquire-lock.js';
import { lineagePaths, resolveGenerationsDir } from '../supervisor/lineage-paths.js';
import { openLineage } from '../supervisor/open-lineage.js';
import { parsePrimeRef } from '../supervisor/prepare-prime.js';
import { createRecordStore } from '../supervisor/record-store.js';
import type { RecoveryReport } from '../supervisor/recover-lineage.js';
import { type ReproduceEvent, runReproduce } from '../supervisor/run-reproduce.js';
import type { RunSummary } from '../supervisor/run-summary.js';
import { type CampaignFile, newCampaignId, readCampaign, writeCampaign } from './campaign-store.js';
import { readRunSummaries } from './read-run-summaries.js';
import { readUnbilledRuns } from './run-start-file.js';
import { classifyRecord, summarizeCampaign } from './summarize-campaign.js';

export interface CampaignOptions {
  /** The spec to reproduce (new campaigns): id, id@version, path or gen-N. */
  spec?: string;
  /** Generation attempts (new campaigns). */
  length?: number;
  /** Attempts at once, each Prime in its own sandbox (default 1). */
  lanes?: number;
  prime?: string;
  /** Continue this campaign instead of starting one. */
  resume?: string;
  /** The id of a new campaign (default a fresh one): `cambrian evolve` logs it first, so its resume continues it. */
  id?: string;
  generationsDir?: string;
  /** Exemplar fault plan, applied to each Prime run of the campaign. */
  faults?: string;
  /** Informed retries a Prime may make after a failed attempt (default 3; a run never exceeds the attempts left). */
  maxRetries?: number;
  roles?: ResolvedRoles;
  sandbox?: SandboxRequest;
  exemplarPaceMs?: number;
  /** Landscape file the exemplar fails generations by (`cambrian evolve` in rig mode; not kept for a resume). */
  exemplarLandscape?: string;
  budget?: number | null;
  /** Wait for another run's lock on the generations dir instead of refusing. */
  wait?: boolean;
  /** Judge every attempt on `cambrian worker`s through this Redis queue (docs/scale-out.md). */
  rigQueue?: RigQueueConnection;
  onEvent?: (event: CampaignEvent) => void;
  signal?: AbortSignal;
}

export type CampaignEvent =
  | { type: 'begin'; campaign: CampaignFile; resumed: boolean; done: number }
  | { type: 'recovered'; report: RecoveryReport }
  | { type: 'run-start'; lane: number; attempts: number }
  | { type: 'run-end'; lane: number; summary: RunSummary; done: number; length: number }
  | { type: 'reproduce'; lane: number; event: ReproduceEvent };

export interface CampaignResult {
  campaign: CampaignFile;
  /** 0 complete, 1 stopped or failed. */
  exitCode: 0 | 1;
}

/** Runs that spawn nothing in a row before the campaign gives up (a Prime that cannot produce anything). */
const MAX_EMPTY_RUNS = 3;

/**
 * `cambrian campaign`: N generation attempts against one spec version, each record tagged with the campaign id.
 * Holds the generations dir's lock for the whole campaign and runs start-up recovery once; each attempt batch is a
 * `runReproduce` run (its own Supervisor, gateway and sandboxed Prime) with `lock: false`, at most `lanes` at once.
 * The attempts left are shared out before a run starts (max retries = its share - 1), so the count is exact.
 * Generation numbers stay unique across lanes: a number is taken by the atomic rename of `gen-N/` into the
 * generations dir; a Prime that loses the race is answered 409 and renumbers (contracts §3).
 */
export async function runCampaign(options: CampaignOptions): Promise<CampaignResult> {
  const emit = options.onEvent ?? (() => {});
  const generationsDir = resolveGenerationsDir(options.generationsDir);
  const paths = lineagePaths(generationsDir);
  const lanes = options.lanes ?? 1;
  const roles = options.roles ?? resolveRoles({ flags: {}, env: process.env });
  parseFaults(options.faults);

  let state: CampaignFile;
  let spec: Spec;
  const resumed = options.resume !== undefined;
  if (options.resume !== undefined) {
    state = await readCampaign(paths, options.resume);
    if (options.length !== undefined && options.length !== state.length)
      throw new UsageError(
        `--length ${options.length} differs from campaign ${state.id}'s length ${state.length}`,
        'leave --length out when resuming (a campaign keeps its length)',
      );
    spec = await loadResumedSpec(state, generationsDir);
    if (options.spec !== undefined) {
      const asked = await loadSpec(options.spec, { generationsDir });
      if (asked.hash !== spec.hash)
        throw new UsageError(
          `--spec ${options.spec} is ${asked.id}@${asked.version}, campaign ${state.id} reproduces ${spec.id}@${spec.version}`,
          'leave --spec out when resuming',
        );
    }
    if (options.prime !== undefined && parsePrimeRef(options.prime) !== state.prime)
      throw new UsageError(`--prime ${options.prime} differs from campaign ${state.id}'s Prime gen-${state.prime}`);
    state = {
      ...state,
      lanes,
      ...(options.faults === undefined ? {} : { faults: options.faults }),
      ...(options.maxRetries === undefined ? {} : { maxRetries: options.maxRetries }),
    };
  } else {
    if (options.spec === undefined) throw new UsageError('campaign needs --spec <ref>', 'or --resume <campaign-id>');
    if (options.length === undefined) throw new UsageError('campaign needs --length N (attempts)', 'e.g. --length 6');
    spec = await loadSpec(options.spec, { generationsDir });
    const now = new Date().toISOString();
    const isPath = options.spec.endsWith('.md') || options.spec.includes('/');
    state = {
      'cambrian-campaign': 1,
      id: options.id ?? newCampaignId(),
      spec: {
        id: spec.id,
        version: spec.version,
        hash: spec.hash,
        ref: isPath ? path.resolve(options.spec) : `${spec.id}@${spec.version}`,
      },
      prime: parsePrimeRef(options.prime),
      length: options.length,
      lanes,
      maxRetries: options.maxRetries ?? 3,
      faults: options.faults ?? null,
      provider: { generation: roles.generation.provider, escalation: roles.escalation.provider },
      status: 'running',
      reason: null,
      created: now,
      updated: now,
      runs: [],
      summary: null,
    };
  }

  // One queue connection for every lane; unreachable Redis stops the campaign before anything starts.
  const queuedRig: QueuedRig | null =
    options.rigQueue === undefined ? null : await openQueuedRig({ queue: options.rigQueue });
  const lock = await acquireLock({
    file: paths.lock,
    run: state.id,
    ...(options.wait === undefined ? {} : { wait: options.wait }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  }).catch(async (error: unknown) => {
    await queuedRig?.close().catch(() => {});
    if (options.signal?.aborted !== true) throw error;
    throw new CambrianError({
      code: 'E_STOPPED',
      message: `stopped while waiting for the lock on ${paths.root}; nothing was started`,
      hint: resumed ? `resume later with --resume ${state.id}` : 'run the campaign again when the other run has ended',
      exitCode: 1,
    });
  });
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted === true) onAbort();
  // Generations spawned by runs still going: not counted as done, they are inside their run's share.
  const live = new Map<number, { share: number; spawned: Set<number> }>();
  const records = createRecordStore(paths);

  const countDone = async (): Promise<number> => {
    const [all, runs] = await Promise.all([records.list(), readRunSummaries(paths)]);
    const runsById = new Map(runs.map((run) => [run.run, run]));
    const inLive = (record: GenerationRecord): boolean =>
      [...live.values()].some((lane) => lane.spawned.has(record.generation));
    return all.filter(
      (record) =>
        record.campaign === state.id &&
        !inLive(record) &&
        classifyRecord(record, runsById.get(record.run ?? '')) === 'attempt',
    ).length;
  };
  // Saves run one at a time (two lanes may end together); the summary is recomputed from the records each time.
  let saving: Promise<unknown> = Promise.resolve();
  const save = (patch: Partial<CampaignFile> | ((current: CampaignFile) => Partial<CampaignFile>)): Promise<void> => {
    const task = async (): Promise<void> => {
      const [all, runs, unbilledRuns] = await Promise.all([
        records.list(),
        readRunSummaries(paths),
        readUnbilledRuns(paths),
      ]);
      state = {
        ...state,
        ...(typeof patch === 'function' ? patch(state) : patch),
        updated: new Date().toISOString(),
        summary: summarizeCampaign({
          records: all.filter((record) => record.campaign === state.id),
          runs: runs.filter((run) => run.campaign === state.id),
          unbilledRuns,
        }),
      };
      await writeCampaign(paths, state);
    };
    const next = saving.then(task, task);
    saving = next.catch(() => {});
    return next;
  };

  try {
    const lineage = await openLineage({ generationsDir, run: state.id, recover: true });
    const recovery = lineage.recovery;
    if (recovery !== null && recovery.recovered.length + recovery.quarantined.length + recovery.gitFixes.length > 0)
      emit({ type: 'recovered', report: recovery });
    await save({ status: 'running', reason: null });
    emit({ type: 'begin', campaign: state, resumed, done: await countDone() });

    const active = new Map<number, Promise<void>>();
    let emptyRuns = 0;
    let failure: unknown = null;
    let stopReason: string | null = null;

    const startRun = (share: number): Promise<void> => {
      let lane = 0;
      while (active.has(lane)) lane += 1;
      const mine = { share, spawned: new Set<number>() };
      live.set(lane, mine);
      let firstSpawn: () => void = () => {};
      const spawnedOrEnded = new Promise<void>((resolve) => {
        firstSpawn = resolve;
      });
      emit({ type: 'run-start', lane, attempts: share });
      const done = runReproduce({
        spec: state.spec.ref,
        prime: `gen-${state.prime}`,
        roles,
        maxGens: 1,
        maxRetries: share - 1,
        generationsDir,
        ...(state.faults === null ? {} : { faults: state.faults }),
        ...(options.exemplarPaceMs === undefined ? {} : { exemplarPaceMs: options.exemplarPaceMs }),
        ...(options.exemplarLandscape === undefined ? {} : { exemplarLandscape: options.exemplarLandscape }),
        ...(options.budget === undefined ? {} : { budget: options.budget }),
        ...(options.sandbox === undefined ? {} : { sandbox: options.sandbox }),
        campaign: state.id,
        lock: false,
        ...(queuedRig === null ? {} : { queuedRig }),
        signal: controller.signal,
        onEvent: (event) => {
          if (event.type === 'supervisor' && event.event.type === 'spawned') {
            mine.spawned.add(event.event.generation);
            firstSpawn();
          }
          emit({ type: 'reproduce', lane, event });
        },
      })
        .then(async (summary) => {
          live.delete(lane);
          await save((current) => ({ runs: [...current.runs, summary.run] }));
          const doneNow = await countDone();
          emit({ type: 'run-end', lane, summary, done: doneNow, length: state.length });
          emptyRuns = summary.generations.length === 0 ? emptyRuns + 1 : 0;
          if (summary.primeExit.code === 3) stopOnce('the token budget is exhausted');
          else if (summary.primeExit.code === 4) stopOnce('the Prime could not reach the Supervisor');
          else if (emptyRuns >= MAX_EMPTY_RUNS)
            stopOnce(`${emptyRuns} runs in a row spawned no generation (last: the Prime ${summary.primeExit.meaning})`);
        })
        .catch((error: unknown) => {
          live.delete(lane);
          if (failure === null && !controller.signal.aborted) failure = error;
          controller.abort('a run failed');
        })
        .finally(() => {
          firstSpawn();
          active.delete(lane);
        });
      active.set(lane, done);
      return spawnedOrEnded;
    };
    const stopOnce = (reason: string): void => {
      if (stopReason === null) stopReason = reason;
    };

    for (;;) {
      if (controller.signal.aborted || stopReason !== null || failure !== null) break;
      const reserved = [...live.values()].reduce((sum, lane) => sum + lane.share, 0);
      let free = state.length - (await countDone()) - reserved;
      if (free <= 0 && active.size === 0) break;
      while (active.size < lanes && free > 0 && !controller.signal.aborted) {
        const share = Math.min(state.maxRetries + 1, Math.ceil(free / (lanes - active.size)));
        free -= share;
        // Lanes start one after the other: the next Prime asks for its generation number after this one took its own.
        await startRun(share);
      }
      if (active.size === 0) continue;
      await Promise.race(active.values());
    }
    await Promise.allSettled(active.values());

    const done = await countDone();
    if (failure !== null) {
      await save({ status: 'failed', reason: failure instanceof Error ? failure.message : String(failure) });
      throw failure;
    }
    if (stopReason !== null) {
      await save({ status: 'failed', reason: stopReason });
      return { campaign: state, exitCode: 1 };
    }
    if (done < state.length) {
      const why = `stopped by ${String(options.signal?.reason ?? 'a signal')} after ${done} of ${state.length} attempts`;
      await save({ status: 'stopped', reason: why });
      return { campaign: state, exitCode: 1 };
    }
    await save({ status: 'complete', reason: null });
    return { campaign: state, exitCode: 0 };
  } catch (error) {
    if (state.status === 'running') {
      await save({ status: 'failed', reason: error instanceof Error ? error.message : String(error) }).catch(() => {});
    }
    throw error;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    await lock.release().catch(() => {});
    await queuedRig?.close().catch(() => {});
  }
}

/** The spec a campaign reproduces, loaded again on resume; it must still hash the same. */
async function loadResumedSpec(state: CampaignFile, generationsDir: string): Promise<Spec> {
  const candidates = [state.spec.ref, `${state.spec.id}@${state.spec.version}`];
  for (const ref of candidates) {
    const spec = await loadSpec(ref, { generationsDir }).catch(() => null);
    if (spec !== null && spec.hash === state.spec.hash) return { ...spec };
  }
  throw new CambrianError({
    code: 'E_CAMPAIGN_SPEC_CHANGED',
    message: `campaign ${state.id} reproduces ${state.spec.id}@${state.spec.version} (${state.spec.hash}), but ${state.spec.ref} no longer has that hash`,
    hint: 'a campaign is one spec version: archive the changed spec under a new version and start a new campaign',
    exitCode: 2,
  });
}
