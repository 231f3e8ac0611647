import { z } from 'zod';
import type { GenerationRecord } from '../artifact/generation-record-schema.js';
import { costOf } from '../gateway/prices.js';
import type { RunSummaryFile } from './read-run-summaries.js';

const tokensSchema = z.object({
  input: z.number(),
  output: z.number(),
  cacheRead: z.number(),
  cacheWrite: z.number(),
});

/** The unit of selection between spec versions: what N attempts against one spec version achieved and cost. */
export const campaignSummarySchema = z.object({
  /** Generations spawned and judged (promoted or failed), excluding interrupted and undecided ones. */
  attempts: z.number().int(),
  viable: z.number().int(),
  promoted: z.number().int(),
  viabilityRate: z.number().nullable(),
  firstTry: z.object({ attempts: z.number().int(), viable: z.number().int(), rate: z.number().nullable() }),
  informedRetries: z.object({ count: z.number().int(), succeeded: z.number().int() }),
  fitness: z.object({
    /** Mean test pass rate (the rig's fitness.pass_rate) over attempts with a verdict. */
    mean: z.number().nullable(),
    /** Least-squares slope of viability (1 viable, 0 not) over attempt number: > 0 improving. */
    trend: z.number().nullable(),
  }),
  /** Non-viable attempts by the stage that failed (`no-verdict` when the rig never judged it). */
  failuresByStage: z.record(z.string(), z.number().int()),
  /** Attempts by how many rig stages passed (0 … 6). */
  stagesCompleted: z.record(z.string(), z.number().int()),
  tokens: tokensSchema.extend({ source: z.enum(['runs', 'records']) }),
  costUsd: z.number().nullable(),
  /** Elapsed time covered by the campaign's runs (overlapping lanes counted once); null without run summaries. */
  wallMs: z.number().nullable(),
  parseRepairs: z.number().int().nullable(),
  continuations: z.number().int().nullable(),
  runs: z.number().int(),
  /** Generations without a verdict because the engine was stopped: not attempts, a resume redoes them. */
  interrupted: z.number().int(),
  /** Generations still being tested or decided. */
  pending: z.number().int(),
  /** What could not be derived from the data on disk. */
  notes: z.array(z.string()),
});
export type CampaignSummary = z.infer<typeof campaignSummarySchema>;

export type AttemptState = 'attempt' | 'interrupted' | 'pending';

/** How a record counts: an attempt, an interrupted generation (no verdict, engine stopped), or still undecided. */
export function classifyRecord(record: GenerationRecord, run: RunSummaryFile | undefined): AttemptState {
  if (record.outcome === 'in_progress' || record.outcome === 'tested') return 'pending';
  if (record['rig-result'] !== null) return 'attempt';
  // No verdict: a run that was stopped (or died without its summary) interrupted it; the Prime did not fail it.
  if (run === undefined || run.stopped?.startsWith('stopped by') === true) return 'interrupted';
  return 'attempt';
}

/** Least-squares slope of ys over x = 1…n; null with fewer than two points. */
export function leastSquaresSlope(ys: readonly number[]): number | null {
  const n = ys.length;
  if (n < 2) return null;
  const meanX = (n + 1) / 2;
  const meanY = ys.reduce((sum, y) => sum + y, 0) / n;
  let num = 0;
  let den = 0;
  ys.forEach((y, i) => {
    num += (i + 1 - meanX) * (y - meanY);
    den += (i + 1 - meanX) ** 2;
  });
  return num / den;
}

const STAGE_COUNT_KEYS = ['0', '1', '2', '3', '4', '5', '6'];

/**
 * Summarizes the records of one campaign (or any set of generations) with the run summaries of their runs. Pure:
 * every number is counted from the records and runs it is given.
 */
