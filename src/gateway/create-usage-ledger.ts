import { addCacheUsage, type CacheUsage, cacheUsageOf, priceWithTtl, ZERO_CACHE } from './account-cache.js';
import { addUsage, type TokenCount, ZERO_USAGE } from './gateway-events.js';
import { costOf } from './prices.js';

/** Tokens, cost and exchanges of one generation (or of requests that named none: key `null`). */
export interface GenerationUsage {
  generation: number | null;
  usage: TokenCount;
  /** Dollars, or null when some model of the generation has no known price. */
  costUsd: number | null;
  exchanges: number;
  /** Requests whose max_tokens the gateway lowered to fit what was left of the budget. */
  trimmed: number;
  /** Requests per purpose (fresh, retry, repair, continuation, …), including failed ones. */
  purposes: Record<string, number>;
  models: string[];
  /** Prompt-cache writes and reads by TTL, and what caching saved. */
  cache: CacheUsage;
}

export interface UsageLedger {
  record(entry: {
    generation: number | null;
    purpose: string | null;
    model: string;
    usage: TokenCount;
    /** The cache TTL the backend sent (undefined or null: none, or a backend without caching). */
    cacheTtl?: '5m' | '1h' | null | undefined;
    /** The gateway lowered this request's max_tokens to fit the budget. */
    trimmed?: boolean | undefined;
  }): void;
  forGeneration(generation: number | null): GenerationUsage;
  generations(): GenerationUsage[];
  total(): { usage: TokenCount; costUsd: number | null; exchanges: number; trimmed: number; cache: CacheUsage };
}

function emptyEntry(generation: number | null): GenerationUsage {
  return {
    generation,
    usage: { ...ZERO_USAGE },
    costUsd: 0,
    exchanges: 0,
    trimmed: 0,
    purposes: {},
    models: [],
    cache: ZERO_CACHE,
  };
}

/** Per-generation and per-run token accounting of the gateway. Cost is priced per exchange, by its model. */
export function createUsageLedger(
  options: { price?: (model: string, usage: TokenCount) => number | null } = {},
): UsageLedger {
  const price = options.price ?? costOf;
  const byGeneration = new Map<number | null, GenerationUsage>();
  function entryFor(generation: number | null): GenerationUsage {
    let entry = byGeneration.get(generation);
    if (entry === undefined) {
      entry = emptyEntry(generation);
      byGeneration.set(generation, entry);
    }
    return entry;
  }
  return {
    record({ generation, purpose, model, usage, cacheTtl, trimmed }) {
      const entry = entryFor(generation);
      entry.usage = addUsage(entry.usage, usage);
      const ttl = cacheTtl ?? null;
      entry.cache = addCacheUsage(entry.cache, cacheUsageOf({ price, model, usage, ttl }));
      const cost = priceWithTtl(price, model, usage, ttl);
      entry.costUsd = entry.costUsd === null || cost === null ? null : entry.costUsd + cost;
      entry.exchanges += 1;
      if (trimmed === true) entry.trimmed += 1;
      const key = purpose ?? 'unknown';
      entry.purposes[key] = (entry.purposes[key] ?? 0) + 1;
      if (!entry.models.includes(model)) entry.models.push(model);
    },
    forGeneration(generation) {
      const entry = byGeneration.get(generation);
      return entry === undefined ? emptyEntry(generation) : structuredClone(entry);
    },
    generations() {
      return [...byGeneration.values()]
        .map((entry) => structuredClone(entry))
        .sort((a, b) => (a.generation ?? -1) - (b.generation ?? -1));
    },
    total() {
      let usage: TokenCount = { ...ZERO_USAGE };
      let costUsd: number | null = 0;
      let exchanges = 0;
      let trimmed = 0;
      let cache = ZERO_CACHE;
      for (const entry of byGeneration.values()) {
        cache = addCacheUsage(cache, entry.cache);
        usage = addUsage(usage, entry.usage);
        costUsd = costUsd === null || entry.costUsd === null ? null : costUsd + entry.costUsd;
        exchanges += entry.exchanges;
        trimmed += entry.trimmed;
      }
      return { usage, costUsd, exchanges, trimmed, cache };
    },
  };
}
