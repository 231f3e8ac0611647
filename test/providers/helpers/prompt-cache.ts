import { createHash } from 'node:crypto';

/** Input usage the way Anthropic's Messages API reports it. */
export interface CacheUsage {
  input_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
}

/**
 * A stand-in tokenizer: one token per 4 UTF-8 bytes, rounded up per block. Anthropic's tokenizer is not public; the
 * ratio between prompts, which is what the caching benchmark measures, barely depends on the exact count.
 */
export function countTokens(text: string): number {
  return Math.ceil(Buffer.byteLength(text, 'utf8') / 4);
}

/** Minimum cacheable prompt length per model family (Anthropic's prompt-caching documentation). */
function minimumCacheable(model: string): number {
  if (['claude-opus-4-5', 'claude-opus-4-6', 'claude-haiku-4-5'].some((prefix) => model.startsWith(prefix)))
    return 4096;
  if (model.startsWith('claude-3-5-haiku') || model.startsWith('claude-3-haiku')) return 2048;
  return 1024;
}

interface Block {
  /** What identifies the block in a cache key (its content without cache_control). */
  key: string;
  tokens: number;
  breakpoint: boolean;
}

function blocksOf(content: unknown): Block[] {
  if (typeof content === 'string')
    return [{ key: JSON.stringify(content), tokens: countTokens(content), breakpoint: false }];
  if (!Array.isArray(content)) return [];
  return content.map((raw) => {
    const { cache_control, ...block } = raw as Record<string, unknown>;
    const text = typeof block.text === 'string' ? block.text : JSON.stringify(block);
    return { key: JSON.stringify(block), tokens: countTokens(text), breakpoint: cache_control != null };
  });
}

/**
 * Prompt-caching accounting as Anthropic documents it: the cache prefix is tools, system, then messages, up to and
 * including a block marked `cache_control`; caches are per model and live 5 minutes, refreshed on every hit. At the
 * last breakpoint whose prefix is cached the tokens up to it are billed as cache reads (0.1×); the tokens up to the
 * last breakpoint beyond it are written to the cache (1.25×) when long enough to cache; everything else is input.
 * Not modelled: the 20-block lookback before a breakpoint, tools, the 1-hour TTL.
 */
export function createPromptCache(options: { ttlMs?: number; now?: () => number } = {}) {
  const ttlMs = options.ttlMs ?? 5 * 60_000;
  const now = options.now ?? Date.now;
  const entries = new Map<string, number>();

  return {
    account(body: Record<string, unknown>): CacheUsage {
      const model = String(body.model);
      const blocks = [...blocksOf(body.system)];
      for (const message of (body.messages as Array<{ role: string; content: unknown }> | undefined) ?? []) {
        blocks.push({ key: `role:${message.role}`, tokens: 0, breakpoint: false }, ...blocksOf(message.content));
      }
      const total = blocks.reduce((sum, block) => sum + block.tokens, 0);
      const hash = createHash('sha256').update(model);
      const prefixes: Array<{ id: string; tokens: number }> = [];
      let tokens = 0;
      for (const block of blocks) {
        hash.update(block.key);
        tokens += block.tokens;
        if (block.breakpoint) prefixes.push({ id: hash.copy().digest('hex'), tokens });
      }
      const at = now();
      let read = 0;
      for (const prefix of prefixes) {
        const expires = entries.get(prefix.id);
        if (expires !== undefined && expires > at) {
          read = prefix.tokens;
          entries.set(prefix.id, at + ttlMs);
        }
      }
      const last = prefixes.at(-1);
      let written = 0;
      if (last !== undefined && last.tokens > read && last.tokens >= minimumCacheable(model)) {
        written = last.tokens - read;
        for (const prefix of prefixes) {
          if (prefix.tokens > read && prefix.tokens >= minimumCacheable(model)) entries.set(prefix.id, at + ttlMs);
        }
      }
      return {
        input_tokens: total - read - written,
        cache_creation_input_tokens: written,
        cache_read_input_tokens: read,
      };
    },
  };
}