export function summarizeCampaign(options: {
  records: readonly GenerationRecord[];
  runs: readonly RunSummaryFile[];
  /** Runs whose gateway billed nothing (`<run>.start.json`): their records cost 0 even without a run summary. */
  unbilledRuns?: ReadonlySet<string>;
}): CampaignSummary {
  const unbilled = options.unbilledRuns ?? new Set<string>();
  const runsById = new Map(options.runs.map((run) => [run.run, run]));
  const notes: string[] = [];
  const sorted = [...options.records].sort((a, b) => a.created.localeCompare(b.created) || a.generation - b.generation);
  const states = sorted.map((record) => classifyRecord(record, runsById.get(record.run ?? '')));
  const attempts = sorted.filter((_, i) => states[i] === 'attempt');
  const isViable = (r: GenerationRecord): boolean => r.viability?.status === 'viable';

  const retryFlags = attempts.map((record) => isInformedRetry(record, sorted, runsById));
  if (attempts.some((record) => !runsById.has(record.run ?? ''))) {
    notes.push('some runs have no summary: informed retries there are inferred from the order of attempts in the run');
  }
  const firstTries = attempts.filter((_, i) => !retryFlags[i]);
  const retries = attempts.filter((_, i) => retryFlags[i]);

  const failuresByStage: Record<string, number> = {};
  const stagesCompleted: Record<string, number> = Object.fromEntries(STAGE_COUNT_KEYS.map((k) => [k, 0]));
  const passRates: number[] = [];
  for (const record of attempts) {
    const report = record.viability;
    const passed = report === null ? 0 : Object.values(report.checks).filter((check) => check.passed).length;
    stagesCompleted[String(passed)] = (stagesCompleted[String(passed)] ?? 0) + 1;
    if (report !== null) passRates.push(typeof report.fitness.pass_rate === 'number' ? report.fitness.pass_rate : 0);
    if (isViable(record)) continue;
    const stage = report?.failure_stage ?? report?.diagnostics?.stage ?? 'no-verdict';
    failuresByStage[stage] = (failuresByStage[stage] ?? 0) + 1;
  }

  const campaignRuns = [...new Set(sorted.map((r) => r.run).filter((run): run is string => run !== null))];
  const known = campaignRuns.map((id) => runsById.get(id)).filter((run) => run !== undefined);
  // Runs that spawned nothing (a Prime that never got a parseable reply) still spent tokens: include every given run.
  const allRuns = [...new Map([...known, ...options.runs].map((run) => [run.run, run])).values()];
  const everyRunKnown = known.length === campaignRuns.length && allRuns.length > 0;
  const tokens = everyRunKnown
    ? { ...sumTokens(allRuns.map((run) => run.tokens)), source: 'runs' as const }
    : { ...sumTokens(sorted.map(recordTokens)), source: 'records' as const };
  if (!everyRunKnown && sorted.length > 0) {
    notes.push('tokens and cost come from the generation records: requests of attempts that never spawned are missing');
  }
  const costUsd = everyRunKnown
    ? sumNullable(allRuns.map((run) => run.costUsd))
    : recordsCost(sorted, runsById, unbilled);

  const repairs = countPurpose(attempts, runsById, 'repair');
  const continuations = countPurpose(attempts, runsById, 'continuation');
  if (repairs !== null) {
    notes.push(
      'parse repairs and continuations are counted for spawned generations only (the run summaries attribute requests to spawned generations)',
    );
  }

  return {
    attempts: attempts.length,
    viable: attempts.filter(isViable).length,
    promoted: attempts.filter((r) => r.outcome === 'promoted').length,
    viabilityRate: ratio(attempts.filter(isViable).length, attempts.length),
    firstTry: {
      attempts: firstTries.length,
      viable: firstTries.filter(isViable).length,
      rate: ratio(firstTries.filter(isViable).length, firstTries.length),
    },
    informedRetries: { count: retries.length, succeeded: retries.filter(isViable).length },
    fitness: {
      mean: passRates.length === 0 ? null : passRates.reduce((s, x) => s + x, 0) / passRates.length,
      trend: leastSquaresSlope(attempts.map((r) => (isViable(r) ? 1 : 0))),
    },
    failuresByStage,
    stagesCompleted,
    tokens,
    costUsd,
    wallMs: allRuns.length === 0 ? null : unionMs(allRuns),
    parseRepairs: repairs,
    continuations,
    runs: new Set([...campaignRuns, ...allRuns.map((run) => run.run)]).size,
    interrupted: states.filter((s) => s === 'interrupted').length,
    pending: states.filter((s) => s === 'pending').length,
    notes,
  };
}

