import { randomBytes } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CambrianError, UsageError } from '../errors.js';
import type { RigQueueConnection } from '../queue/read-rig-queue-url.js';
import { loadSpec } from '../spec/load-spec.js';
import { parseSpec, type Spec } from '../spec/parse-spec.js';
import { lineagePaths, resolveGenerationsDir } from '../supervisor/lineage-paths.js';
import { buildArchive } from './build-archive.js';
import { createEvolveExemplar } from './create-evolve-exemplar.js';
import { appendEntry, type EvolveEntry, readLog } from './evolve-log.js';
import { createEvolveBackend, type EvolveRoles, evolveRoleModel, resolveEvolveRoles } from './evolve-roles.js';
import { judgeMutant } from './judge-mutant.js';
import { type Landscape, loadLandscape } from './landscape.js';
import { makeMutant } from './make-mutant.js';
import { monitorStep } from './meta-monitor.js';
import { pickDonor } from './pick-donor.js';
import { nextVersion, replayLog, screeningLength } from './replay-log.js';
import { requestMutation } from './request-mutation.js';
import { planRigCampaign, runRigCampaign } from './run-rig-campaign.js';
import { decideAfterFull, decideAfterScreening } from './selection-rule.js';
import { simulateCampaign } from './simulate-campaign.js';

export interface EvolveOptions {
  spec?: string;
  /** Campaigns to run in all (head, screening and full campaigns each count one). */
  campaigns?: number;
  /** Attempts of a full evaluation (the screening campaign is the first part of it). */
  length?: number;
  /** Token budget of the whole run. */
  budget?: number | null;
  /** The landscape of the simulation mode: outcomes drawn from it, no rig. */
  simulate?: string;
  /** Rig mode: the landscape the exemplar fails generations by (and mutates from). */
  landscape?: string;
  /** Attempts at once in a rig campaign. */
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
 * `cambrian evolve`: each step takes the head, mutates it (the exemplar plays the landscape's catalogue), guards and
 * screens the mutant, evaluates it in a cascade (screening campaign, then the full one while it could still win) and
 * selects with posteriors. Everything is appended to the log before the next thing starts, and a resume replays the
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
      screening: screeningLength(length),
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

  const campaign = async (step: number, version: string, stage: 'head' | 'screening' | 'full', length: number) => {
    const seed = `${start.seed}/${step}/${stage}`;
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
      const parent = specs.get(state.head) ?? (await loadEvolved(specsDir, start.spec.id, state.head));
      const entry = await makeMutant({
        backend,
        model: evolveRoleModel(roles, 'mutate'),
        parent,
        version: nextVersion(state.versions),
        step,
        request: requestMutation({ state, parent, donor: await findDonor(state.choice?.type, parent) }),
        specsDir,
        ...signal,
      });
      await append(entry);
      continue;
    }
    if (!current.admitted) {
      const parent = specs.get(state.head) ?? (await loadEvolved(specsDir, start.spec.id, state.head));
      const file = path.join(specsDir, `${start.spec.id}@${current.version}.md`);
      const model = evolveRoleModel(roles, 'screen');
      const judged = await judgeMutant({ backend, model, parent, file, step, version: current.version, ...signal });
      if (judged.mutant !== null) specs.set(current.version, judged.mutant);
      await append(judged.entry);
      continue;
    }
    const head = state.evidence.get(state.head) ?? { successes: 0, trials: 0 };
    const mine = state.evidence.get(current.version) ?? { successes: 0, trials: 0 };
    if (!current.screened) {
      await campaign(step, current.version, 'screening', state.screening);
      continue;
    }
    if (!current.full) {
      const { next, pBetter } = decideAfterScreening(head, mine);
      if (next === 'drop') {
        await append(decision(step, current.version, 'drop', pBetter, state.head, head));
        continue;
      }
      await campaign(step, current.version, 'full', state.length - state.screening);
      continue;
    }
    const { decision: verdict, pBetter } = decideAfterFull(head, mine);
    await append(decision(step, current.version, verdict, pBetter, state.head, head));
  }
  return { id, log, head: replayLog(entries).head, entries };
}

function decision(
  step: number,
  version: string,
  verdict: 'drop' | 'promote' | 'keep',
  pBetter: number,
  head: string,
  evidence: { successes: number; trials: number },
): EvolveEntry {
  return {
    type: 'decision',
    step,
    version,
    decision: verdict,
    pBetter,
    against: { version: head, viable: evidence.successes, attempts: evidence.trials },
    head: verdict === 'promote' ? version : head,
  };
}

function stopReason(
  state: ReturnType<typeof replayLog>,
  start: Extract<EvolveEntry, { type: 'start' }>,
  /** The landscape the exemplar mutates from, or null when a model mutates. */
  landscape: Landscape | null,
): string | null {
  // A mutant whose full campaign is in is decided first: its decision needs no further campaign.
  if (state.campaigns >= start.campaigns && state.current?.full !== true) return `${state.campaigns} campaigns run`;
  if (start.budget !== null && state.tokens >= start.budget) return `token budget of ${start.budget} spent`;
  if (landscape !== null && state.current === null && landscape.edits.every((e) => state.tried.has(e.name)))
    return 'every mutation of the landscape was tried';
  return null;
}

async function loadEvolved(dir: string, id: string, version: string): Promise<Spec> {
  const file = path.join(dir, `${id}@${version}.md`);
  return parseSpec({ bytes: await readFile(file), file });
}
