import { afterEach, describe, expect, it } from 'vitest';
import { type Gateway, startGateway } from '../../src/gateway/create-gateway.js';
import { estimateInputTokens } from '../../src/gateway/estimate-request-tokens.js';
import { type GatewayEvent, totalTokens } from '../../src/gateway/gateway-events.js';
import { createRunBackend } from '../../src/gateway/provider-backend.js';
import { resolveRoles } from '../../src/gateway/roles.js';
import { startAnthropicServer } from '../providers/helpers/anthropic-server.js';
import { longAnthropicReply, longChatReply } from '../providers/helpers/long-reply.js';
import { startOpenAiServer } from '../providers/helpers/openai-server.js';
import { createGate, type Gate, type Reply, type ScriptedServer } from '../providers/helpers/scripted-server.js';
import { client } from './gateway-helpers.js';

const TOKEN = 'cambrian-run-budget-0123456789abcdef';
const PROVIDER_KEY = 'sk-ant-api03-budget-KEY-0123456789abcdef';

let upstream: ScriptedServer | undefined;
let gateway: Gateway | undefined;
afterEach(async () => {
  await gateway?.close();
  await upstream?.close();
  gateway = undefined;
  upstream = undefined;
});

// Every request of these tests has exactly this body, so each has the same admission estimate.
const BODY = JSON.stringify({
  model: 'claude-sonnet-4-5',
  max_tokens: 1000,
  stream: true,
  messages: [{ role: 'user', content: 'generate generation 1 of the spec, all files' }],
});
const INPUT = estimateInputTokens({ bodyBytes: Buffer.byteLength(BODY), tokensPerByte: 0 });
// max_tokens 1000 is below the minimal reply (1024): such a request is admitted whole or refused, never trimmed.
const ESTIMATE = { input: INPUT, output: 1000, total: INPUT + 1000 };

