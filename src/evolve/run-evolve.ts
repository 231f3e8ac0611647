import { randomBytes } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CambrianError, UsageError } from '../errors.js';
import type { RigQueueConnection } from '../queue/read-rig-queue-url.js';
import { loadSpec } from '../spec/load-spec.js';
import { parseSpec, type Spec } from '../spec/parse-spec.js';
import { lineagePaths, resolveGenerationsDir } from '../supervisor/lineage-paths.js';
import { betaPosterior } from './beta-posterior.js';
import { buildArchive } from './build-archive.js';
import { createEvolveExemplar } from './create-evolve-exemplar.js';
import { appendEntry, type EvolveEntry, readLog } from './evolve-log.js';
import { createEvolveBackend, type EvolveRoles, evolveRoleModel, resolveEvolveRoles } from './evolve-roles.js';
import { judgeMutant } from './judge-mutant.js';
import { type Landscape, loadLandscape } from './landscape.js';
import { makeMutant } from './make-mutant.js';
import { monitorStep } from './meta-monitor.js';
import { pickDonor } from './pick-donor.js';
import { pickParent } from './pick-parent.js';
import { planMutation } from './plan-mutation.js';
import { type EvolveState, nextVersion, replayLog } from './replay-log.js';
import { requestMutation } from './request-mutation.js';
import { planRigCampaign, runRigCampaign } from './run-rig-campaign.js';
import {
  type Counts,
  decideConfirmation,
  decideMutant,
  pBetterOf,
  SELECTION,
  type SequentialStep,
} from './selection-rule.js';
import { simulateCampaign } from './simulate-campaign.js';

export interface EvolveOptions {
  spec?: string;
  /** Evaluations to run in all (the starting head's campaign and each mutant's batches, top-up included, count one). */
  campaigns?: number;
  /** The most attempts a mutant gets (the sequential rule's cap), the head's first campaign, a new head's top-up. */
  length?: number;
  /** Token budget of the whole run. */
  budget?: number | null;
  /** The landscape of the simulation mode: outcomes drawn from it, no rig. */
  simulate?: string;
  /** Rig mode: the landscape the exemplar fails generations by (and mutates from). */
  landscape?: string;
  /** Attempts at once: a batch of a mutant's evaluation, after which the selection rule looks again. */
  lanes?: number;
  resume?: string;
  seed?: string;
  generationsDir?: string;
  /** Rig mode: judge every campaign's attempts on `cambrian worker`s through this Redis queue (docs/scale-out.md). */
  rigQueue?: RigQueueConnection;
  /** Wall time of one simulated attempt, so a simulation can be watched or interrupted. */
  paceMs?: number;
  /** Providers of `mutate` and `screen` (default: the exemplar, playing the landscape's catalogue). */
  roles?: EvolveRoles;
  signal?: AbortSignal;
  onEntry?: (entry: EvolveEntry) => void;
}

export interface EvolveResult {
  id: string;
  log: string;
  head: string;
  entries: EvolveEntry[];
}

/** Where evolved spec versions are kept: with the lineage, addressable as `ID@version` (loadSpec looks here). */
export function evolvedSpecsDir(generationsDir: string): string {
  return path.join(lineagePaths(generationsDir).state, 'specs');
}

/**
 * `cambrian evolve`: each step picks a parent from the archive (pick-parent.ts), mutates it (the exemplar plays the
 * landscape's catalogue), guards and screens the mutant, and evaluates it in batches of `lanes` attempts against the
 * head, the sequential rule (selection-rule.ts) looking after each batch until it promotes, drops or keeps it. Everything is appended to the log before the next thing starts, and a resume replays the
 * log: a logged campaign is never run again, an unlogged one is run (its outcome is seeded by its place in the run),
 * and a rig campaign that was launched but not logged is resumed (run-rig-campaign.ts).
 */
