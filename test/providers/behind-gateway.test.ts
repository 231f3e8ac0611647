import Anthropic from '@anthropic-ai/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { type Gateway, startGateway } from '../../src/gateway/create-gateway.js';
import { createRunBackend } from '../../src/gateway/provider-backend.js';
import { resolveRoles } from '../../src/gateway/roles.js';
import { startAnthropicServer } from './helpers/anthropic-server.js';
import { primeRequest } from './helpers/collect.js';
import { startOpenAiServer } from './helpers/openai-server.js';
import { type Reply, readSseFixture, type ScriptedServer } from './helpers/scripted-server.js';

const PROVIDER_KEY = 'sk-ant-api03-engine-KEY-0123456789abcdefghij';
const RUN_TOKEN = 'cambrian-run-test-token-0123456789';

let upstream: ScriptedServer | undefined;
let gateway: Gateway | undefined;
afterEach(async () => {
  await gateway?.close();
  await upstream?.close();
  gateway = undefined;
  upstream = undefined;
});

/** The Prime's side: the official SDK pointed at the gateway with the per-run token, retries off (contracts §4). */
function primeClient(url: string): Anthropic {
  return new Anthropic({ apiKey: RUN_TOKEN, baseURL: url, maxRetries: 0, logLevel: 'off' });
}

async function behindGateway(provider: 'anthropic' | 'openai', replies: Reply[], key = PROVIDER_KEY) {
  upstream =
    provider === 'anthropic'
      ? await startAnthropicServer({ key: PROVIDER_KEY, replies })
      : await startOpenAiServer({ key: PROVIDER_KEY, replies });
  const env =
    provider === 'anthropic'
      ? { ANTHROPIC_API_KEY: key, ANTHROPIC_BASE_URL: upstream.url }
      : { OPENAI_API_KEY: key, OPENAI_BASE_URL: `${upstream.url}/v1`, CAMBRIAN_GENERATION_MODEL: 'qwen2.5-coder:32b' };
  const roles = resolveRoles({ flags: { provider }, env });
  gateway = await startGateway({ backend: createRunBackend({ roles }), token: RUN_TOKEN });
  return { gateway, upstream, client: primeClient(gateway.url) };
}

const headers = { 'x-cambrian-generation': '1', 'x-cambrian-purpose': 'fresh' };

describe('provider backends behind the gateway, streamed to the Prime through the official SDK', () => {
  it('anthropic: the Prime gets the reply and the gateway accounts cache reads; the provider gets the engine key', async () => {
    const { client, upstream, gateway } = await behindGateway('anthropic', [
      { sse: readSseFixture('anthropic/stream-basic.sse') },
    ]);
    const stream = client.messages.stream(primeRequest() as Anthropic.MessageCreateParamsNonStreaming, { headers });
    const message = await stream.finalMessage();
    const text = message.content.map((block) => (block.type === 'text' ? block.text : '')).join('');
    expect(text).toBe('<file path="src/main.ts">\nexport const answer = 42;\n</file:end>\n');
    expect(message.stop_reason).toBe('end_turn');
    expect(gateway.ledger.forGeneration(1).usage).toEqual({ input: 812, output: 23, cacheRead: 10496, cacheWrite: 0 });
    const auth = [upstream.requests[0]?.headers['x-api-key'], upstream.requests[0]?.headers.authorization];
    expect(auth.join(' ')).toContain(PROVIDER_KEY);
    expect(auth.join(' ')).not.toContain(RUN_TOKEN);
  });

  it('openai: the translated stream reaches the Prime with the length stop as max_tokens', async () => {
    const { client, gateway } = await behindGateway('openai', [{ sse: readSseFixture('openai/length.sse') }]);
    const stream = client.messages.stream(
      primeRequest({ model: 'qwen2.5-coder:32b' }) as Anthropic.MessageCreateParamsNonStreaming,
      { headers },
    );
    const message = await stream.finalMessage();
    expect(message.content[0]?.type === 'text' && message.content[0].text).toBe(
      '<file path="src/main.ts">\nexport const ans',
    );
    expect(message.stop_reason).toBe('max_tokens');
    expect(gateway.ledger.forGeneration(1).usage).toEqual({ input: 812, output: 16, cacheRead: 10496, cacheWrite: 0 });
  });

  it('relays 429 with retry-after, and an upstream error mid-stream as an error event', async () => {
    const { client } = await behindGateway('anthropic', [
      {
        status: 429,
        headers: { 'retry-after': '9' },
        body: { type: 'error', error: { type: 'rate_limit_error', message: 'slow down' } },
      },
      { sse: readSseFixture('anthropic/error-mid-stream.sse') },
    ]);
    const limited = await client.messages
      .create({ ...(primeRequest() as Anthropic.MessageCreateParamsStreaming) }, { headers })
      .catch((error: unknown) => error);
    expect(limited).toBeInstanceOf(Anthropic.RateLimitError);
    expect((limited as InstanceType<typeof Anthropic.RateLimitError>).headers.get('retry-after')).toBe('9');
    const midStream = await client.messages
      .stream(primeRequest() as Anthropic.MessageCreateParamsNonStreaming, { headers })
      .finalMessage()
      .catch((error: unknown) => error);
    expect(midStream).toBeInstanceOf(Anthropic.APIError);
    expect((midStream as InstanceType<typeof Anthropic.APIError>).type).toBe('overloaded_error');
  });

  it('never shows the engine key to the Prime, even when the provider quotes it back', async () => {
    const wrong = 'sk-ant-api03-WRONG-engine-key-abcdefghijklmnop';
    const { client } = await behindGateway('anthropic', [], wrong);
    const error = await client.messages
      .create({ ...(primeRequest() as Anthropic.MessageCreateParamsStreaming) }, { headers })
      .catch((thrown: unknown) => thrown as InstanceType<typeof Anthropic.APIError>);
    expect(error).toBeInstanceOf(Anthropic.APIError);
    const seen = `${String(error)} ${JSON.stringify((error as InstanceType<typeof Anthropic.APIError>).error)}`;
    expect(seen).toContain('ANTHROPIC_API_KEY');
    expect(seen).not.toContain(wrong);
  });
});
