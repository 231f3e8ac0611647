import { createHash } from 'node:crypto';

/** Input usage the way Anthropic's Messages API reports it. */
export interface CacheUsage {
  input_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  /** The writes by TTL, as Anthropic breaks them down. */
  cache_creation: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number };
}

const TTL_MS = { '5m': 5 * 60_000, '1h': 60 * 60_000 } as const;
type Ttl = keyof typeof TTL_MS;

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
  /** The TTL of the block's cache_control (`ttl: "1h"` or the 5-minute default), null when it has none. */
  breakpoint: Ttl | null;
}

function ttlOf(cacheControl: unknown): Ttl | null {
  if (cacheControl == null) return null;
  return (cacheControl as { ttl?: unknown }).ttl === '1h' ? '1h' : '5m';
}

function blocksOf(content: unknown): Block[] {
  if (typeof content === 'string')
    return [{ key: JSON.stringify(content), tokens: countTokens(content), breakpoint: null }];
  if (!Array.isArray(content)) return [];
  return content.map((raw) => {
    const { cache_control, ...block } = raw as Record<string, unknown>;
    const text = typeof block.text === 'string' ? block.text : JSON.stringify(block);
    return { key: JSON.stringify(block), tokens: countTokens(text), breakpoint: ttlOf(cache_control) };
  });
}

/**
 * Prompt-caching accounting as Anthropic documents it: the cache prefix is tools, system, then messages, up to and
 * including a block marked `cache_control`; caches are per model and live 5 minutes (`ttl: "1h"`: 1 hour), refreshed
 * for their own lifetime on every hit. At the last breakpoint whose prefix is cached the tokens up to it are billed as
 * cache reads (0.1×); the tokens up to the last breakpoint beyond it are written to the cache when long enough to
 * cache, each stretch under the TTL of the breakpoint that ends it (1.25× for 5 minutes, 2× for 1 hour); everything
 * else is input. Not modelled: the 20-block lookback before a breakpoint, tools; a 5-minute entry read by a request
 * marked 1 h stays a 5-minute entry (the documentation does not say it is upgraded). With `pending`, the entries this
 * request writes are readable only once `pending.readable` is set (the server sets it when the response begins), as
 * with Anthropic: a request arriving while the write's response has not begun writes too.
 */
export function createPromptCache(options: { now?: () => number } = {}) {
  const now = options.now ?? Date.now;
  const entries = new Map<string, { expires: number; ttl: Ttl; written: { readable: boolean } | undefined }>();

  return {
    account(body: Record<string, unknown>, pending?: { readable: boolean }): CacheUsage {
      const model = String(body.model);
      const blocks = [...blocksOf(body.system)];
      for (const message of (body.messages as Array<{ role: string; content: unknown }> | undefined) ?? []) {
        blocks.push({ key: `role:${message.role}`, tokens: 0, breakpoint: null }, ...blocksOf(message.content));
      }
      const total = blocks.reduce((sum, block) => sum + block.tokens, 0);
      const hash = createHash('sha256').update(model);
      const prefixes: Array<{ id: string; tokens: number; ttl: Ttl }> = [];
      let tokens = 0;
      for (const block of blocks) {
        hash.update(block.key);
        tokens += block.tokens;
        if (block.breakpoint !== null) prefixes.push({ id: hash.copy().digest('hex'), tokens, ttl: block.breakpoint });
      }
      const at = now();
      let read = 0;
      for (const prefix of prefixes) {
        const entry = entries.get(prefix.id);
        if (entry !== undefined && entry.expires > at && entry.written?.readable !== false) {
          read = prefix.tokens;
          entries.set(prefix.id, { expires: at + TTL_MS[entry.ttl], ttl: entry.ttl, written: undefined });
        }
      }
      const last = prefixes.at(-1);
      const written = { '5m': 0, '1h': 0 };
      if (last !== undefined && last.tokens > read && last.tokens >= minimumCacheable(model)) {
        let covered = read;
        for (const prefix of prefixes) {
          if (prefix.tokens <= read) continue;
          written[prefix.ttl] += prefix.tokens - covered;
          covered = prefix.tokens;
          if (prefix.tokens >= minimumCacheable(model))
            entries.set(prefix.id, { expires: at + TTL_MS[prefix.ttl], ttl: prefix.ttl, written: pending });
        }
      }
      const creation = written['5m'] + written['1h'];
      return {
        input_tokens: total - read - creation,
        cache_creation_input_tokens: creation,
        cache_read_input_tokens: read,
        cache_creation: { ephemeral_5m_input_tokens: written['5m'], ephemeral_1h_input_tokens: written['1h'] },
      };
    },
  };
}