function sse(name: string, data: unknown): string {
  return `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** A streamed reply that stops at `gate` after its first two events and reports `usage` at the end. */
function slowReply(gate: Gate, usage: { input: number; output: number }): Reply {
  return {
    gate: { afterEvents: 2, gate },
    sse:
      sse('message_start', {
        type: 'message_start',
        message: {
          id: 'msg_budget',
          type: 'message',
          role: 'assistant',
          model: 'claude-sonnet-4-5',
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { input_tokens: usage.input, output_tokens: 1 },
        },
      }) +
      sse('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }) +
      sse('content_block_delta', {
        type: 'content_block_delta',
        index: 0,
        delta: { type: 'text_delta', text: 'export const answer = 42;\n' },
      }) +
      sse('content_block_stop', { type: 'content_block_stop', index: 0 }) +
      sse('message_delta', {
        type: 'message_delta',
        delta: { stop_reason: 'end_turn', stop_sequence: null },
        usage: { output_tokens: usage.output },
      }) +
      sse('message_stop', { type: 'message_stop' }),
  };
}

/** The real Anthropic backend in front of a local provider whose replies wait at their gates: requests overlap. */
async function startBudgetedGateway(options: {
  budget: number;
  replies: number;
  usage: { input: number; output: number };
}): Promise<{ gateway: Gateway; gates: Gate[] }> {
  const gates = Array.from({ length: options.replies }, () => createGate());
  upstream = await startAnthropicServer({
    key: PROVIDER_KEY,
    replies: gates.map((gate) => slowReply(gate, options.usage)),
  });
  const roles = resolveRoles({
    flags: { provider: 'anthropic' },
    env: { ANTHROPIC_API_KEY: PROVIDER_KEY, ANTHROPIC_BASE_URL: upstream.url },
  });
  gateway = await startGateway({ backend: createRunBackend({ roles }), token: TOKEN, budget: options.budget });
  return { gateway, gates };
}

function send(url: string): Promise<Response> {
  return fetch(`${url}/v1/messages`, {
    method: 'POST',
    headers: { 'x-api-key': TOKEN, 'content-type': 'application/json', 'x-cambrian-generation': '1' },
    body: BODY,
  });
}

/**
 * Sends `count` streaming requests at once, each of which alone fits the budget; returns their statuses once every
 * admitted one is streaming (held at its gate) and every other was answered, then lets the admitted ones finish.
 */
async function sendTogether(count: number, budgetInEstimates: number): Promise<{ statuses: number[]; gw: Gateway }> {
  const { gateway: gw, gates } = await startBudgetedGateway({
    budget: Math.floor(ESTIMATE.total * budgetInEstimates),
    replies: count,
    // Each reply costs exactly what was reserved for it: the worst case the estimate allows.
    usage: { input: ESTIMATE.input, output: ESTIMATE.output },
  });
  // An admitted request answers 200 once its first event is relayed, and then waits at its gate: when every
  // response is in, all admitted requests are in flight at once.
  const settled = await Promise.all(Array.from({ length: count }, () => send(gw.url)));
  const statuses = settled.map((response) => response.status);
  for (const gate of gates) gate.open();
  await Promise.all(settled.map((response) => response.arrayBuffer()));
  return { statuses, gw };
}

describe('gateway budget with requests in flight', () => {
  it('two concurrent streaming requests that each fit but together do not: one is admitted, one gets 402', async () => {
    const { statuses, gw } = await sendTogether(2, 1.5);
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    expect(statuses.filter((status) => status === 402)).toHaveLength(1);
    expect(upstream?.requests).toHaveLength(1);
    expect(gw.ledger.total().exchanges).toBe(1);
    expect(totalTokens(gw.ledger.total().usage)).toBe(ESTIMATE.total);
    expect(totalTokens(gw.ledger.total().usage)).toBeLessThanOrEqual(Math.floor(ESTIMATE.total * 1.5));
  });

  it('ten concurrent streaming requests against room for three: three admitted, seven 402, the ledger within budget', async () => {
    const { statuses, gw } = await sendTogether(10, 3.5);
    expect(statuses.filter((status) => status === 200)).toHaveLength(3);
    expect(statuses.filter((status) => status === 402)).toHaveLength(7);
    expect(upstream?.requests).toHaveLength(3);
    expect(gw.ledger.total().exchanges).toBe(3);
    expect(totalTokens(gw.ledger.total().usage)).toBeLessThanOrEqual(Math.floor(ESTIMATE.total * 3.5));
  });

  it('settles a finished request at what it used, so its unused reservation is free again', async () => {
    // Room for one estimate and a half; the first reply uses far less than it reserved.
    const { gateway: gw, gates } = await startBudgetedGateway({
      budget: Math.floor(ESTIMATE.total * 1.5),
      replies: 2,
      usage: { input: 10, output: 5 },
    });
    for (const gate of gates) gate.open();
    const first = await send(gw.url);
    expect(first.status).toBe(200);
    await first.arrayBuffer();
    expect(totalTokens(gw.ledger.total().usage)).toBe(15);
    const second = await send(gw.url);
    expect(second.status).toBe(200);
    await second.arrayBuffer();
    expect(gw.ledger.total().exchanges).toBe(2);
  });

  it('admits a request whose estimate fills the budget exactly, and refuses it one token short', async () => {
    const exact = await startBudgetedGateway({ budget: ESTIMATE.total, replies: 1, usage: { input: 10, output: 5 } });
    for (const gate of exact.gates) gate.open();
    const admitted = await send(exact.gateway.url);
    expect(admitted.status).toBe(200);
    await admitted.arrayBuffer();
    await exact.gateway.close();
    await upstream?.close();
    const short = await startBudgetedGateway({
      budget: ESTIMATE.total - 1,
      replies: 1,
      usage: { input: 10, output: 5 },
    });
    const refused = await send(short.gateway.url);
    expect(refused.status).toBe(402);
    const { error } = (await refused.json()) as { error: { type: string; message: string } };
    expect(error.type).toBe('budget_exceeded');
    expect(error.message).toBe(
      `token budget of ${ESTIMATE.total - 1} would be exceeded: 0 tokens used or reserved so far, and this request ` +
        `needs about ${ESTIMATE.input} input tokens (body bytes × 0.250) and room for a reply of at least 1000 tokens, ` +
        `leaving 999 for output; raise --budget / CAMBRIAN_TOKEN_BUDGET to go on`,
    );
  });
});

const PROTOCOLS = [
  {
    provider: 'anthropic',
    start: (tokens: number) => startAnthropicServer({ key: PROVIDER_KEY, replies: [longAnthropicReply(tokens)] }),
    env: (url: string) => ({ ANTHROPIC_API_KEY: PROVIDER_KEY, ANTHROPIC_BASE_URL: url }),
  },
  {
    provider: 'openai',
    start: (tokens: number) => startOpenAiServer({ key: PROVIDER_KEY, replies: [longChatReply(tokens)] }),
    env: (url: string) => ({
      OPENAI_API_KEY: PROVIDER_KEY,
      OPENAI_BASE_URL: `${url}/v1`,
      CAMBRIAN_GENERATION_MODEL: 'qwen2.5-coder:32b',
    }),
  },
] as const;

describe.each(PROTOCOLS)('a reply longer than what is left of the budget ($provider protocol)', (protocol) => {
  it('forwards max_tokens lowered to what is left, the reply stops at max_tokens, the ledger stays within the budget, the next request gets 402', async () => {
    // The model would write 50,000 tokens and the Prime allows 64,000; the budget has room for about 30,000.
    const budget = 30_000;
    upstream = await protocol.start(50_000);
    const roles = resolveRoles({ flags: { provider: protocol.provider }, env: protocol.env(upstream.url) });
    const events: GatewayEvent[] = [];
    gateway = await startGateway({
      backend: createRunBackend({ roles }),
      token: TOKEN,
      budget,
      onEvent: (event) => events.push(event),
    });
    const prime = client({ baseURL: gateway.url, apiKey: TOKEN, generation: 1 });
    const request = {
      model: 'claude-sonnet-4-5',
      max_tokens: 64_000,
      messages: [{ role: 'user' as const, content: 'generate generation 1 of the spec, all files' }],
    };
    const reply = await prime.messages.stream(request).finalMessage();

    expect(reply.stop_reason).toBe('max_tokens');
    const sent = upstream.requests[0]?.body.max_tokens as number;
    expect(sent).toBeLessThan(budget);
    expect(sent).toBeGreaterThan(budget - 1024);
    expect(events.find((event) => event.type === 'exchange-start')).toMatchObject({
      trimmed: { requested: 64_000, sent },
    });
    expect(gateway.ledger.forGeneration(1).trimmed).toBe(1);
    const used = totalTokens(gateway.ledger.total().usage);
    expect(used).toBeGreaterThan(budget - 1024);
    expect(used).toBeLessThanOrEqual(budget);

    // The continuation: not even a minimal reply fits what is left, so the Prime is told the budget is spent.
    const refused = await prime.messages
      .stream(request)
      .finalMessage()
      .catch((error: unknown) => error);
    expect(refused).toMatchObject({ status: 402 });
    expect(upstream.requests).toHaveLength(1);
    expect(totalTokens(gateway.ledger.total().usage)).toBe(used);
  });
});
