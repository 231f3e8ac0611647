import { afterEach, describe, expect, it } from 'vitest';
import type { OpenAiParamMode } from '../../src/gateway/backends/adapt-openai-params.js';
import { createOpenAiBackend } from '../../src/gateway/backends/openai.js';
import { readProviderTuning } from '../../src/gateway/read-provider-tuning.js';
import { collect, primeRequest } from './helpers/collect.js';
import { chatReply, startOpenAiServer } from './helpers/openai-server.js';
import type { ScriptedServer } from './helpers/scripted-server.js';

const KEY = 'sk-proj-test-KEY-0123456789abcdefghijklmnopqrstuv';

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A server like api.openai.com with a reasoning model: it refuses `max_tokens` and a non-default temperature. */
async function setUp(params: OpenAiParamMode, replies = 2) {
  const started = await startOpenAiServer({
    key: KEY,
    refuse: ['max_tokens', 'temperature'],
    replies: Array.from({ length: replies }, () => chatReply('<file path="a.ts">\nx\n</file:end>\n')),
  });
  server = started;
  const backend = createOpenAiBackend({
    baseUrl: `${started.url}/v1`,
    apiKey: KEY,
    apiKeyVar: 'OPENAI_API_KEY',
    model: 'o4-mini',
    maxTokens: 32_000,
    params,
  });
  return { server: started, backend };
}

const tokenParams = (body: Record<string, unknown> | undefined) =>
  Object.keys(body ?? {}).filter((key) => key === 'max_tokens' || key === 'max_completion_tokens');

describe('openai backend: the parameters a reasoning model requires', () => {
  it('auto: recognises the refusal of max_tokens and of temperature once each, resends, and remembers', async () => {
    const { server, backend } = await setUp('auto');
    const first = await collect(backend, primeRequest({ temperature: 0.2 }));
    expect(first.error).toBeNull();
    expect(first.text).toContain('<file path="a.ts">');
    // Refused max_tokens, then refused temperature, then accepted: never both token parameters in one request.
    expect(server.requests.map((request) => tokenParams(request.body))).toEqual([
      ['max_tokens'],
      ['max_completion_tokens'],
      ['max_completion_tokens'],
    ]);
    expect(server.requests[2]?.body.max_completion_tokens).toBe(32_000);
    expect(server.requests[2]?.body).not.toHaveProperty('temperature');
    // The next request of the run goes right the first time.
    await collect(backend, primeRequest({ temperature: 0.2 }));
    expect(server.requests).toHaveLength(4);
    expect(tokenParams(server.requests[3]?.body)).toEqual(['max_completion_tokens']);
  });

  it('reasoning (configured): max_completion_tokens and no sampling parameters from the first request', async () => {
    const { server, backend } = await setUp('reasoning', 1);
    const result = await collect(backend, primeRequest({ temperature: 0.2, top_p: 0.9 }));
    expect(result.error).toBeNull();
    expect(server.requests).toHaveLength(1);
    expect(tokenParams(server.requests[0]?.body)).toEqual(['max_completion_tokens']);
    expect(server.requests[0]?.body).not.toHaveProperty('temperature');
    expect(server.requests[0]?.body).not.toHaveProperty('top_p');
  });

  it('classic (configured): sends max_tokens only and reports the refusal instead of resending', async () => {
    const { server, backend } = await setUp('classic', 1);
    const result = await collect(backend, primeRequest());
    expect(server.requests).toHaveLength(1);
    expect(result.error?.status).toBe(400);
    expect(result.error?.message).toContain("'max_tokens' is not supported");
  });

  it('a 400 that is no parameter refusal is not resent', async () => {
    const started = await startOpenAiServer({
      key: KEY,
      replies: [{ status: 400, body: { error: { message: 'context too long', type: 'invalid_request_error' } } }],
    });
    server = started;
    const backend = createOpenAiBackend({ baseUrl: `${started.url}/v1`, apiKey: KEY, apiKeyVar: 'OPENAI_API_KEY' });
    const result = await collect(backend, primeRequest());
    expect(result.error?.status).toBe(400);
    expect(started.requests).toHaveLength(1);
  });

  it('reads --openai-params over CAMBRIAN_OPENAI_PARAMS, and names the source of a bad value', () => {
    expect(readProviderTuning({ flags: {}, env: {} }).openaiParams).toBe('auto');
    expect(readProviderTuning({ flags: {}, env: { CAMBRIAN_OPENAI_PARAMS: 'reasoning' } }).openaiParams).toBe(
      'reasoning',
    );
    expect(() => readProviderTuning({ flags: { openaiParams: 'o1' }, env: {} })).toThrow(
      /--openai-params: "o1" is not one of auto, classic, reasoning/,
    );
  });
});
