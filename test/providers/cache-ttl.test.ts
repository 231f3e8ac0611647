import Anthropic from '@anthropic-ai/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { createAnthropicBackend } from '../../src/gateway/backends/anthropic.js';
import { type CacheTtlMode, createCacheTtlPolicy } from '../../src/gateway/backends/choose-cache-ttl.js';
import { type Gateway, startGateway } from '../../src/gateway/create-gateway.js';
import { priceFor } from '../../src/gateway/prices.js';
import { readProviderTuning } from '../../src/gateway/read-provider-tuning.js';
import { type AnthropicServer, startAnthropicServer } from './helpers/anthropic-server.js';
import { primeRequest } from './helpers/collect.js';
import type { ReceivedRequest, Reply } from './helpers/scripted-server.js';

const KEY = 'sk-ant-api03-engine-KEY-0123456789abcdefghij';
const TOKEN = 'cambrian-run-test-token-0123456789';
const MINUTE = 60_000;
// The genome block: ~24,000 tokens at 4 bytes a token, like CAMBRIAN-SPEC-005.
const GENOME = `<spec path="spec/X.md">\n${'Constraint: use vitest 4 and the node: prefix. '.repeat(2000)}\n</spec>`;
// A whole codebase of 30,000 output tokens.
const CODEBASE = `<file path="src/main.ts">\n${'export const x = 1;\n'.repeat(6000)}</file:end>\n`;

let server: AnthropicServer | undefined;
let gateway: Gateway | undefined;
afterEach(async () => {
  await gateway?.close();
  await server?.close();
  gateway = undefined;
  server = undefined;
});

/**
 * The gateway in front of the anthropic backend and the local Anthropic-protocol server, on one simulated clock. Each
 * reply's stream takes `streamMinutes` (the clock moves between the server's accounting and the stream's end), then
 * the rig takes `rigMinutes` before the next request.
 */
async function setUp(mode: CacheTtlMode) {
  let clock = Date.UTC(2026, 10, 22);
  server = await startAnthropicServer({ key: KEY, now: () => clock });
  const backend = createAnthropicBackend({
    baseUrl: server.url,
    apiKey: KEY,
    apiKeyVar: 'ANTHROPIC_API_KEY',
    cacheTtl: createCacheTtlPolicy(mode),
    now: () => clock,
  });
  gateway = await startGateway({ backend, token: TOKEN });
  const client = new Anthropic({ apiKey: TOKEN, baseURL: gateway.url, maxRetries: 0, logLevel: 'off' });
  const up = server;
  const send = async (purpose: string, options: { streamMinutes: number; rigMinutes: number; model?: string }) => {
    up.replies.push((request) => {
      const reply = (up.cachedReply(CODEBASE, 4096) as (request: ReceivedRequest) => Reply)(request);
      clock += options.streamMinutes * MINUTE;
      return reply;
    });
    const request = primeRequest({
      model: options.model ?? 'claude-sonnet-4-6',
      messages: [
        {
          role: 'user',
          content: [
            // The Prime marks its spec block the 5-minute way (docs/contracts.md §5); the gateway chooses the TTL.
            { type: 'text', text: GENOME, cache_control: { type: 'ephemeral' } },
            { type: 'text', text: `# Task: ${purpose} for generation ${purpose === 'fresh' ? 1 : 2}` },
          ],
        },
      ],
    });
    await client.messages
      .stream(request as Anthropic.MessageCreateParamsNonStreaming, {
        headers: { 'x-cambrian-generation': purpose === 'fresh' ? '1' : '2', 'x-cambrian-purpose': purpose },
      })
      .finalMessage();
    clock += options.rigMinutes * MINUTE;
  };
  const genomeBlock = (index: number) =>
    (up.requests[index]?.body.messages as Array<{ content: Array<Record<string, unknown>> }> | undefined)?.[0]
      ?.content[0];
  return { send, genomeBlock, gateway, server: up };
}