/**
 * An informed retry is a generation the Prime made after a failure: the gateway saw `retry` requests for it. Without
 * the run summary: any generation after the first of its run (the Prime retries until its one promotion).
 */
export function isInformedRetry(
  record: GenerationRecord,
  all: readonly GenerationRecord[],
  runs: ReadonlyMap<string, RunSummaryFile>,
): boolean {
  const run = runs.get(record.run ?? '');
  const entry = run?.generations.find((g) => g.generation === record.generation);
  if (entry !== undefined) return (entry.purposes.retry ?? 0) > 0;
  return all.some((other) => other.run === record.run && other.generation < record.generation);
}

function countPurpose(
  attempts: readonly GenerationRecord[],
  runs: ReadonlyMap<string, RunSummaryFile>,
  purpose: string,
): number | null {
  let total = 0;
  let seen = false;
  for (const record of attempts) {
    const entry = runs.get(record.run ?? '')?.generations.find((g) => g.generation === record.generation);
    if (entry === undefined) continue;
    seen = true;
    total += entry.purposes[purpose] ?? 0;
  }
  return seen ? total : null;
}

type Tokens = z.infer<typeof tokensSchema>;

function recordTokens(record: GenerationRecord): Tokens {
  const usage = record['token-usage'];
  return usage === null
    ? { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 }
    : { input: usage.input, output: usage.output, cacheRead: usage['cache-read'], cacheWrite: usage['cache-write'] };
}

function sumTokens(list: readonly Tokens[]): Tokens {
  return list.reduce(
    (sum, t) => ({
      input: sum.input + t.input,
      output: sum.output + t.output,
      cacheRead: sum.cacheRead + t.cacheRead,
      cacheWrite: sum.cacheWrite + t.cacheWrite,
    }),
    { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
  );
}

function sumNullable(values: readonly (number | null)[]): number | null {
  let total = 0;
  for (const value of values) {
    if (value === null) return null;
    total += value;
  }
  return total;
}

/**
 * A generation's cost: what its run's gateway billed; nothing when its run billed nothing (exemplar, replay), even
 * if the run died before its summary; else its tokens at the producer model's list price.
 */
export function generationCost(
  record: GenerationRecord,
  run: RunSummaryFile | undefined,
  unbilledRuns: ReadonlySet<string>,
): number | null {
  const entry = run?.generations.find((g) => g.generation === record.generation);
  if (entry !== undefined) return entry.costUsd;
  if (record.run !== null && unbilledRuns.has(record.run)) return 0;
  if (record['producer-model'] === null) return null;
  return costOf(record['producer-model'], recordTokens(record));
}

function recordsCost(
  records: readonly GenerationRecord[],
  runs: ReadonlyMap<string, RunSummaryFile>,
  unbilledRuns: ReadonlySet<string>,
): number | null {
  return sumNullable(records.map((record) => generationCost(record, runs.get(record.run ?? ''), unbilledRuns)));
}

function ratio(part: number, whole: number): number | null {
  return whole === 0 ? null : part / whole;
}

/** Milliseconds covered by the union of the runs' [started, ended] intervals. */
function unionMs(runs: readonly RunSummaryFile[]): number {
  const spans = runs
    .map((run) => [Date.parse(run.started), Date.parse(run.ended)] as const)
    .filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b) && b >= a)
    .sort((x, y) => x[0] - y[0]);
  let total = 0;
  let current: [number, number] | null = null;
  for (const [start, end] of spans) {
    if (current === null || start > current[1]) {
      if (current !== null) total += current[1] - current[0];
      current = [start, end];
    } else current[1] = Math.max(current[1], end);
  }
  if (current !== null) total += current[1] - current[0];
  return total;
}
