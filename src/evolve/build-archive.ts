import { betaPosterior } from './beta-posterior.js';
import type { EvolveEntry } from './evolve-log.js';

/**
 * The behaviour descriptor of a version, three axes:
 * - viability: the posterior mean in quarters (the quantity selected on; with 8–16 attempts a finer grid is noise);
 * - cost: tokens per attempt against the run's starting version (cheaper, same, dearer by more than 10 %), since a
 *   genome that reaches the same viability on fewer tokens is a different, useful niche;
 * - failing stage: where most of its failures fall (`none` without failures), which tells refinements apart.
 * The original's "attempts to viability" and "trend" are left out: over one or two short campaigns both are mostly
 * noise, and attempts to viability is already what the first-try rate inside viability measures.
 */
export interface Descriptor {
  viability: 0 | 1 | 2 | 3;
  cost: 'cheaper' | 'same' | 'dearer';
  stage: string;
}

export interface ArchiveMember {
  version: string;
  parentVersion: string | null;
  viable: number;
  attempts: number;
  mean: number;
  tokensPerAttempt: number;
  descriptor: Descriptor;
  cell: string;
}

export interface Archive {
  /** One elite per cell: the member with the highest posterior mean (more attempts breaks a tie). */
  elites: ArchiveMember[];
  members: ArchiveMember[];
}

/** The MAP-Elites archive of an evolve run, from its log: every version that had a campaign. */
export function buildArchive(entries: readonly EvolveEntry[]): Archive {
  const parents = new Map<string, string | null>();
  const totals = new Map<
    string,
    { viable: number; attempts: number; tokens: number; stages: Record<string, number> }
  >();
  let base: string | null = null;
  for (const entry of entries) {
    if (entry.type === 'start') {
      base = entry.spec.version;
      parents.set(base, null);
    }
    if (entry.type === 'mutant') parents.set(entry.version, entry.parentVersion);
    if (entry.type !== 'campaign') continue;
    const t = totals.get(entry.version) ?? { viable: 0, attempts: 0, tokens: 0, stages: {} };
    t.viable += entry.outcome.viable;
    t.attempts += entry.outcome.attempts;
    t.tokens += entry.outcome.tokens;
    for (const [stage, n] of Object.entries(entry.outcome.failuresByStage))
      t.stages[stage] = (t.stages[stage] ?? 0) + n;
    totals.set(entry.version, t);
  }
  const perAttempt = (v: string | null): number => {
    const t = v === null ? undefined : totals.get(v);
    return t === undefined || t.attempts === 0 ? 0 : t.tokens / t.attempts;
  };
  const reference = perAttempt(base);
  const members: ArchiveMember[] = [];
  for (const [version, t] of totals) {
    if (t.attempts === 0) continue;
    const { mean } = betaPosterior({ successes: t.viable, trials: t.attempts });
    const tokensPerAttempt = t.tokens / t.attempts;
    const ratio = reference === 0 ? 1 : tokensPerAttempt / reference;
    const stage = Object.entries(t.stages).sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'none';
    const descriptor: Descriptor = {
      viability: Math.min(3, Math.floor(mean * 4)) as Descriptor['viability'],
      cost: ratio < 0.9 ? 'cheaper' : ratio > 1.1 ? 'dearer' : 'same',
      stage,
    };
    const cell = `v${descriptor.viability}/${descriptor.cost}/${descriptor.stage}`;
    members.push({
      version,
      parentVersion: parents.get(version) ?? null,
      viable: t.viable,
      attempts: t.attempts,
      mean,
      tokensPerAttempt,
      descriptor,
      cell,
    });
  }
  const best = new Map<string, ArchiveMember>();
  for (const m of members) {
    const held = best.get(m.cell);
    if (held === undefined || m.mean > held.mean || (m.mean === held.mean && m.attempts > held.attempts))
      best.set(m.cell, m);
  }
  return { elites: [...best.values()].sort((a, b) => b.mean - a.mean), members };
}
