/** US dollars per million tokens. Cache writes are the 5-minute ephemeral rate. */
export interface ModelPrice {
  input: number;
  output: number;
  cacheWrite: number;
  cacheRead: number;
}

export interface Usage {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

/**
 * Published list prices, matched by model-name prefix (longest first), so dated snapshots such as
 * `claude-sonnet-4-5-20250929` price like their family. Local models (exemplar, replay, OpenAI-compatible servers
 * without an entry) cost nothing here; `CAMBRIAN_PRICES` (JSON `{ "<prefix>": {input,output,cacheWrite,cacheRead} }`)
 * adds or overrides entries.
 */
const LIST_PRICES: Record<string, ModelPrice> = {
  'claude-opus-4-6': { input: 5, output: 25, cacheWrite: 6.25, cacheRead: 0.5 },
  'claude-opus-4-5': { input: 5, output: 25, cacheWrite: 6.25, cacheRead: 0.5 },
  'claude-opus-4-1': { input: 15, output: 75, cacheWrite: 18.75, cacheRead: 1.5 },
  'claude-opus-4': { input: 15, output: 75, cacheWrite: 18.75, cacheRead: 1.5 },
  'claude-sonnet-4-6': { input: 3, output: 15, cacheWrite: 3.75, cacheRead: 0.3 },
  'claude-sonnet-4-5': { input: 3, output: 15, cacheWrite: 3.75, cacheRead: 0.3 },
  'claude-sonnet-4': { input: 3, output: 15, cacheWrite: 3.75, cacheRead: 0.3 },
  'claude-haiku-4-5': { input: 1, output: 5, cacheWrite: 1.25, cacheRead: 0.1 },
  'claude-3-5-haiku': { input: 0.8, output: 4, cacheWrite: 1, cacheRead: 0.08 },
  'gpt-4o-mini': { input: 0.15, output: 0.6, cacheWrite: 0.15, cacheRead: 0.075 },
  'gpt-4o': { input: 2.5, output: 10, cacheWrite: 2.5, cacheRead: 1.25 },
  'gpt-4.1': { input: 2, output: 8, cacheWrite: 2, cacheRead: 0.5 },
};

export function priceFor(model: string, overrides: Record<string, ModelPrice> = {}): ModelPrice | null {
  const table = { ...LIST_PRICES, ...overrides };
  const prefixes = Object.keys(table).sort((a, b) => b.length - a.length);
  const match = prefixes.find((prefix) => model.startsWith(prefix));
  return match === undefined ? null : (table[match] ?? null);
}

/** Cost in US dollars, or null when the model has no known price. */
export function costOf(model: string, usage: Usage, overrides: Record<string, ModelPrice> = {}): number | null {
  const price = priceFor(model, overrides);
  if (price === null) return null;
  const perToken = 1 / 1_000_000;
  return (
    usage.input * price.input * perToken +
    usage.output * price.output * perToken +
    usage.cacheWrite * price.cacheWrite * perToken +
    usage.cacheRead * price.cacheRead * perToken
  );
}
