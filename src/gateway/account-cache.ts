import type { TokenCount } from './gateway-events.js';

/** Prompt-cache tokens by the TTL the gateway chose, and the dollars caching saved against sending it all uncached. */
export interface CacheUsage {
  writes: { '5m': number; '1h': number };
  reads: { '5m': number; '1h': number };
  /** Dollars saved (negative: caching cost more, e.g. writes never read), or null when a model has no known price. */
  savedUsd: number | null;
}

export const ZERO_CACHE: CacheUsage = Object.freeze({
  writes: Object.freeze({ '5m': 0, '1h': 0 }),
  reads: Object.freeze({ '5m': 0, '1h': 0 }),
  savedUsd: 0,
}) as CacheUsage;

type Price = (model: string, usage: TokenCount) => number | null;

/**
 * A 1-hour write is billed at 2× the input price, a 5-minute one at 1.25× (the `cacheWrite` price): the extra 0.75×
 * is priced as that much more input, so any price function (list prices, CAMBRIAN_PRICES, an offline zero) bills it.
 */
export function priceWithTtl(price: Price, model: string, usage: TokenCount, ttl: '5m' | '1h' | null): number | null {
  if (ttl !== '1h' || usage.cacheWrite === 0) return price(model, usage);
  return price(model, { ...usage, input: usage.input + 0.75 * usage.cacheWrite });
}

/** One exchange's cache usage: its writes and reads under the TTL it was sent with. */
export function cacheUsageOf(options: {
  price: Price;
  model: string;
  usage: TokenCount;
  ttl: '5m' | '1h' | null;
}): CacheUsage {
  const { price, model, usage, ttl } = options;
  const key = ttl ?? '5m';
  const writes = { '5m': 0, '1h': 0, [key]: usage.cacheWrite };
  const reads = { '5m': 0, '1h': 0, [key]: usage.cacheRead };
  const uncached = price(model, {
    input: usage.input + usage.cacheRead + usage.cacheWrite,
    output: usage.output,
    cacheRead: 0,
    cacheWrite: 0,
  });
  const billed = priceWithTtl(price, model, usage, ttl);
  const savedUsd = uncached === null || billed === null ? null : uncached - billed;
  return {
    writes: { '5m': writes['5m'], '1h': writes['1h'] },
    reads: { '5m': reads['5m'], '1h': reads['1h'] },
    savedUsd,
  };
}

export function addCacheUsage(a: CacheUsage, b: CacheUsage): CacheUsage {
  return {
    writes: { '5m': a.writes['5m'] + b.writes['5m'], '1h': a.writes['1h'] + b.writes['1h'] },
    reads: { '5m': a.reads['5m'] + b.reads['5m'], '1h': a.reads['1h'] + b.reads['1h'] },
    savedUsd: a.savedUsd === null || b.savedUsd === null ? null : a.savedUsd + b.savedUsd,
  };
}
