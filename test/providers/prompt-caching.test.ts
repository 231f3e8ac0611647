import { afterEach, describe, expect, it } from 'vitest';
import { loadBenchPrompts, runPromptCachingBench } from '../../bench/prompt-caching.js';
import { createAnthropicBackend } from '../../src/gateway/backends/anthropic.js';
import { usageOfEvents } from '../../src/gateway/provider-record-schema.js';
import { startAnthropicServer } from './helpers/anthropic-server.js';
import { collect, primeRequest } from './helpers/collect.js';
import { createPromptCache } from './helpers/prompt-cache.js';
import type { ScriptedServer } from './helpers/scripted-server.js';

const LONG_SPEC = `<spec path="spec/X.md">\n${'Constraint: use vitest 4 and the node: prefix. '.repeat(400)}\n</spec>`;

function body(model: string, task: string, marked = true): Record<string, unknown> {
  return {
    model,
    system: 'system prompt',
    messages: [
      {
        role: 'user',
        content: [
          { type: 'text', text: LONG_SPEC, ...(marked ? { cache_control: { type: 'ephemeral' } } : {}) },
          { type: 'text', text: task },
        ],
      },
    ],
  };
}

describe('prompt-caching accounting of the local Anthropic server', () => {
  it('writes the prefix first, reads it within 5 minutes, per model, and expires it after', () => {
    let now = 0;
    const cache = createPromptCache({ now: () => now });
    const first = cache.account(body('claude-sonnet-4-6', 'fresh task'));
    expect(first.cache_read_input_tokens).toBe(0);
    expect(first.cache_creation_input_tokens).toBeGreaterThan(4000);
    now += 4 * 60_000;
    const second = cache.account(body('claude-sonnet-4-6', 'a different, longer retry task'));
    expect(second.cache_read_input_tokens).toBe(first.cache_creation_input_tokens);
    expect(second.cache_creation_input_tokens).toBe(0);
    expect(second.input_tokens).toBeGreaterThan(first.input_tokens);
    // The hit refreshed the entry: 4 more minutes is still within 5 of the last use.
    now += 4 * 60_000;
    expect(cache.account(body('claude-sonnet-4-6', 'x')).cache_read_input_tokens).toBeGreaterThan(0);
    expect(cache.account(body('claude-opus-4-6', 'x')).cache_read_input_tokens).toBe(0);
    now += 6 * 60_000;
    expect(cache.account(body('claude-sonnet-4-6', 'x')).cache_read_input_tokens).toBe(0);
  });

  it('caches nothing without a breakpoint or below the minimum length', () => {
    const cache = createPromptCache();
    const unmarked = cache.account(body('claude-sonnet-4-6', 'task', false));
    expect(unmarked.cache_creation_input_tokens).toBe(0);
    const short = cache.account({
      model: 'claude-sonnet-4-6',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'short', cache_control: { type: 'ephemeral' } }] }],
    });
    expect(short).toMatchObject({ input_tokens: 2, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 });
  });
});

describe('prompt caching through the anthropic backend', () => {
  let server: ScriptedServer | undefined;
  afterEach(async () => {
    await server?.close();
  });

  it('gets cache reads for a Prime request that did not mark its spec block (the backend marks it)', async () => {
    const started = await startAnthropicServer();
    server = started;
    started.replies.push(started.cachedReply('ok'), started.cachedReply('ok'));
    const backend = createAnthropicBackend({ baseUrl: started.url, apiKey: 'sk-ant-x-0123456789', apiKeyVar: 'K' });
    const request = primeRequest({
      messages: (body('claude-sonnet-4-6', 'task', false) as { messages: unknown }).messages,
    });
    const first = usageOfEvents((await collect(backend, request)).events);
    const second = usageOfEvents((await collect(backend, request)).events);
    expect(first.cacheWrite).toBeGreaterThan(0);
    expect(second).toMatchObject({ cacheRead: first.cacheWrite, cacheWrite: 0 });
  });

  it('the benchmark with the real genome: a same-model retry reads what the fresh request wrote', async () => {
    const prompts = loadBenchPrompts();
    const soon = await runPromptCachingBench(prompts, { gapMinutes: 3 });
    expect(soon.retrySameModel.cacheRead).toBe(soon.fresh.cacheWrite);
    expect(soon.retrySameModel.billed).toBeLessThan(soon.fresh.billed);
    expect(soon.retryEscalated.cacheRead).toBe(0);
    expect(soon.retryEscalatedAgain.cacheRead).toBe(soon.retryEscalated.cacheWrite);
    const late = await runPromptCachingBench(prompts, { gapMinutes: 6 });
    expect(late.retrySameModel.cacheRead).toBe(0);
  });
});

describe('the cache-TTL campaign bench (real timings, simulated clock)', () => {
  it('in one lane the 5-minute TTL misses every fresh → retry gap and auto reads the 1-hour entry the first attempt wrote', async () => {
    const { runCampaignScenario } = await import('../../bench/cache-ttl-campaign.js');
    const prompts = loadBenchPrompts();
    const fiveMinutes = await runCampaignScenario(prompts, { mode: '5m', attempts: 4, lanes: 1 });
    const auto = await runCampaignScenario(prompts, { mode: 'auto', attempts: 4, lanes: 1 });
    // Fresh, retry 9 minutes later, fresh 26 s after the edit-mode retry, retry: only the third request hits.
    expect(fiveMinutes.writes5m).toBe(3 * fiveMinutes.reads);
    expect(fiveMinutes.billed).toBeGreaterThan(0.9 * fiveMinutes.uncached);
    expect(auto.writes5m).toBe(0);
    expect(auto.reads).toBe(3 * auto.writes1h);
    expect(auto.billed).toBeLessThan(0.65 * auto.uncached);
    expect(auto.billed).toBeLessThan(0.65 * fiveMinutes.billed);
  });
});
