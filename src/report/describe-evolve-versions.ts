import { betaPosterior } from '../evolve/beta-posterior.js';
import type { Archive } from '../evolve/build-archive.js';
import type { EvolveEntry } from '../evolve/evolve-log.js';

/** What became of a version: the seed, selected (promoted / kept / dropped), rejected before any campaign, or open. */
export type EvolveVerdict =
  | 'seed'
  | 'promoted'
  | 'kept'
  | 'dropped'
  | 'demoted'
  | 'rejected by the guard'
  | 'rejected by the screen'
  | 'open';

/** One spec version of an evolve run, with everything its step of the log says about it. */
export interface ReportEvolveVersion {
  version: string;
  /** Its `parent-version`; null for the run's starting version (the seed). */
  parent: string | null;
  step: number;
  mutation: { name: string; type: string } | null;
  /** A transplant's donor version (from the log's `donor` field when it has one, else from the mutation's name). */
  donor: string | null;
  changes: string[];
  verdict: EvolveVerdict;
  /** Why, in one line: the guard's or screen's reason, or P(better) against the threshold the rule compared it with. */
  why: string;
  screen: string | null;
  pBetter: number | null;
  campaigns: Array<{ stage: string; viable: number; attempts: number; tokens: number; campaign: string | null }>;
  /** Viability over all its campaigns with the 95 % interval of its Beta(1,1) posterior; null without a campaign. */
  viability: { viable: number; attempts: number; mean: number; low: number; high: number } | null;
  /** Tokens it cost: the mutate request, the screen, its campaigns. */
  tokens: number;
  /** Its archive cell, when it had a campaign. */
  cell: string | null;
  /** Which archive member its step's `parent` entry chose, and by what rule and draw; null in logs without one. */
  choice: { version: string; why: string } | null;
  /** The sequential rule's evidence at the decision, as logged (null for older cascade logs and undecided versions). */
  decision: ReportEvolveDecision | null;
  /** Fields of its log entries the report does not know by name (a newer log's), shown as they are. */
  extras: Array<{ entry: string; key: string; value: string }>;
}

/** What the sequential rule logged with a decision: the mutant's counts and posterior, why it stopped, the top-up. */
export interface ReportEvolveDecision {
  viable: number;
  attempts: number;
  /** Posterior mean and 95 % interval of its viability (Beta(1,1)) at the decision. */
  posterior: { mean: number; low: number; high: number };
  /** Why the evaluation stopped where it did: the threshold it crossed, or the cap. */
  why: string;
  /** Where it crossed the promote threshold, before it was topped up to the cap; null when it never did. */
  provisional: { attempts: number; pBetter: number } | null;
}

/** Keys of each entry type the report shows by name; any other key is an extra. */
const KNOWN: Record<string, readonly string[]> = {
  start: [
    'type',
    'id',
    'spec',
    'mode',
    'landscape',
    'lanes',
    'campaigns',
    'length',
    'screening',
    'budget',
    'seed',
    'at',
  ],
  mutant: ['type', 'step', 'version', 'parentVersion', 'mutation', 'changes', 'tokens', 'file', 'at', 'donor'],
  rejected: ['type', 'step', 'version', 'by', 'reason', 'tokens'],
  admitted: ['type', 'step', 'version', 'screen', 'tokens'],
  campaign: ['type', 'step', 'version', 'stage', 'seed', 'campaign', 'outcome', 'at'],
  decision: [
    'type',
    'step',
    'version',
    'decision',
    'pBetter',
    'against',
    'head',
    'viable',
    'attempts',
    'posterior',
    'why',
    'provisional',
  ],
  parent: ['type', 'step', 'version', 'why', 'mutation'],
};
const MAX_EXTRA_CHARS = 400;
const VERDICTS = { promote: 'promoted', keep: 'kept', drop: 'dropped', demote: 'demoted' } as const;

