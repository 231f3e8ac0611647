import Anthropic from '@anthropic-ai/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { createAnthropicBackend } from '../../src/gateway/backends/anthropic.js';
import { createCacheTtlPolicy } from '../../src/gateway/backends/choose-cache-ttl.js';
import { type CacheLanes, createCacheLanes } from '../../src/gateway/backends/create-cache-lanes.js';
import { type Gateway, startGateway } from '../../src/gateway/create-gateway.js';
import type { GatewayEvent } from '../../src/gateway/gateway-events.js';
import { type AnthropicServer, startAnthropicServer } from './helpers/anthropic-server.js';
import { primeRequest } from './helpers/collect.js';
import { createGate, type ReceivedRequest, type Reply } from './helpers/scripted-server.js';

const KEY = 'sk-ant-api03-engine-KEY-0123456789abcdefghij';
const TOKEN = 'cambrian-run-test-token-0123456789';
const MINUTE = 60_000;
// The genome block every lane of a campaign sends: ~24,000 tokens.
const GENOME = `<spec path="spec/X.md">\n${'Constraint: use vitest 4 and the node: prefix. '.repeat(2000)}\n</spec>`;

let server: AnthropicServer | undefined;
const gateways: Gateway[] = [];
afterEach(async () => {
  for (const gateway of gateways.splice(0)) await gateway.close();
  await server?.close();
  server = undefined;
});

/** One lane as a campaign has it: its own gateway and anthropic backend, all lanes sharing `lanes`. */
async function startLane(up: AnthropicServer, lanes: CacheLanes) {
  const events: GatewayEvent[] = [];
  const backend = createAnthropicBackend({
    baseUrl: up.url,
    apiKey: KEY,
    apiKeyVar: 'ANTHROPIC_API_KEY',
    cacheTtl: createCacheTtlPolicy('auto'),
    cacheLanes: lanes,
  });
  const gateway = await startGateway({ backend, token: TOKEN, onEvent: (event) => events.push(event) });
  gateways.push(gateway);
  const client = new Anthropic({ apiKey: TOKEN, baseURL: gateway.url, maxRetries: 0, logLevel: 'off' });
  const send = (task: string) =>
    client.messages
      .stream(
        primeRequest({
          model: 'claude-sonnet-4-6',
          messages: [
            {
              role: 'user',
              content: [
                { type: 'text', text: GENOME, cache_control: { type: 'ephemeral' } },
                { type: 'text', text: `# Task: ${task}` },
              ],
            },
          ],
        }) as Anthropic.MessageCreateParamsNonStreaming,
        { headers: { 'x-cambrian-generation': '1', 'x-cambrian-purpose': 'fresh' } },
      )
      .finalMessage();
  return { send, gateway, holds: () => events.filter((event) => event.type === 'cache-hold') };
}