describe('the gateway chooses the prompt-cache TTL (--cache-ttl auto|5m|1h|off)', () => {
  it('auto: a retry after a long stream carries ttl 1h on the genome block, reads the 1-hour entry, and the ledger records it', async () => {
    const { send, genomeBlock, gateway } = await setUp('auto');
    // 30,000 tokens in 8 minutes (62 tokens/s), then 1.5 minutes of rig: the retry comes 9.5 minutes after the write.
    await send('fresh', { streamMinutes: 8, rigMinutes: 1.5 });
    await send('retry', { streamMinutes: 8, rigMinutes: 0 });
    expect(genomeBlock(0)?.cache_control).toEqual({ type: 'ephemeral', ttl: '1h' });
    expect(genomeBlock(1)?.cache_control).toEqual({ type: 'ephemeral', ttl: '1h' });
    const fresh = gateway.ledger.forGeneration(1);
    const retry = gateway.ledger.forGeneration(2);
    expect(fresh.cache.writes['1h']).toBeGreaterThan(23_000);
    expect(fresh.cache.writes['5m']).toBe(0);
    expect(retry.cache.reads['1h']).toBe(fresh.cache.writes['1h']);
    expect(retry.usage.cacheWrite).toBe(0);
    // A 1-hour write is billed at 2× input: the fresh request's cost says so.
    const price = priceFor('claude-sonnet-4-6');
    if (price === null) throw new Error('no price for claude-sonnet-4-6');
    const expected =
      (fresh.usage.input * price.input +
        fresh.usage.output * price.output +
        fresh.cache.writes['1h'] * 2 * price.input) /
      1e6;
    expect(fresh.costUsd).toBeCloseTo(expected, 9);
    // What caching saved over both requests: the retry's read (0.9× input) minus the fresh write's premium (1×).
    const saved = ((retry.cache.reads['1h'] * 0.9 - fresh.cache.writes['1h'] * 1) * price.input) / 1e6;
    expect(gateway.ledger.total().cache.savedUsd).toBeCloseTo(saved, 9);
  });

  it('auto: after a short stream a new write (here: another model) takes the 5-minute TTL; a read keeps the live entry', async () => {
    const { send, genomeBlock, gateway } = await setUp('auto');
    // Before any stream the prior (25,000 tokens at 60/s) says 1 hour.
    await send('fresh', { streamMinutes: 0.5, rigMinutes: 0.5 });
    // The 1-hour entry is alive: the retry reads it, and sends its TTL rather than split the prefix.
    await send('retry', { streamMinutes: 0.5, rigMinutes: 0 });
    // An escalated retry finds no entry for its model; streams of this run took 30 s, so 5 minutes is enough.
    await send('retry', { streamMinutes: 0.5, rigMinutes: 0, model: 'claude-opus-4-6' });
    expect(genomeBlock(0)?.cache_control).toEqual({ type: 'ephemeral', ttl: '1h' });
    expect(genomeBlock(1)?.cache_control).toEqual({ type: 'ephemeral', ttl: '1h' });
    expect(genomeBlock(2)?.cache_control).toEqual({ type: 'ephemeral' });
    const retries = gateway.ledger.forGeneration(2).cache;
    expect(retries.reads['1h']).toBeGreaterThan(23_000);
    expect(retries.writes['5m']).toBeGreaterThan(23_000);
    expect(retries.writes['1h']).toBe(0);
  });

  it('5m: the same retry after a long stream finds the entry expired and writes the genome again', async () => {
    const { send, genomeBlock, gateway } = await setUp('5m');
    await send('fresh', { streamMinutes: 8, rigMinutes: 1.5 });
    await send('retry', { streamMinutes: 8, rigMinutes: 0 });
    expect(genomeBlock(1)?.cache_control).toEqual({ type: 'ephemeral' });
    const retry = gateway.ledger.forGeneration(2);
    expect(retry.cache.reads['5m']).toBe(0);
    expect(retry.cache.writes['5m']).toBeGreaterThan(23_000);
  });

  it('off: no cache_control reaches the provider, not even the one the Prime set', async () => {
    const { send, server, gateway } = await setUp('off');
    await send('fresh', { streamMinutes: 1, rigMinutes: 0 });
    expect(JSON.stringify(server.requests[0]?.body)).not.toContain('cache_control');
    expect(gateway.ledger.forGeneration(1).usage).toMatchObject({ cacheWrite: 0, cacheRead: 0 });
  });

  it('reads --cache-ttl over CAMBRIAN_CACHE_TTL, and names the source of a bad value', () => {
    expect(readProviderTuning({ flags: {}, env: {} }).cacheTtl).toBe('auto');
    expect(readProviderTuning({ flags: {}, env: { CAMBRIAN_CACHE_TTL: '1h' } }).cacheTtl).toBe('1h');
    expect(readProviderTuning({ flags: { cacheTtl: 'off' }, env: { CAMBRIAN_CACHE_TTL: '1h' } }).cacheTtl).toBe('off');
    expect(() => readProviderTuning({ flags: {}, env: { CAMBRIAN_CACHE_TTL: '24h' } })).toThrow(
      /CAMBRIAN_CACHE_TTL: "24h" is not one of auto, 5m, 1h, off/,
    );
  });
});
