import { addUsage, type TokenCount, ZERO_USAGE } from './gateway-events.js';
import { costOf } from './prices.js';

/** Tokens, cost and exchanges of one generation (or of requests that named none: key `null`). */
export interface GenerationUsage {
  generation: number | null;
  usage: TokenCount;
  /** Dollars, or null when some model of the generation has no known price. */
  costUsd: number | null;
  exchanges: number;
  /** Requests per purpose (fresh, retry, repair, continuation, …), including failed ones. */
  purposes: Record<string, number>;
  models: string[];
}

export interface UsageLedger {
  record(entry: { generation: number | null; purpose: string | null; model: string; usage: TokenCount }): void;
  forGeneration(generation: number | null): GenerationUsage;
  generations(): GenerationUsage[];
  total(): { usage: TokenCount; costUsd: number | null; exchanges: number };
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
      entry = { generation, usage: { ...ZERO_USAGE }, costUsd: 0, exchanges: 0, purposes: {}, models: [] };
      byGeneration.set(generation, entry);
    }
    return entry;
  }
  return {
    record({ generation, purpose, model, usage }) {
      const entry = entryFor(generation);
      entry.usage = addUsage(entry.usage, usage);
      const cost = price(model, usage);
      entry.costUsd = entry.costUsd === null || cost === null ? null : entry.costUsd + cost;
      entry.exchanges += 1;
      const key = purpose ?? 'unknown';
      entry.purposes[key] = (entry.purposes[key] ?? 0) + 1;
      if (!entry.models.includes(model)) entry.models.push(model);
    },
    forGeneration(generation) {
      const entry = byGeneration.get(generation);
      return entry === undefined
        ? { generation, usage: { ...ZERO_USAGE }, costUsd: 0, exchanges: 0, purposes: {}, models: [] }
        : structuredClone(entry);
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
      for (const entry of byGeneration.values()) {
        usage = addUsage(usage, entry.usage);
        costUsd = costUsd === null || entry.costUsd === null ? null : costUsd + entry.costUsd;
        exchanges += entry.exchanges;
      }
      return { usage, costUsd, exchanges };
    },
  };
}
