import { afterEach, describe, expect, it } from 'vitest';
import type { MessagesRequest } from '../../src/gateway/backend.js';
import { createOpenAiBackend } from '../../src/gateway/backends/openai.js';
import { usageOfEvents } from '../../src/gateway/provider-record-schema.js';
import { collect, context, primeRequest, SPEC_TEXT } from './helpers/collect.js';
import { startOpenAiServer } from './helpers/openai-server.js';
import { createGate, type Reply, readSseFixture, type ScriptedServer } from './helpers/scripted-server.js';

const KEY = 'sk-proj-test-KEY-0123456789abcdefghijklmnopqrstuv';

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function setUp(replies: Reply[], model = 'qwen2.5-coder:32b') {
  const started = await startOpenAiServer({ key: KEY, replies });
  server = started;
  const backend = createOpenAiBackend({
    baseUrl: `${started.url}/v1`,
    apiKey: KEY,
    apiKeyVar: 'OPENAI_API_KEY',
    model,
  });
  return { server: started, backend };
}

describe('openai backend against a local OpenAI-compatible chat.completions server', () => {
  it('translates the request: system message, text blocks joined, max_tokens, usage requested, role model', async () => {
    const { server, backend } = await setUp([{ sse: readSseFixture('openai/stream-basic.sse') }]);
    await collect(backend, primeRequest({ temperature: 0.2, stop_sequences: ['</done>'] }));
    const received = server.requests[0];
    expect(received?.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(received?.body).toEqual({
      model: 'qwen2.5-coder:32b',
      messages: [
        { role: 'system', content: 'You write complete codebases as <file> blocks.' },
        { role: 'user', content: `${SPEC_TEXT}\n\n# Task: generate generation 1\nHistory: none` },
      ],
      max_tokens: 64000,
      stream: true,
      stream_options: { include_usage: true },
      temperature: 0.2,
      stop: ['</done>'],
    });
  });

  it('caps max_tokens at the role limit (a local server refuses more than its context)', async () => {
    const started = await startOpenAiServer({
      key: KEY,
      replies: [{ sse: readSseFixture('openai/stream-basic.sse') }],
    });
    server = started;
    const backend = createOpenAiBackend({
      baseUrl: `${started.url}/v1`,
      apiKey: KEY,
      apiKeyVar: 'OPENAI_API_KEY',
      maxTokens: 4096,
    });
    await collect(backend, primeRequest());
    expect(started.requests[0]?.body.max_tokens).toBe(4096);
  });

  it('translates the chunk stream into Anthropic events with usage, cached prompt tokens and end_turn', async () => {
    const { backend } = await setUp([{ sse: readSseFixture('openai/stream-basic.sse') }]);
    const { events, error, text } = await collect(backend, primeRequest());
    expect(error).toBeNull();
    expect(events.map((event) => event.type)).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(text).toBe('<file path="src/main.ts">\nexport const answer = 42;\n</file:end>\n');
    const start = events[0];
    expect(start?.type === 'message_start' && start.message.model).toBe('qwen2.5-coder:32b');
    const delta = events[6];
    expect(delta?.type === 'message_delta' && delta.delta.stop_reason).toBe('end_turn');
    // prompt_tokens 11308 of which 10496 cached: Anthropic counts the uncached part as input.
    expect(usageOfEvents(events)).toEqual({ input: 812, output: 23, cacheRead: 10496, cacheWrite: 0 });
  });

  it('yields translated events as the chunks arrive', async () => {
    const gate = createGate();
    const { backend } = await setUp([
      { sse: readSseFixture('openai/stream-basic.sse'), gate: { afterEvents: 2, gate } },
    ]);
    const iterator = backend.stream(primeRequest(), context())[Symbol.asyncIterator]();
    const seen: string[] = [];
    const firstDelta = (async () => {
      for (;;) {
        const next = await iterator.next();
        if (next.done) return false;
        seen.push(next.value.type);
        if (next.value.type === 'content_block_delta') return true;
      }
    })();
    await gate.reached;
    const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 5000));
    expect(await Promise.race([firstDelta, timeout])).toBe(true);
    expect(seen).toEqual(['message_start', 'content_block_start', 'content_block_delta']);
    gate.open();
    while (!(await iterator.next()).done) {
      // drain
    }
  });

  it('maps the length finish reason to max_tokens', async () => {
    const { backend } = await setUp([{ sse: readSseFixture('openai/length.sse') }]);
    const { events, error, text } = await collect(backend, primeRequest());
    expect(error).toBeNull();
    expect(text).toBe('<file path="src/main.ts">\nexport const ans');
    const delta = events.find((event) => event.type === 'message_delta');
    expect(delta?.type === 'message_delta' && delta.delta.stop_reason).toBe('max_tokens');
  });

  it('maps 429 with retry-after', async () => {
    const { backend } = await setUp([
      {
        status: 429,
        headers: { 'retry-after': '3' },
        body: { error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' } },
      },
    ]);
    const { error } = await collect(backend, primeRequest());
    expect(error).toMatchObject({ status: 429, type: 'rate_limit_error', retryAfterSeconds: 3 });
    expect(error?.message).toContain('Rate limit reached');
  });

  it('relays a busy server (503) as Anthropic 529 overloaded, and 529 as is', async () => {
    const { backend } = await setUp([
      { status: 503, body: { error: { message: 'server busy, queue full', type: 'server_error' } } },
      { status: 529, body: { error: { message: 'overloaded', type: 'overloaded_error' } } },
    ]);
    const busy = await collect(backend, primeRequest());
    expect(busy.error).toMatchObject({ status: 529, type: 'overloaded_error' });
    expect(busy.error?.message).toMatch(/answered 503.*server busy/);
    const overloaded = await collect(backend, primeRequest());
    expect(overloaded.error).toMatchObject({ status: 529, type: 'overloaded_error' });
  });

  it('turns an error chunk mid-stream into a BackendError after relaying the text before it', async () => {
    const { backend } = await setUp([{ sse: readSseFixture('openai/error-mid-stream.sse') }]);
    const { error, text } = await collect(backend, primeRequest());
    expect(text).toBe('<file path="src/main.ts">\n');
    expect(error).toMatchObject({ status: 500, type: 'api_error' });
    expect(error?.message).toMatch(/mid-stream.*the model runner crashed/);
  });

  it('reports a stream without a finish reason as cut, and a torn connection too', async () => {
    const { backend } = await setUp([
      { sse: readSseFixture('openai/cut-mid-reply.sse') },
      { sse: readSseFixture('openai/cut-mid-reply.sse'), end: 'destroy' },
    ]);
    const cut = await collect(backend, primeRequest());
    expect(cut.text).toBe('<file path="src/main.ts">\nexport const ans');
    expect(cut.error).toMatchObject({ status: 502, type: 'api_error' });
    expect(cut.error?.message).toMatch(/cut mid-reply/);
    const torn = await collect(backend, primeRequest());
    expect(torn.error).toMatchObject({ status: 502, type: 'api_error' });
    expect(torn.events.at(-1)?.type).not.toBe('message_stop');
  });

  it('names the variable on a wrong key and redacts the key the server quotes', async () => {
    const started = await startOpenAiServer({ key: KEY });
    server = started;
    const wrong = 'sk-proj-WRONG-key-zyxwvutsrqponmlkjihgfedcba';
    const backend = createOpenAiBackend({ baseUrl: `${started.url}/v1`, apiKey: wrong, apiKeyVar: 'OPENAI_API_KEY' });
    const { error } = await collect(backend, primeRequest());
    expect(error).toMatchObject({ status: 401, type: 'authentication_error' });
    expect(error?.message).toMatch(/the openai provider rejected the key in OPENAI_API_KEY \(401\): set a valid key/);
    expect(error?.message).toContain('Incorrect API key provided: [redacted]');
    expect(JSON.stringify(error)).not.toContain(wrong);
    expect(String(error?.stack)).not.toContain(wrong);
  });

  it('refuses content it cannot express before calling the server', async () => {
    const { server, backend } = await setUp([]);
    const request = primeRequest({
      messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'url', url: 'http://x/y.png' } }] }],
    }) as MessagesRequest;
    const { error } = await collect(backend, request);
    expect(error).toMatchObject({ status: 400, type: 'invalid_request_error' });
    expect(error?.message).toMatch(/messages\[0\]\.content\[0\] is a image block/);
    expect(server.requests).toHaveLength(0);
  });

  it('sends the Prime model name when the role has none, and works without a key against a local server', async () => {
    const started = await startOpenAiServer({ replies: [{ sse: readSseFixture('openai/stream-basic.sse') }] });
    server = started;
    const backend = createOpenAiBackend({ baseUrl: `${started.url}/v1`, apiKeyVar: 'OPENAI_API_KEY' });
    const { error } = await collect(backend, primeRequest());
    expect(error).toBeNull();
    expect(started.requests[0]?.body.model).toBe('claude-sonnet-4-5');
  });
});