export async function runEvolve(options: EvolveOptions): Promise<EvolveResult> {
  const generationsDir = resolveGenerationsDir(options.generationsDir);
  const root = path.join(lineagePaths(generationsDir).state, 'evolve');
  let id: string;
  let entries: EvolveEntry[];
  if (options.resume !== undefined) {
    id = options.resume;
    entries = await readLog(path.join(root, id, 'log.jsonl')).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      throw new UsageError(`no evolve run ${id} in ${generationsDir}`, 'the run id is printed when a run starts');
    });
  } else {
    if (options.spec === undefined) throw new UsageError('evolve needs --spec <ref>', 'or --resume <run-id>');
    if (options.simulate !== undefined && options.landscape !== undefined)
      throw new UsageError('--simulate already names the landscape', 'drop --landscape');
    id = `evo-${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-')}-${randomBytes(2).toString('hex')}`;
    entries = [];
  }
  const log = path.join(root, id, 'log.jsonl');
  await mkdir(path.dirname(log), { recursive: true });
  const specsDir = evolvedSpecsDir(generationsDir);
  await mkdir(specsDir, { recursive: true });
  const append = async (entry: EvolveEntry): Promise<void> => {
    await appendEntry(log, entry);
    entries.push(entry);
    options.onEntry?.(entry);
  };

  if (entries[0]?.type !== 'start') {
    const spec = await loadSpec(options.spec ?? '', { generationsDir });
    const length = options.length ?? 8;
    await append({
      type: 'start',
      id,
      spec: { id: spec.id, version: spec.version, hash: spec.hash, file: spec.path },
      mode: options.simulate === undefined ? 'rig' : 'simulate',
      landscape: ((file) => (file === undefined ? null : path.resolve(file)))(options.simulate ?? options.landscape),
      lanes: options.lanes ?? 1,
      campaigns: options.campaigns ?? 20,
      length,
      budget: options.budget ?? null,
      seed: options.seed ?? id,
      at: new Date().toISOString(),
    });
  }
  const start = entries[0];
  if (start?.type !== 'start') throw new Error('unreachable: the log starts with its start entry');
  const landscape = start.landscape === null ? null : await loadLandscape(start.landscape);
  const specs = new Map<string, Spec>();
  const base = parseSpec({ bytes: await readFile(start.spec.file), file: start.spec.file });
  if (base.hash !== start.spec.hash)
    throw new CambrianError({
      code: 'E_EVOLVE_SPEC_CHANGED',
      message: `${start.spec.file} no longer hashes as ${start.spec.hash}: run ${id} evolved from that exact version`,
      hint: 'restore that version (it may be in spec/archive/) to resume',
    });
  specs.set(base.version, base);
  const roles = options.roles ?? resolveEvolveRoles({ flags: {}, env: {} });
  const backend = createEvolveBackend({ roles, exemplar: createEvolveExemplar({ landscape }) });
  const signal = options.signal === undefined ? {} : { signal: options.signal };

  const campaign = async (step: number, version: string, stage: 'head' | 'mutant' | 'confirm', length: number) => {
    // A batch's seed names the attempts before it, so each batch of a step draws its own outcomes.
    const before = stage === 'head' ? 0 : (replayLog(entries).evidence.get(version)?.trials ?? 0);
    const seed = stage === 'head' ? `${start.seed}/${step}/${stage}` : `${start.seed}/${step}/${stage}/${before}`;
    if (options.paceMs !== undefined)
      await sleep(options.paceMs * length, undefined, options.signal ? { signal: options.signal } : {});
    const spec = specs.get(version) ?? (await loadEvolved(specsDir, start.spec.id, version));
    specs.set(version, spec);
    if (start.mode === 'simulate' && landscape !== null) {
      const outcome = simulateCampaign({ landscape, specText: spec.text, length, maxRetries: 3, seed });
      await append({ type: 'campaign', step, version, stage, seed, outcome, at: new Date().toISOString() });
      return;
    }
    const planned = planRigCampaign({ entries, step, version, stage });
    if (planned.launch !== null) await append(planned.launch);
    const { campaign: campaignId, ...outcome } = await runRigCampaign({
      campaign: planned.id,
      spec: `${spec.id}@${version}`,
      length,
      lanes: start.lanes,
      generationsDir,
      landscape: start.landscape,
      ...(options.rigQueue === undefined ? {} : { rigQueue: options.rigQueue }),
      ...signal,
    });
    const at = new Date().toISOString();
    await append({ type: 'campaign', step, version, stage, seed, campaign: campaignId, outcome, at });
  };

  /** A transplant's donor from the archive (loading the elites' specs); null for other mutations or when none fits. */
  const findDonor = async (type: string | undefined, head: Spec): Promise<{ spec: Spec; section: string } | null> => {
    if (type !== 'transplant') return null;
    const archive = buildArchive(entries);
    for (const member of archive.elites)
      if (!specs.has(member.version))
        specs.set(member.version, await loadEvolved(specsDir, start.spec.id, member.version));
    const picked = pickDonor({ archive, head, specs });
    return picked === null ? null : { spec: picked.donor, section: picked.section };
  };

  const specOf = async (version: string): Promise<Spec> => {
    const spec = specs.get(version) ?? (await loadEvolved(specsDir, start.spec.id, version));
    specs.set(version, spec);
    return spec;
  };

  for (;;) {
    const state = replayLog(entries);
    if (state.ended) break;
    const stop = stopReason(state, start, roles.mutate.provider === 'exemplar' ? landscape : null);
    if (stop !== null) {
      await append({ type: 'end', reason: stop, head: state.head, at: new Date().toISOString() });
      break;
    }
    if (options.signal?.aborted === true) break;
    const step = state.step;
    if (step === 0) {
      await campaign(0, state.head, 'head', state.length);
      continue;
    }
    const current = state.current;
    if (current === null) {
      const decisions = monitorStep({ entries, state, start });
      for (const entry of decisions) await append(entry);
      if (decisions.length > 0) continue;
      if (state.parent === null) {
        // The type the step will really make first, so the parent rule follows it (a transplant with no donor is a
        // refinement, and the exemplar out of the type asked plays another).
        const head = await specOf(state.head);
        const hasDonor = state.choice?.type === 'transplant' && (await findDonor('transplant', head)) !== null;
        const catalogue = roles.mutate.provider === 'exemplar' ? landscape : null;
        const plan = planMutation({ state, head, hasDonor, catalogue });
        const archive = buildArchive(entries);
        const { type } = plan;
        const picked = pickParent({ archive, head: state.head, type, seed: start.seed, step, length: state.length });
        const why = plan.why === null ? picked.why : `${plan.why}; ${picked.why}`;
        await append({ type: 'parent', step, version: picked.version, why, mutation: type });
        continue;
      }
      const parent = await specOf(state.parent.version);
      // A log from before the parent entry named its type: the meta-monitor's choice, as then.
      const type = state.parent.mutation ?? state.choice?.type ?? 'refinement';
      const entry = await makeMutant({
        backend,
        model: evolveRoleModel(roles, 'mutate'),
        parent,
        version: nextVersion(state.versions),
        step,
        request: requestMutation({ state, parent, type, donor: await findDonor(type, parent) }),
        specsDir,
        ...signal,
      });
      await append(entry);
      continue;
    }
    if (!current.admitted) {
      const parent = await specOf(current.parentVersion);
      const file = path.join(specsDir, `${start.spec.id}@${current.version}.md`);
      const model = evolveRoleModel(roles, 'screen');
      const judged = await judgeMutant({ backend, model, parent, file, step, version: current.version, ...signal });
      if (judged.mutant !== null) specs.set(current.version, judged.mutant);
      await append(judged.entry);
      continue;
    }
    const verdict = nextMove(state, current);
    if (verdict.next === 'continue') {
      const stage = current.confirming || verdict.confirming ? 'confirm' : 'mutant';
      await campaign(step, current.version, stage, batchSize(state, current.version, start.lanes));
      continue;
    }
    await append(decisionEntry(state, step, current, verdict));
  }
  return { id, log, head: replayLog(entries).head, entries };
}

