import type Anthropic from '@anthropic-ai/sdk';
import { afterEach, describe, expect, test } from 'vitest';
import { readConfig } from '../src/config.js';
import { AttemptError } from '../src/errors.js';
import { createClient, generateFiles, type LlmContext, zeroUsage } from '../src/llm.js';
import { SYSTEM_PROMPT } from '../src/prompts.js';
import { END, blocks, type LlmAnswer, type LlmRequest, startFakeLlm } from './helpers.js';

const FIRST_USER: Anthropic.MessageParam = {
  role: 'user',
  content: [
    { type: 'text', text: '<spec path="spec/X.md">\nspec\n</spec>', cache_control: { type: 'ephemeral' } },
    { type: 'text', text: '# Task: generate generation 1\n' },
  ],
};
const CONTENT: Record<string, string> = { 'src/a.ts': 'export const a = 1;\n', 'test/a.test.ts': `const end = '${END.slice(0, 6)}' + '${END.slice(6)}';\n` };
const REPLY = blocks(CONTENT);
const FILES = Object.entries(CONTENT).map(([path, content]) => ({ path, content }));

let fake: Awaited<ReturnType<typeof startFakeLlm>> | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function run(answers: LlmAnswer[], env: Record<string, string> = {}, streamIdleTimeoutMs = 300_000) {
  fake = await startFakeLlm((_request, index) => answers[index] ?? { type: 'status', status: 400 });
  const env_ = { ANTHROPIC_BASE_URL: fake.url, ANTHROPIC_API_KEY: 'gateway-token', CAMBRIAN_MAX_TOKENS: '1000', ...env };
  // The waits are configuration fields, not environment variables: a test shortens them here.
  const config = { ...readConfig(env_), backoffBaseMs: 1, backoffCapMs: 4, streamIdleTimeoutMs };
  const events: string[] = [];
  const signal = new AbortController().signal;
  const log = (event: string): void => void events.push(event);
  const ctx: LlmContext = { client: createClient(config), config, generation: 5, model: 'model-a', usage: zeroUsage(), signal, log };
  const result = generateFiles(ctx, { purpose: 'fresh', firstUser: FIRST_USER, base: [] }).then((edit) => edit.files);
  return { result, requests: fake.requests, ctx, events };
}

