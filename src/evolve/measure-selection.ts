import { createRandom, seedOf } from './seeded-random.js';
import {
  type Counts,
  decideConfirmation,
  decideMutant,
  originalRule,
  SELECTION,
  type SelectionThresholds,
} from './selection-rule.js';

export interface LineOptions {
  /** The starting head's true viability; every mutant's is this, this + d or this − d (a third each). */
  base: number;
  d: number;
  /** Mutants tried in each line, one after the other, each against the line's head at that moment. */
  mutants: number;
  lines: number;
  seed: number;
  /** The sequential rule's cap: the most attempts a mutant gets, the starting head's campaign, the top-up target. */
  cap: number;
  /** The original's campaign length (5): the mutant's and the starting head's. */
  originalLength: number;
  /** Thresholds to measure (default: the documented SELECTION). */
  rule?: SelectionThresholds;
  /** Top a provisional head up to the cap before it replaces the head (default true). */
  confirm?: boolean;
}

/** One rule's record over all lines: decisions by the true difference to the head at that moment. */
export interface LineOutcome {
  /** Share promoted of the mutants truly better by d, truly worse by d, and with no true difference. */
  better: number;
  worse: number;
  neutral: number;
  /** Decisions of each kind (a mutant 2d away, after a wrong promotion, counts in none of the three). */
  seen: { better: number; worse: number; neutral: number };
  /** Attempts per decision: on the mutant, the provisional heads' top-ups and the starting head's campaign, shared. */
  attempts: number;
  /** Mean true viability of the lines' heads after the last mutant. */
  finalHead: number;
}

/**
 * Measures selection on whole lines: a starting head, then a stream of mutants whose true rates lie around it, each
 * decided against whatever the line's head is by then (a promoted mutant's evidence is all the next ones are compared
 * with). Both rules see the same stream and the same attempt outcomes (each version's n-th attempt is one seeded draw),
 * so they differ only in how many attempts they look at and what they make of them.
 */
export function measureLines(options: LineOptions): { sequential: LineOutcome; original: LineOutcome } {
  const tallies = { sequential: newTally(), original: newTally() };
  for (let line = 0; line < options.lines; line += 1) {
    const stream = createRandom(seedOf(options.seed, options.d, line, 'stream'));
    const rates = Array.from(
      { length: options.mutants },
      () => options.base + options.d * (Math.floor(stream() * 3) - 1),
    );
    const outcomes = (version: number): ((i: number) => number) => {
      const random = createRandom(seedOf(options.seed, options.d, line, version));
      const draws: number[] = [];
      return (i) => {
        while (draws.length <= i) draws.push(random());
        return draws[i] ?? 1;
      };
    };
    const draws = [outcomes(0), ...rates.map((_, j) => outcomes(j + 1))];
    const rateOf = (version: number): number => (version === 0 ? options.base : (rates[version - 1] ?? 0));
    const count = (version: number, n: number): Counts => {
      let successes = 0;
      for (let i = 0; i < n; i += 1) if ((draws[version]?.(i) ?? 1) < rateOf(version)) successes += 1;
      return { successes, trials: n };
    };
    runSequential(options, rateOf, count, tallies.sequential);
    runOriginal(options, rateOf, count, tallies.original);
  }
  const scale = options.lines * options.mutants;
  return {
    sequential: summarize(tallies.sequential, scale, options.lines),
    original: summarize(tallies.original, scale, options.lines),
  };
}

type Count = (version: number, n: number) => Counts;

function runSequential(options: LineOptions, rateOf: (v: number) => number, count: Count, tally: Tally): void {
  const rule = options.rule ?? SELECTION;
  const { cap } = options;
  let head = 0;
  let headAttempts = cap;
  tally.attempts += cap;
  for (let version = 1; version <= options.mutants; version += 1) {
    const against = count(head, headAttempts);
    let n = 0;
    let step = decideMutant({ head: against, mutant: count(version, n), cap, rule });
    while (step.next === 'continue') {
      n += 1;
      step = decideMutant({ head: against, mutant: count(version, n), cap, rule });
    }
    if (step.next === 'promote' && options.confirm !== false) {
      step = decideConfirmation({ head: against, mutant: count(version, n), cap, rule });
      while (step.next === 'continue') {
        n += 1;
        step = decideConfirmation({ head: against, mutant: count(version, n), cap, rule });
      }
    }
    tally.attempts += n;
    const promoted = step.next === 'promote';
    record(tally, rateOf(version) - rateOf(head), options.d, promoted);
    if (promoted) {
      head = version;
      headAttempts = n;
    }
  }
  tally.finalHead += rateOf(head);
}

function runOriginal(options: LineOptions, rateOf: (v: number) => number, count: Count, tally: Tally): void {
  const length = options.originalLength;
  let head = 0;
  tally.attempts += length;
  for (let version = 1; version <= options.mutants; version += 1) {
    tally.attempts += length;
    const promoted = originalRule(count(head, length), count(version, length)) === 'promote';
    record(tally, rateOf(version) - rateOf(head), options.d, promoted);
    if (promoted) head = version;
  }
  tally.finalHead += rateOf(head);
}

interface Tally {
  promoted: { better: number; worse: number; neutral: number };
  seen: { better: number; worse: number; neutral: number };
  attempts: number;
  finalHead: number;
}

function newTally(): Tally {
  return {
    promoted: { better: 0, worse: 0, neutral: 0 },
    seen: { better: 0, worse: 0, neutral: 0 },
    attempts: 0,
    finalHead: 0,
  };
}

function record(tally: Tally, difference: number, d: number, promoted: boolean): void {
  const kind =
    Math.abs(difference) < 1e-9
      ? 'neutral'
      : Math.abs(difference - d) < 1e-9
        ? 'better'
        : Math.abs(difference + d) < 1e-9
          ? 'worse'
          : null;
  if (kind === null) return;
  tally.seen[kind] += 1;
  if (promoted) tally.promoted[kind] += 1;
}

function summarize(tally: Tally, decisions: number, lines: number): LineOutcome {
  const share = (kind: keyof Tally['seen']): number =>
    tally.seen[kind] === 0 ? 0 : tally.promoted[kind] / tally.seen[kind];
  return {
    better: share('better'),
    worse: share('worse'),
    neutral: share('neutral'),
    seen: { ...tally.seen },
    attempts: tally.attempts / decisions,
    finalHead: tally.finalHead / lines,
  };
}
