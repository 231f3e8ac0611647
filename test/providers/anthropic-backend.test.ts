import { afterEach, describe, expect, it } from 'vitest';
import { createAnthropicBackend } from '../../src/gateway/backends/anthropic.js';
import { usageOfEvents } from '../../src/gateway/provider-record-schema.js';
import { startAnthropicServer } from './helpers/anthropic-server.js';
import { collect, context, primeRequest, SPEC_TEXT } from './helpers/collect.js';
import { createGate, readSseFixture, type ScriptedServer } from './helpers/scripted-server.js';

const KEY = 'sk-ant-api03-test-KEY-0123456789abcdefghijklmnop';

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function setUp(replies: Parameters<typeof startAnthropicServer>[0] extends infer O ? O : never) {
  const started = await startAnthropicServer({ key: KEY, ...replies });
  server = started;
  const backend = createAnthropicBackend({ baseUrl: started.url, apiKey: KEY, apiKeyVar: 'ANTHROPIC_API_KEY' });
  return { server: started, backend };
}

function fixtureEvents(name: string): unknown[] {
  return readSseFixture(name)
    .split('\n\n')
    .filter((block) => block.trim() !== '' && !block.startsWith('event: ping'))
    .map((block) => JSON.parse(block.split('\ndata: ')[1] ?? ''));
}