describe('generateFiles', () => {
  test('streams a request with the spec block cached, the headers and the system prompt, and parses the reply', async () => {
    const { result, requests, ctx } = await run([{ type: 'reply', text: REPLY, usage: { input: 100, output: 40 } }]);
    expect(await result).toEqual(FILES);
    expect(requests).toHaveLength(1);
    const request = requests[0] as LlmRequest;
    // SDK 1.12 sends the key as a bearer token; the gateway accepts it there or in x-api-key.
    expect(request.headers.authorization ?? request.headers['x-api-key']).toMatch(/^(Bearer )?gateway-token$/);
    expect(request.headers['x-cambrian-generation']).toBe('5');
    expect(request.headers['x-cambrian-purpose']).toBe('fresh');
    expect(request.body).toMatchObject({ model: 'model-a', max_tokens: 1000, stream: true, system: SYSTEM_PROMPT });
    expect(request.body.messages).toEqual([FIRST_USER]);
    expect(ctx.usage).toEqual({ input: 100, output: 40, 'cache-read': 3, 'cache-write': 2 });
  });

  test('waits after a 529 and sends the same request again', async () => {
    const { result, requests, events } = await run([
      { type: 'status', status: 529, headers: { 'retry-after': '0' } },
      { type: 'status', status: 429 },
      { type: 'reply', text: REPLY },
    ]);
    expect(await result).toEqual(FILES);
    expect(requests).toHaveLength(3);
    expect(requests[1]?.body).toEqual(requests[0]?.body);
    expect(requests[2]?.body).toEqual(requests[0]?.body);
    expect(events.filter((event) => event === 'llm.transient')).toHaveLength(2);
  });

  const broken: LlmAnswer[] = [{ type: 'cut', text: REPLY, how: 'drop' }, { type: 'cut', text: REPLY, how: 'end' }, { type: 'error-event', text: REPLY.slice(0, 30) }];
  test.each(broken)('resends after a broken stream ($type $how) and keeps no text of it', async (answer) => {
    const { result, requests } = await run([answer, { type: 'reply', text: REPLY }]);
    expect(await result).toEqual(FILES);
    expect(requests).toHaveLength(2);
    expect(requests[1]?.body).toEqual(requests[0]?.body);
  });

  test('cuts a stream that goes silent, keeps no text of it and sends the request again', async () => {
    const started = Date.now();
    const { result, requests, events } = await run([{ type: 'silent', text: REPLY.slice(0, 40) }, { type: 'reply', text: REPLY }], {}, 200);
    expect(await result).toEqual(FILES);
    expect(requests).toHaveLength(2);
    expect(events).toContain('llm.transient');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  test('gives up after CAMBRIAN_MAX_TRANSIENT_RETRIES waits: a failed attempt at stage llm', async () => {
    const overloaded: LlmAnswer = { type: 'status', status: 529 };
    const { result, requests } = await run([overloaded, overloaded, overloaded], { CAMBRIAN_MAX_TRANSIENT_RETRIES: '2' });
    const error = await result.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AttemptError);
    expect((error as AttemptError).stage).toBe('llm');
    expect(requests).toHaveLength(3);
  });

  test('continues a reply that stopped on max_tokens from its last complete line', async () => {
    const cut = REPLY.indexOf('export const') + 'export con'.length;
    const lastLineEnd = REPLY.lastIndexOf('\n', cut);
    const { result, requests, ctx } = await run([
      { type: 'reply', text: REPLY.slice(0, cut), stopReason: 'max_tokens', usage: { input: 100, output: 1000 } },
      { type: 'reply', text: REPLY.slice(lastLineEnd + 1), usage: { input: 150, output: 60 } },
    ]);
    expect(await result).toEqual(FILES);
    expect(requests).toHaveLength(2);
    const continuation = requests[1] as LlmRequest;
    expect(continuation.headers['x-cambrian-purpose']).toBe('continuation');
    expect(continuation.body.model).toBe('model-a');
    expect(continuation.body.messages[0]).toEqual(FIRST_USER);
    expect(continuation.body.messages[1]).toEqual({ role: 'assistant', content: REPLY.slice(0, lastLineEnd) });
    const task = continuation.body.messages[2];
    expect(task?.role).toBe('user');
    expect(String(task?.content).split('\n')[0]).toBe('# Task: continue your reply');
    expect(String(task?.content)).toContain('repeat nothing');
    expect(ctx.usage).toMatchObject({ input: 250, output: 1060 });
  });

  test('fails the attempt when max_tokens comes before the first complete line', async () => {
    const { result, requests } = await run([{ type: 'reply', text: '<file path=', stopReason: 'max_tokens' }]);
    await expect(result).rejects.toMatchObject({ stage: 'llm' });
    expect(requests).toHaveLength(1);
  });

  test('asks the same model to repair a malformed reply, without counting it as a retry', async () => {
    const malformed = `<file path="src/a.ts">\nexport const a = 1;\n`;
    const { result, requests, ctx } = await run([
      { type: 'reply', text: malformed },
      { type: 'reply', text: REPLY },
    ]);
    expect(await result).toEqual(FILES);
    const repair = requests[1] as LlmRequest;
    expect(repair.headers['x-cambrian-purpose']).toBe('repair');
    expect(repair.body.model).toBe('model-a');
    expect(repair.body.messages[0]).toEqual(FIRST_USER);
    expect(repair.body.messages[1]).toEqual({ role: 'assistant', content: malformed });
    const task = String(repair.body.messages[2]?.content);
    expect(task.split('\n')[0]).toBe('# Task: repair your reply');
    expect(task).toContain('Line: 1');
    expect(task).toContain('Path: "src/a.ts"');
    expect(task).toContain('Rule: unclosed-block');
    expect(task).toContain('Send the complete reply again');
    expect(ctx.usage.input).toBe(200);
  });
});
