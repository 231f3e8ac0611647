import { compareSemver } from '../spec/semver.js';
import type { EvolveEntry } from './evolve-log.js';
import type { MutationType } from './landscape.js';
import type { Counts } from './selection-rule.js';

/** Where a run stands, rebuilt from its log alone. */
export interface EvolveState {
  head: string;
  /** The step to work on: 0 evaluates the starting head; n ≥ 1 is the n-th mutant. */
  step: number;
  /** The parent the open step's mutant is (to be) made from, once chosen and logged. */
  parent: { version: string; why: string; mutation?: MutationType } | null;
  /**
   * The mutant of the open step: made, not yet decided or rejected; null when the next step needs a mutant. `tried`:
   * its attempts in the sequential phase; `confirming`: a top-up batch of it as a provisional head is in.
   */
  current: {
    version: string;
    parentVersion: string;
    admitted: boolean;
    tried: Counts;
    confirming: boolean;
  } | null;
  /** Viable attempts of every version over all its campaigns. */
  evidence: Map<string, Counts>;
  /** Failed attempts of every version by the stage they failed at. */
  failures: Map<string, Record<string, number>>;
  /** Evaluations run: the starting head's campaign, and each mutant's batches (top-up included), count one each. */
  campaigns: number;
  tokens: number;
  tried: Set<string>;
  /** Change lines of every mutant so far, for the next `mutate` prompt. */
  changes: string[];
  versions: string[];
  /** The most attempts a mutant gets (the sequential rule's cap): the start's, until the meta-monitor shortens it. */
  length: number;
  /** The meta-monitor's choice for the open step's mutation, if it made one. */
  choice: { type: MutationType; stage?: string } | null;
  ended: boolean;
}

export function replayLog(entries: readonly EvolveEntry[]): EvolveState {
  const state: EvolveState = {
    head: '',
    step: 0,
    parent: null,
    current: null,
    evidence: new Map(),
    failures: new Map(),
    campaigns: 0,
    tokens: 0,
    tried: new Set(),
    changes: [],
    versions: [],
    length: 0,
    choice: null,
    ended: false,
  };
  const evaluated = new Set<number>();
  for (const entry of entries) {
    switch (entry.type) {
      case 'start':
        state.head = entry.spec.version;
        state.versions.push(entry.spec.version);
        state.length = entry.length;
        break;
      case 'mutant':
        state.step = entry.step;
        state.current = {
          version: entry.version,
          parentVersion: entry.parentVersion,
          admitted: false,
          tried: { successes: 0, trials: 0 },
          confirming: false,
        };
        state.tried.add(entry.mutation.name);
        state.tokens += entry.tokens;
        state.changes.push(
          entry.changes.length === 0 ? `(mutant ${entry.version} had no change line)` : entry.changes.join(' / '),
        );
        state.versions.push(entry.version);
        break;
      case 'parent':
        state.parent = {
          version: entry.version,
          why: entry.why,
          ...(entry.mutation === undefined ? {} : { mutation: entry.mutation }),
        };
        break;
      case 'rejected':
        state.tokens += entry.tokens;
        state.parent = null;
        state.current = null;
        state.choice = null;
        state.step = entry.step + 1;
        break;
      case 'admitted':
        state.tokens += entry.tokens;
        if (state.current !== null) state.current.admitted = true;
        break;
      case 'campaign': {
        if (!evaluated.has(entry.step)) state.campaigns += 1;
        evaluated.add(entry.step);
        state.tokens += entry.outcome.tokens;
        const before = state.evidence.get(entry.version) ?? { successes: 0, trials: 0 };
        state.evidence.set(entry.version, {
          successes: before.successes + entry.outcome.viable,
          trials: before.trials + entry.outcome.attempts,
        });
        const failed = state.failures.get(entry.version) ?? {};
        for (const [stage, n] of Object.entries(entry.outcome.failuresByStage))
          failed[stage] = (failed[stage] ?? 0) + n;
        state.failures.set(entry.version, failed);
        if (entry.stage === 'head') state.step = 1;
        else if (state.current !== null && entry.stage === 'confirm') state.current.confirming = true;
        else if (state.current !== null) {
          state.current.tried.successes += entry.outcome.viable;
          state.current.tried.trials += entry.outcome.attempts;
        }
        break;
      }
      case 'decision':
        state.head = entry.head;
        state.parent = null;
        state.current = null;
        state.choice = null;
        state.step = entry.step + 1;
        break;
      case 'end':
        state.ended = true;
        break;
      case 'monitor':
        if (entry.mutation !== undefined)
          state.choice =
            entry.stage === undefined ? { type: entry.mutation } : { type: entry.mutation, stage: entry.stage };
        if (entry.length !== undefined) state.length = entry.length;
        break;
    }
  }
  return state;
}

/** One patch above every version the run knows, so siblings never share a version. */
export function nextVersion(versions: readonly string[]): string {
  const top = [...versions].sort(compareSemver).at(-1) ?? '0.0.0';
  const [major, minor, patch] = top.split(/[.+-]/).map(Number);
  return `${major ?? 0}.${minor ?? 0}.${(patch ?? 0) + 1}`;
}
