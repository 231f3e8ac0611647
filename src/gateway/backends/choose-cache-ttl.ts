import type { PrefixView } from './create-cache-lanes.js';

/**
 * How long the provider keeps the cached genome prefix. `auto` lets the gateway choose per request; `5m` and `1h` fix
 * it; `off` sends no cache breakpoint at all.
 */
export const CACHE_TTL_MODES = ['auto', '5m', '1h', 'off'] as const;
export type CacheTtlMode = (typeof CACHE_TTL_MODES)[number];
export type CacheTtl = '5m' | '1h';

export const FIVE_MINUTES_MS = 5 * 60_000;

/**
 * What `auto` assumes before it has seen a stream of this run: a whole codebase of 25,000 output tokens (the low end
 * of the 25–40k measured from model-written replies of this genome) at 60 output tokens/s (a Sonnet-class model).
 * Each later choice uses what the run measured instead.
 */
export const AUTO_PRIORS = { outputTokens: 25_000, outputTokensPerSecond: 60 } as const;

/** `auto` takes 1 h once the next read is expected this late: a 5-minute entry read at 4–5 min is too close to call. */
const LONG_GAP_MS = 4 * 60_000;

export interface CacheTtlPolicy {
  readonly mode: CacheTtlMode;
  /**
   * The TTL of a request starting at `at` (ms), null for `off`. `shared`: what the campaign's lanes know of the
   * request's cached prefix (create-cache-lanes.ts); without it the choice is this run's alone.
   */
  choose(at: number, shared?: PrefixView): CacheTtl | null;
  /** When this run expects to send its next request, given one starting at `at` (ms). */
  nextUseMs(at: number): number;
  /** A finished stream of this role and run: when it started and ended (ms), how many tokens it wrote. */
  observe(stream: { startedMs: number; endedMs: number; outputTokens: number }): void;
}

/**
 * The gateway's TTL choice for one role in one run, told what the other lanes of the campaign know. Under `auto` the cache entry a request writes is next read by the
 * request after it (a retry, a repair, a campaign's next attempt), which cannot start before this request's own stream
 * has ended and the rig has judged the result. So the expected time to the next read is this request's stream duration
 * (expected output tokens ÷ output speed) plus the gap the run has shown between a stream's end and the next request
 * (the rig's time and the Prime's). 1 h when that is ≥ 4 minutes, 5 minutes otherwise: a 1-hour write costs 2× input
 * instead of 1.25×, worth it only when a 5-minute entry would expire first.
 *
 * With the lanes' view: an entry the lanes believe alive is read, so the request keeps that entry's TTL. A write
 * looks at every next use announced (this run's and the other lanes'): when each follows the one before within
 * 4 minutes, a reader will refresh the 5-minute entry before it expires, so 5 minutes; otherwise 1 hour.
 */
export function createCacheTtlPolicy(mode: CacheTtlMode): CacheTtlPolicy {
  let maxOutput = 0;
  let streamedTokens = 0;
  let streamedMs = 0;
  let lastEnd: number | null = null;
  let maxIdleMs = 0;
  const expectedGapMs = () => {
    const output = maxOutput > 0 ? maxOutput : AUTO_PRIORS.outputTokens;
    const perSecond = streamedMs > 0 ? (1000 * streamedTokens) / streamedMs : AUTO_PRIORS.outputTokensPerSecond;
    return (1000 * output) / perSecond + maxIdleMs;
  };
  return {
    mode,
    choose(at, shared) {
      if (mode === 'off') return null;
      if (mode !== 'auto') return mode;
      if (lastEnd !== null) maxIdleMs = Math.max(maxIdleMs, at - lastEnd);
      if (shared?.alive != null) return shared.alive;
      const uses = [at + expectedGapMs(), ...(shared?.othersNext ?? []).filter((when) => when > at)];
      return longestGapMs(at, uses) >= LONG_GAP_MS ? '1h' : '5m';
    },
    nextUseMs(at) {
      return at + expectedGapMs();
    },
    observe({ startedMs, endedMs, outputTokens }) {
      lastEnd = endedMs;
      // Tiny replies (an error, a short repair) say little about the speed or the length of a whole codebase.
      if (outputTokens < 1000) return;
      maxOutput = Math.max(maxOutput, outputTokens);
      streamedTokens += outputTokens;
      streamedMs += Math.max(1, endedMs - startedMs);
    },
  };
}

/** The longest wait between `at` and the uses after it, taken in time order. */
function longestGapMs(at: number, uses: number[]): number {
  let longest = 0;
  let previous = at;
  for (const when of [...uses].sort((a, b) => a - b)) {
    longest = Math.max(longest, when - previous);
    previous = when;
  }
  return longest;
}