type Current = NonNullable<EvolveState['current']>;

/**
 * The selection rule on the open mutant's evidence so far: the sequential phase, and once it has crossed the promote
 * threshold (its last batch was a top-up, or the rule promotes it now), the confirmation up to the cap.
 */
function nextMove(state: EvolveState, current: Current): SequentialStep & { confirming: boolean } {
  const head = state.evidence.get(state.head) ?? { successes: 0, trials: 0 };
  const mutant = state.evidence.get(current.version) ?? { successes: 0, trials: 0 };
  const cap = state.length;
  if (!current.confirming) {
    const step = decideMutant({ head, mutant, cap });
    if (step.next !== 'promote') return { ...step, confirming: false };
  }
  return { ...decideConfirmation({ head, mutant, cap }), confirming: true };
}

/** The next batch: `lanes` attempts, at least enough to reach the rule's minimum, never past the cap. */
function batchSize(state: EvolveState, version: string, lanes: number): number {
  const done = state.evidence.get(version)?.trials ?? 0;
  const left = Math.max(1, state.length - done);
  return Math.min(left, Math.max(lanes, SELECTION.minAttempts - done));
}

/** The decision's log entry: the mutant's posterior, P(better), attempts, why it stopped, and where it was promoted. */
function decisionEntry(state: EvolveState, step: number, current: Current, verdict: SequentialStep): EvolveEntry {
  const head = state.evidence.get(state.head) ?? { successes: 0, trials: 0 };
  const mine: Counts = state.evidence.get(current.version) ?? { successes: 0, trials: 0 };
  const posterior = betaPosterior(mine);
  const decision = verdict.next === 'continue' ? 'keep' : verdict.next;
  return {
    type: 'decision',
    step,
    version: current.version,
    decision,
    pBetter: verdict.pBetter,
    against: { version: state.head, viable: head.successes, attempts: head.trials },
    head: decision === 'promote' ? current.version : state.head,
    viable: mine.successes,
    attempts: mine.trials,
    posterior: { mean: posterior.mean, low: posterior.low, high: posterior.high },
    why: verdict.why,
    ...(current.confirming
      ? { provisional: { attempts: current.tried.trials, pBetter: pBetterOf(head, current.tried) } }
      : {}),
  };
}

function stopReason(
  state: ReturnType<typeof replayLog>,
  start: Extract<EvolveEntry, { type: 'start' }>,
  /** The landscape the exemplar mutates from, or null when a model mutates. */
  landscape: Landscape | null,
): string | null {
  // A mutant whose evaluation has begun is finished first: it already counts as one of the campaigns.
  const begun = state.current !== null && (state.evidence.get(state.current.version)?.trials ?? 0) > 0;
  if (state.campaigns >= start.campaigns && !begun) return `${state.campaigns} campaigns run`;
  if (start.budget !== null && state.tokens >= start.budget) return `token budget of ${start.budget} spent`;
  if (landscape !== null && state.current === null && landscape.edits.every((e) => state.tried.has(e.name)))
    return 'every mutation of the landscape was tried';
  return null;
}

async function loadEvolved(dir: string, id: string, version: string): Promise<Spec> {
  const file = path.join(dir, `${id}@${version}.md`);
  return parseSpec({ bytes: await readFile(file), file });
}
