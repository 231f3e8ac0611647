import { z } from 'zod';
import { addCacheUsage, type CacheUsage, ZERO_CACHE } from '../gateway/account-cache.js';

const byTtl = z.object({ '5m': z.number().nonnegative(), '1h': z.number().nonnegative() });

/** A run summary's `cache` (the gateway ledger's CacheUsage and the `--cache-ttl` mode); runs before it have none. */
export const runCacheSchema = z
  .object({ ttl: z.string().nullable(), writes: byTtl, reads: byTtl, savedUsd: z.number().nullable() })
  .passthrough();

/** Prompt-cache writes and reads by TTL and dollars saved over runs; null when no run recorded any. */
export function sumCacheUsage(
  runs: ReadonlyArray<{ cache?: z.infer<typeof runCacheSchema> | undefined }>,
): CacheUsage | null {
  const recorded = runs.flatMap((run) => (run.cache === undefined ? [] : [run.cache]));
  if (recorded.length === 0) return null;
  return recorded.reduce<CacheUsage>((sum, cache) => addCacheUsage(sum, cache), ZERO_CACHE);
}

/** One line for `cambrian stats`: "5m 1.2k written, 3.4k read; 1h …; saved $0.12". */
export function formatCacheUsage(cache: CacheUsage): string {
  const k = (n: number) => (n >= 1000 ? `${(n / 1000).toFixed(1)}k` : String(n));
  const saved = cache.savedUsd === null ? 'saved —' : `saved $${cache.savedUsd.toFixed(4)}`;
  return (['5m', '1h'] as const)
    .map((ttl) => `${ttl} ${k(cache.writes[ttl])} written, ${k(cache.reads[ttl])} read`)
    .concat(saved)
    .join('; ');
}