/** Every version of the run, the seed first, in the order the log made them. */
export function describeEvolveVersions(entries: readonly EvolveEntry[], archive: Archive): ReportEvolveVersion[] {
  const versions = new Map<string, ReportEvolveVersion>();
  const cells = new Map(archive.members.map((m) => [m.version, m.cell]));
  // A step's `parent` entry comes before its mutant: it is the mutant's, once the mutant is logged.
  const choices = new Map<number, Extract<EvolveEntry, { type: 'parent' }>>();
  const get = (version: string): ReportEvolveVersion => {
    let v = versions.get(version);
    if (v === undefined) {
      v = blank(version);
      versions.set(version, v);
    }
    return v;
  };
  for (const entry of entries) {
    if (entry.type === 'start') {
      const seed = get(entry.spec.version);
      seed.verdict = 'seed';
      seed.why = `the run's starting version (${entry.spec.id}@${entry.spec.version})`;
      continue;
    }
    if (entry.type === 'parent') {
      choices.set(entry.step, entry);
      continue;
    }
    // A launch only names the rig campaign its `campaign` entry names again once it has run.
    if (entry.type === 'monitor' || entry.type === 'end' || entry.type === 'launch') continue;
    const v = get(entry.version);
    addExtras(v, entry);
    switch (entry.type) {
      case 'mutant': {
        v.parent = entry.parentVersion;
        v.step = entry.step;
        v.mutation = entry.mutation;
        v.changes = entry.changes;
        v.donor = donorOf(entry);
        v.tokens += entry.tokens;
        const choice = choices.get(entry.step);
        if (choice !== undefined) {
          v.choice = { version: choice.version, why: choice.why };
          addExtras(v, choice);
        }
        break;
      }
      case 'rejected':
        v.verdict = entry.by === 'guard' ? 'rejected by the guard' : 'rejected by the screen';
        v.why = `${entry.reason} (no campaign; the ${entry.by} cost ${entry.tokens} tokens)`;
        v.tokens += entry.tokens;
        break;
      case 'admitted':
        v.screen = entry.screen;
        v.tokens += entry.tokens;
        break;
      case 'campaign':
        v.campaigns.push({
          stage: entry.stage,
          viable: entry.outcome.viable,
          attempts: entry.outcome.attempts,
          tokens: entry.outcome.tokens,
          campaign: entry.campaign ?? null,
        });
        v.tokens += entry.outcome.tokens;
        break;
      case 'decision':
        v.verdict = VERDICTS[entry.decision];
        v.pBetter = entry.pBetter;
        v.why = explainDecision(entry);
        v.decision = sequentialEvidence(entry);
        break;
    }
  }
  for (const v of versions.values()) {
    v.cell = cells.get(v.version) ?? null;
    const viable = v.campaigns.reduce((s, c) => s + c.viable, 0);
    const attempts = v.campaigns.reduce((s, c) => s + c.attempts, 0);
    if (attempts > 0) {
      const { mean, low, high } = betaPosterior({ successes: viable, trials: attempts });
      v.viability = { viable, attempts, mean, low, high };
    }
  }
  return [...versions.values()];
}

/**
 * The decision in words. A log written by the sequential rule carries its own `why` (the threshold it crossed, or the
 * cap); an older cascade log does not, and is explained with the cascade's thresholds of the time (screening: go on
 * at P ≥ 0.3; full campaign: promote at P ≥ 0.8), so an old run reads as it was decided.
 */
export function explainDecision(entry: Extract<EvolveEntry, { type: 'decision' }>): string {
  const p = `P(better than ${entry.against.version} at ${entry.against.viable}/${entry.against.attempts}) = ${entry.pBetter.toFixed(2)}`;
  const words = {
    promote: 'promoted as head',
    keep: 'kept in the archive, not promoted',
    drop: 'dropped',
    demote: 'demoted back to the archive after its top-up',
  }[entry.decision];
  if (entry.why !== undefined) return `${words}: ${p}; ${entry.why}`;
  if (entry.decision === 'promote') return `${words}: ${p} ≥ 0.80`;
  if (entry.decision === 'keep') return `${words}: ${p} < 0.80 after its full campaign`;
  return `dropped after its screening campaign: ${p} < 0.30, too far behind to earn a full campaign`;
}

function blank(version: string): ReportEvolveVersion {
  return {
    version,
    parent: null,
    step: 0,
    mutation: null,
    donor: null,
    changes: [],
    verdict: 'open',
    why: 'not decided yet (the run stopped before its verdict)',
    screen: null,
    pBetter: null,
    campaigns: [],
    viability: null,
    tokens: 0,
    cell: null,
    choice: null,
    decision: null,
    extras: [],
  };
}

/** The sequential rule's fields of a decision; null for a cascade log's, which has none of them. */
function sequentialEvidence(entry: Extract<EvolveEntry, { type: 'decision' }>): ReportEvolveDecision | null {
  const { viable, attempts, posterior, why } = entry;
  if (viable === undefined || attempts === undefined || posterior === undefined || why === undefined) return null;
  return { viable, attempts, posterior, why, provisional: entry.provisional ?? null };
}

/** A transplant names its donor as the version at the end of its mutation's name (`transplant-<section>-<version>`). */
function donorOf(entry: Extract<EvolveEntry, { type: 'mutant' }>): string | null {
  const logged = (entry as { donor?: unknown }).donor;
  if (typeof logged === 'string') return logged;
  if (entry.mutation.type !== 'transplant') return null;
  return /-(\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?)$/.exec(entry.mutation.name)?.[1] ?? null;
}

function addExtras(v: ReportEvolveVersion, entry: EvolveEntry): void {
  const known = KNOWN[entry.type] ?? [];
  for (const [key, value] of Object.entries(entry)) {
    if (known.includes(key) || value === undefined) continue;
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    v.extras.push({ entry: entry.type, key, value: text.slice(0, MAX_EXTRA_CHARS) });
  }
}