describe('anthropic backend against a local Anthropic Messages API', () => {
  it('relays the stream event by event, with usage and cache numbers, and sends the key in the auth header', async () => {
    const { server, backend } = await setUp({ replies: [{ sse: readSseFixture('anthropic/stream-basic.sse') }] });
    const result = await collect(backend, primeRequest());
    expect(result.error).toBeNull();
    expect(result.events).toEqual(fixtureEvents('anthropic/stream-basic.sse'));
    expect(result.text).toBe('<file path="src/main.ts">\nexport const answer = 42;\n</file:end>\n');
    expect(usageOfEvents(result.events)).toEqual({ input: 812, output: 23, cacheRead: 10496, cacheWrite: 0 });
    const received = server.requests[0];
    expect([received?.headers['x-api-key'], received?.headers.authorization]).toContain(
      received?.headers['x-api-key'] === undefined ? `Bearer ${KEY}` : KEY,
    );
    expect(received?.body.stream).toBe(true);
    expect(received?.body.model).toBe('claude-sonnet-4-5');
  });

  it('marks the spec block for prompt caching when the Prime did not, and gives a marked one the gateway TTL', async () => {
    const { server, backend } = await setUp({
      replies: [
        { sse: readSseFixture('anthropic/stream-basic.sse') },
        { sse: readSseFixture('anthropic/stream-basic.sse') },
      ],
    });
    await collect(backend, primeRequest());
    const marked = primeRequest({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: SPEC_TEXT, cache_control: { type: 'ephemeral' } },
            { type: 'text', text: '# Task: generate generation 1' },
          ],
        },
      ],
    });
    await collect(backend, marked);
    const first = server.requests[0]?.body.messages as Array<{ content: Array<Record<string, unknown>> }>;
    // The default TTL policy is auto: before any stream of the run it expects a whole codebase (> 4 minutes) → 1 h.
    expect(first[0]?.content[0]?.cache_control).toEqual({ type: 'ephemeral', ttl: '1h' });
    expect(first[0]?.content[1]?.cache_control).toBeUndefined();
    const second = server.requests[1]?.body.messages as Array<{ content: Array<Record<string, unknown>> }>;
    expect(second[0]?.content[0]?.cache_control).toEqual({ type: 'ephemeral', ttl: '1h' });
  });

  it('replaces the model when the role names one', async () => {
    const started = await startAnthropicServer({ replies: [{ sse: readSseFixture('anthropic/stream-basic.sse') }] });
    server = started;
    const backend = createAnthropicBackend({
      baseUrl: started.url,
      apiKey: KEY,
      apiKeyVar: 'ANTHROPIC_API_KEY',
      model: 'claude-haiku-4-5',
    });
    await collect(backend, primeRequest());
    expect(started.requests[0]?.body.model).toBe('claude-haiku-4-5');
  });

  it('caps max_tokens at the role limit, and leaves a smaller request alone', async () => {
    const started = await startAnthropicServer({
      replies: [
        { sse: readSseFixture('anthropic/stream-basic.sse') },
        { sse: readSseFixture('anthropic/stream-basic.sse') },
      ],
    });
    server = started;
    const backend = createAnthropicBackend({
      baseUrl: started.url,
      apiKey: KEY,
      apiKeyVar: 'ANTHROPIC_API_KEY',
      maxTokens: 8192,
    });
    await collect(backend, primeRequest());
    await collect(backend, primeRequest({ max_tokens: 1000 }));
    expect(started.requests.map((request) => request.body.max_tokens)).toEqual([8192, 1000]);
  });

  it('yields each event as it arrives instead of buffering the reply', async () => {
    const gate = createGate();
    const { backend } = await setUp({
      replies: [{ sse: readSseFixture('anthropic/stream-basic.sse'), gate: { afterEvents: 4, gate } }],
    });
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
    const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 5000));
    await gate.reached;
    // The server is held after the first delta: a backend that buffered would not deliver it now.
    expect(await Promise.race([firstDelta, timeout])).toBe(true);
    expect(seen).toEqual(['message_start', 'content_block_start', 'content_block_delta']);
    gate.open();
    let rest = 0;
    for (;;) {
      const next = await iterator.next();
      if (next.done) break;
      rest += 1;
    }
    expect(rest).toBe(5);
  });

  it('maps 429 with retry-after to a rate_limit_error carrying the wait', async () => {
    const { backend } = await setUp({
      replies: [
        {
          status: 429,
          headers: { 'retry-after': '7' },
          body: { type: 'error', error: { type: 'rate_limit_error', message: 'Number of request tokens exceeded' } },
        },
      ],
    });
    const { error, events } = await collect(backend, primeRequest());
    expect(events).toEqual([]);
    expect(error).toMatchObject({ status: 429, type: 'rate_limit_error', retryAfterSeconds: 7 });
    expect(error?.message).toContain('Number of request tokens exceeded');
  });

  it('maps 529 to overloaded_error', async () => {
    const { backend } = await setUp({
      replies: [{ status: 529, body: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } }],
    });
    const { error } = await collect(backend, primeRequest());
    expect(error).toMatchObject({ status: 529, type: 'overloaded_error', retryAfterSeconds: undefined });
  });

  it('reports a stream that ends without message_stop as cut, after relaying what came', async () => {
    const { backend } = await setUp({ replies: [{ sse: readSseFixture('anthropic/cut-mid-reply.sse') }] });
    const { error, text } = await collect(backend, primeRequest());
    expect(text).toBe('<file path="src/main.ts">\nexport const ans');
    expect(error).toMatchObject({ status: 502, type: 'api_error' });
    expect(error?.message).toMatch(/cut mid-reply/);
  });

  it('reports a connection torn down mid-reply', async () => {
    const { backend } = await setUp({
      replies: [{ sse: readSseFixture('anthropic/cut-mid-reply.sse'), end: 'destroy' }],
    });
    const { error, text } = await collect(backend, primeRequest());
    expect(text.startsWith('<file path="src/main.ts">')).toBe(true);
    expect(error).toMatchObject({ status: 502, type: 'api_error' });
  });

  it('turns an error event mid-stream into a BackendError with the status of its type', async () => {
    const { backend } = await setUp({ replies: [{ sse: readSseFixture('anthropic/error-mid-stream.sse') }] });
    const { error, text } = await collect(backend, primeRequest());
    expect(text).toBe('<file path="src/main.ts">\n');
    expect(error).toMatchObject({ status: 529, type: 'overloaded_error' });
    expect(error?.message).toMatch(/mid-stream.*Overloaded/);
  });

  it('relays a max_tokens stop as a normal end', async () => {
    const { backend } = await setUp({ replies: [{ sse: readSseFixture('anthropic/max-tokens.sse') }] });
    const { error, events } = await collect(backend, primeRequest());
    expect(error).toBeNull();
    const delta = events.find((event) => event.type === 'message_delta');
    expect(delta?.type === 'message_delta' && delta.delta.stop_reason).toBe('max_tokens');
    expect(events.at(-1)?.type).toBe('message_stop');
  });

  it('names the variable on a wrong key and never shows the key, even when the provider echoes it', async () => {
    const started = await startAnthropicServer({ key: KEY });
    server = started;
    const wrong = 'sk-ant-api03-WRONG-key-zyxwvutsrqponmlkjihgf';
    const backend = createAnthropicBackend({
      baseUrl: started.url,
      apiKey: wrong,
      apiKeyVar: 'CAMBRIAN_GENERATION_API_KEY',
    });
    const { error } = await collect(backend, primeRequest());
    expect(error).toMatchObject({ status: 401, type: 'authentication_error' });
    expect(error?.message).toMatch(/rejected the key in CAMBRIAN_GENERATION_API_KEY \(401\): set a valid key/);
    // The local server's 401 quotes the key it got, so this assertion fails if redaction does not happen.
    expect(error?.message).toContain('[redacted]');
    expect(error?.message).not.toContain(wrong);
    expect(JSON.stringify(error)).not.toContain(wrong);
    expect(String(error?.stack)).not.toContain(wrong);
  });

  it('reports an unreachable provider with its URL and without the key', async () => {
    const started = await startAnthropicServer();
    await started.close();
    const backend = createAnthropicBackend({ baseUrl: started.url, apiKey: KEY, apiKeyVar: 'ANTHROPIC_API_KEY' });
    const { error } = await collect(backend, primeRequest());
    expect(error).toMatchObject({ status: 502, type: 'api_error' });
    expect(error?.message).toContain(`could not reach the anthropic provider at ${started.url}`);
    expect(error?.message).not.toContain(KEY);
  });

  it('reports an aborted request as aborted, not as a cut stream', async () => {
    const gate = createGate();
    const { backend } = await setUp({
      replies: [{ sse: readSseFixture('anthropic/stream-basic.sse'), gate: { afterEvents: 4, gate } }],
    });
    const controller = new AbortController();
    const run = collect(backend, primeRequest(), context({ signal: controller.signal }));
    await gate.reached;
    controller.abort();
    const { error } = await run;
    gate.open();
    expect(error).toMatchObject({ status: 499, type: 'aborted' });
  });
});
