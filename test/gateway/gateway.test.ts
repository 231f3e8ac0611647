import Anthropic from '@anthropic-ai/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { type Backend, BackendError, type StreamEvent } from '../../src/gateway/backend.js';
import { createExemplarBackend } from '../../src/gateway/backends/exemplar.js';
import { type Gateway, startGateway } from '../../src/gateway/create-gateway.js';
import type { GatewayEvent } from '../../src/gateway/gateway-events.js';
import { client, firstMessage, GEN0_DIR } from './gateway-helpers.js';

let gateway: Gateway | null = null;
afterEach(async () => {
  await gateway?.close();
  gateway = null;
});

async function start(
  options: { faults?: string; budget?: number; backend?: Backend } = {},
): Promise<{ gateway: Gateway; events: GatewayEvent[] }> {
  const events: GatewayEvent[] = [];
  const backend =
    options.backend ??
    (await createExemplarBackend({ sealedPrimeDir: GEN0_DIR, faults: options.faults ?? '', chunkChars: 512 }));
  gateway = await startGateway({
    backend,
    token: 'run-token-123',
    ...(options.budget === undefined ? {} : { budget: options.budget }),
    onEvent: (event) => events.push(event),
  });
  return { gateway, events };
}

describe('gateway', () => {
  it('streams SSE the official SDK parses, and accounts tokens per generation', async () => {
    const { gateway, events } = await start();
    const sdk = client({ baseURL: gateway.url, apiKey: gateway.token, generation: 7 });
    const stream = sdk.messages.stream({ model: 'exemplar-test-model', max_tokens: 64000, messages: [firstMessage()] });
    let deltas = 0;
    stream.on('text', () => {
      deltas += 1;
    });
    const message = await stream.finalMessage();
    const text = message.content.map((block) => (block.type === 'text' ? block.text : '')).join('');
    expect(text).toContain('<file path="src/server.ts">\n');
    expect(text).toContain('<file path="test/echo.test.ts">\n');
    expect(text.trimEnd().endsWith('</file:end>')).toBe(true);
    expect(deltas).toBeGreaterThan(1);
    expect(message.stop_reason).toBe('end_turn');
    expect(message.usage.output_tokens).toBe(Math.ceil(Buffer.byteLength(text) / 4));

    const usage = gateway.ledger.forGeneration(7);
    expect(usage.exchanges).toBe(1);
    expect(usage.usage.output).toBe(message.usage.output_tokens);
    expect(usage.usage.cacheWrite).toBeGreaterThan(0);
    expect(usage.purposes).toEqual({ fresh: 1 });
    expect(gateway.ledger.forGeneration(8).exchanges).toBe(0);
    const end = events.find((event) => event.type === 'exchange-end');
    expect(end).toMatchObject({
      type: 'exchange-end',
      generation: 7,
      purpose: 'fresh',
      outcome: 'complete',
      status: 200,
    });
    expect(end?.type === 'exchange-end' && end.events.at(-1)?.type).toBe('message_stop');

    // The same spec again is a cache read, as a provider with prompt caching would report it.
    await client({ baseURL: gateway.url, apiKey: gateway.token, generation: 7 })
      .messages.stream({ model: 'exemplar-test-model', max_tokens: 100, messages: [firstMessage()] })
      .finalMessage();
    expect(gateway.ledger.forGeneration(7).usage.cacheRead).toBe(usage.usage.cacheWrite);
  });

  it('answers plain JSON when stream is false, and also takes Authorization: Bearer', async () => {
    const { gateway } = await start();
    const response = await fetch(`${gateway.url}/v1/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gateway.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', max_tokens: 8192, messages: [firstMessage()] }),
    });
    expect(response.status).toBe(200);
    const message = (await response.json()) as Anthropic.Message;
    expect(message.type).toBe('message');
    expect(message.content[0]?.type === 'text' && message.content[0].text).toContain('<file path="package.json">');
    expect(message.stop_reason).toBe('end_turn');
  });

  it('refuses a wrong token with 401 before the backend sees anything', async () => {
    const { gateway, events } = await start();
    const sdk = client({ baseURL: gateway.url, apiKey: 'sk-ant-not-the-run-token' });
    const error = await sdk.messages
      .create({ model: 'm', max_tokens: 10, messages: [firstMessage()] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.AuthenticationError);
    expect((error as InstanceType<typeof Anthropic.APIError>).status).toBe(401);
    expect(events.some((event) => event.type === 'exchange-start')).toBe(false);
    expect(events).toContainEqual(expect.objectContaining({ type: 'refused', status: 401 }));
  });

  it('refuses with 402 budget_exceeded before a request that could pass the budget, and says how it estimated', async () => {
    const { gateway } = await start({ budget: 3_500 });
    const sdk = client({ baseURL: gateway.url, apiKey: gateway.token });
    // About 1.5k input + 1k max_tokens: fits.
    await sdk.messages.stream({ model: 'm', max_tokens: 1000, messages: [firstMessage()] }).finalMessage();
    const used = gateway.ledger.total().usage;
    expect(used.output).toBeGreaterThan(0);
    // What is left after the first exchange and this request's ~1.5k input cannot pay for even a short reply
    // (min(max_tokens, 1024) tokens): refused, not trimmed (gateway-budget.test.ts shows the trim).
    const response = await fetch(`${gateway.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': gateway.token, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', max_tokens: 64000, stream: true, messages: [firstMessage()] }),
    });
    expect(response.status).toBe(402);
    const body = (await response.json()) as { type: string; error: { type: string; message: string } };
    expect(body.type).toBe('error');
    expect(body.error.type).toBe('budget_exceeded');
    expect(body.error.message).toMatch(/token budget of 3500 would be exceeded: \d+ tokens used or reserved so far/);
    expect(body.error.message).toMatch(/body bytes × 0\.250\) and room for a reply of at least 1024 tokens/);
    expect(gateway.ledger.total().exchanges).toBe(1);
  });

  it('relays a 529 with retry-after, then serves the same request', async () => {
    const { gateway } = await start({ faults: 'overloaded' });
    const sdk = client({ baseURL: gateway.url, apiKey: gateway.token });
    const params = { model: 'm', max_tokens: 8192, messages: [firstMessage()] };
    const error = await sdk.messages.create(params).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect((error as InstanceType<typeof Anthropic.APIError>).status).toBe(529);
    expect((error as InstanceType<typeof Anthropic.APIError>).headers?.get('retry-after')).toBe('1');
    expect(JSON.stringify((error as InstanceType<typeof Anthropic.APIError>).error)).toContain('overloaded_error');
    const message = await sdk.messages.stream(params).finalMessage();
    expect(message.stop_reason).toBe('end_turn');
  });

  it('cuts the socket mid-stream on a cut-stream fault: no message_stop, the SDK sees a broken stream', async () => {
    const { gateway, events } = await start({ faults: 'cut-stream' });
    const sdk = client({ baseURL: gateway.url, apiKey: gateway.token });
    const stream = sdk.messages.stream({ model: 'm', max_tokens: 100, messages: [firstMessage()] });
    let received = '';
    stream.on('text', (text) => {
      received += text;
    });
    await expect(stream.finalMessage()).rejects.toThrow();
    expect(received.length).toBeGreaterThan(0);
    const end = events.find((event) => event.type === 'exchange-end');
    expect(end).toMatchObject({ outcome: 'cut' });
    expect(end?.type === 'exchange-end' && end.events.some((event) => event.type === 'message_stop')).toBe(false);
  });

  it('turns a BackendError mid-stream into an SSE error event, and before the stream into its status', async () => {
    let calls = 0;
    const backend: Backend = {
      name: 'flaky',
      async *stream(request) {
        calls += 1;
        if (calls === 1)
          throw new BackendError({ status: 429, type: 'rate_limit_error', message: 'slow down', retryAfterSeconds: 3 });
        yield {
          type: 'message_start',
          message: {
            id: 'x',
            type: 'message',
            role: 'assistant',
            model: request.model,
            content: [],
            stop_reason: null,
            stop_sequence: null,
            usage: { input_tokens: 5, output_tokens: 1 },
          },
        } as unknown as StreamEvent;
        yield {
          type: 'content_block_start',
          index: 0,
          content_block: { type: 'text', text: '', citations: null },
        } as StreamEvent;
        yield { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'partial' } };
        throw new BackendError({ status: 529, type: 'overloaded_error', message: 'upstream overloaded mid-reply' });
      },
    };
    const { gateway, events } = await start({ backend });
    const sdk = client({ baseURL: gateway.url, apiKey: gateway.token });
    const params = { model: 'm', max_tokens: 100, messages: [firstMessage()] };
    const first = await sdk.messages.create(params).catch((e: unknown) => e);
    expect((first as InstanceType<typeof Anthropic.APIError>).status).toBe(429);
    expect((first as InstanceType<typeof Anthropic.APIError>).headers?.get('retry-after')).toBe('3');
    const raw = await fetch(`${gateway.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': gateway.token, 'content-type': 'application/json' },
      body: JSON.stringify({ ...params, stream: true }),
    });
    const text = await raw.text();
    expect(raw.status).toBe(200);
    expect(text).toContain('event: content_block_delta');
    expect(text).toMatch(
      /event: error\ndata: \{"type":"error","error":\{"type":"overloaded_error","message":"upstream overloaded mid-reply"\}\}/,
    );
    expect(text).not.toContain('message_stop');
    expect(
      events
        .filter((event) => event.type === 'exchange-end')
        .map((event) => event.type === 'exchange-end' && event.outcome),
    ).toEqual(['error', 'error']);
  });

  it('answers 400 naming the spec when the exemplar has no reply for it', async () => {
    const { gateway } = await start();
    const sdk = client({ baseURL: gateway.url, apiKey: gateway.token });
    const spec = '---\nid: NO-SUCH-SPEC-9\nversion: 1.0.0\n---\n# nothing\n';
    const error = await sdk.messages
      .create({ model: 'm', max_tokens: 10, messages: [firstMessage({ specText: spec })] })
      .catch((e: unknown) => e);
    expect((error as InstanceType<typeof Anthropic.APIError>).status).toBe(400);
    expect(String((error as Error).message)).toMatch(/no reply for spec NO-SUCH-SPEC-9.*use a real provider/);
  });
});