/** The first lane's reply waits before its first event: its write is not readable until the gate opens. */
function gatedWriterReply(up: AnthropicServer) {
  const gate = createGate();
  const reply: Reply = (request: ReceivedRequest) => ({
    ...(up.cachedReply('written') as (request: ReceivedRequest) => Exclude<Reply, (r: ReceivedRequest) => Reply>)(
      request,
    ),
    gate: { afterEvents: 0, gate },
  });
  return { gate, reply };
}

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('lanes of one campaign share one cache entry (create-cache-lanes.ts)', () => {
  it('two lanes starting together: the second is held until the first stream begins, then reads (one write, one read)', async () => {
    server = await startAnthropicServer({ key: KEY });
    const lanes = createCacheLanes();
    const [a, b] = [await startLane(server, lanes), await startLane(server, lanes)];
    const writer = gatedWriterReply(server);
    server.replies.push(writer.reply, server.cachedReply('read'));
    const first = a.send('lane a');
    await writer.gate.reached;
    const second = b.send('lane b');
    await settle(400);
    // Held in lane b's gateway: the provider has seen only the writer.
    expect(server.requests).toHaveLength(1);
    writer.gate.open();
    const [wrote, read] = await Promise.all([first, second]);
    expect(server.requests).toHaveLength(2);
    expect(wrote.usage.cache_creation_input_tokens).toBeGreaterThan(23_000);
    expect(wrote.usage.cache_read_input_tokens).toBe(0);
    expect(read.usage.cache_read_input_tokens).toBe(wrote.usage.cache_creation_input_tokens);
    expect(read.usage.cache_creation_input_tokens).toBe(0);
    expect(b.holds()).toEqual([expect.objectContaining({ type: 'cache-hold', released: 'writer-began' })]);
    expect((b.holds()[0] as { waitedMs: number }).waitedMs).toBeGreaterThanOrEqual(300);
    expect(a.holds()).toEqual([]);
  });

  it('without shared lanes the same two requests each write: the provider makes a write readable only once it began', async () => {
    server = await startAnthropicServer({ key: KEY });
    const [a, b] = [await startLane(server, createCacheLanes()), await startLane(server, createCacheLanes())];
    const writer = gatedWriterReply(server);
    server.replies.push(writer.reply, server.cachedReply('also written'));
    const first = a.send('lane a');
    await writer.gate.reached;
    const second = await b.send('lane b');
    writer.gate.open();
    await first;
    expect(second.usage.cache_creation_input_tokens).toBeGreaterThan(23_000);
    expect(second.usage.cache_read_input_tokens).toBe(0);
    expect(b.holds()).toEqual([]);
  });

  it('a writer whose stream never begins holds the other lane only for the bound, then it goes out (and writes)', async () => {
    server = await startAnthropicServer({ key: KEY });
    const lanes = createCacheLanes({ holdBoundMs: 500 });
    const [a, b] = [await startLane(server, lanes), await startLane(server, lanes)];
    const writer = gatedWriterReply(server);
    server.replies.push(writer.reply, server.cachedReply('written after the bound'));
    const first = a.send('lane a');
    await writer.gate.reached;
    const second = await b.send('lane b');
    expect(server.requests).toHaveLength(2);
    expect(second.usage.cache_creation_input_tokens).toBeGreaterThan(23_000);
    const [hold] = b.holds() as Array<{ released: string; waitedMs: number }>;
    expect(hold?.released).toBe('bound');
    expect(hold?.waitedMs).toBeGreaterThanOrEqual(480);
    expect(hold?.waitedMs).toBeLessThan(5_000);
    writer.gate.open();
    await first;
  });

  it('a writer that fails before its stream begins releases the held lane at once', async () => {
    server = await startAnthropicServer({ key: KEY });
    const lanes = createCacheLanes({ holdBoundMs: 10_000 });
    const [a, b] = [await startLane(server, lanes), await startLane(server, lanes)];
    const gate = createGate();
    // Overloaded before the first event: an error event where message_start should be.
    const overloaded = { type: 'error', error: { type: 'overloaded_error', message: 'busy' } };
    server.replies.push(
      { sse: `event: error\ndata: ${JSON.stringify(overloaded)}\n\n`, gate: { afterEvents: 0, gate } },
      server.cachedReply('written by the second lane'),
    );
    const first = a.send('lane a').catch((error: unknown) => error);
    await gate.reached;
    const second = b.send('lane b');
    await settle(200);
    gate.open();
    expect(await first).toBeInstanceOf(Anthropic.APIError);
    expect((await second).usage.cache_creation_input_tokens).toBeGreaterThan(23_000);
    const [hold] = b.holds() as Array<{ released: string; waitedMs: number }>;
    expect(hold?.released).toBe('writer-failed');
    expect(hold?.waitedMs).toBeLessThan(5_000);
  });
});

describe('auto chooses a write TTL from every lane it knows of', () => {
  const at = Date.UTC(2026, 10, 22);
  async function announce(lanes: CacheLanes, minutesAhead: number): Promise<void> {
    const turn = await lanes.enter({
      key: 'genome',
      lane: Symbol('other'),
      now: () => at,
      signal: AbortSignal.timeout(1000),
    });
    turn.send({ ttl: '1h', nextUseMs: at + minutesAhead * MINUTE });
    // Its response began without a write of this prefix (another key's entry, say): nobody waits behind it.
    turn.began({ wrote: false });
  }

  it('5 minutes when other lanes will send the prefix before a 5-minute entry expires, 1 hour when not', async () => {
    const lanes = createCacheLanes();
    const policy = createCacheTtlPolicy('auto');
    const enter = () =>
      lanes.enter({ key: 'genome', lane: Symbol('me'), now: () => at, signal: AbortSignal.timeout(1000) });
    // Alone, this run expects its next request after a whole codebase (25,000 tokens at 60/s: ~7 minutes).
    expect(policy.choose(at, (await enter()).view)).toBe('1h');
    // Another lane in 2 minutes: then nobody for ~5 minutes, still too long for a 5-minute entry.
    await announce(lanes, 2);
    expect(policy.choose(at, (await enter()).view)).toBe('1h');
    // And a third in 4: uses every 2–3 minutes, each refreshing the 5-minute entry.
    await announce(lanes, 4);
    const turn = await enter();
    expect(turn.hold).toBeNull();
    const view = turn.view;
    expect(view.othersNext).toHaveLength(2);
    expect(policy.choose(at, view)).toBe('5m');
    // Fixed modes do not listen.
    expect(createCacheTtlPolicy('1h').choose(at, view)).toBe('1h');
  });
});
