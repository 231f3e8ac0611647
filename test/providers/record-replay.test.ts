import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type DirectoryResult, dir } from 'tmp-promise';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import type { MessagesRequest } from '../../src/gateway/backend.js';
import { createReplayBackend, loadRecording } from '../../src/gateway/backends/replay.js';
import { createRunBackend } from '../../src/gateway/provider-backend.js';
import { RecordedExchangeSchema } from '../../src/gateway/provider-record-schema.js';
import { resolveRoles } from '../../src/gateway/roles.js';
import { startAnthropicServer } from './helpers/anthropic-server.js';
import { type Collected, collect, context, primeRequest } from './helpers/collect.js';
import { readSseFixture, type ScriptedServer } from './helpers/scripted-server.js';

const KEY = 'sk-ant-api03-record-KEY-0123456789abcdefghijkl';

let server: ScriptedServer | undefined;
let tmp: DirectoryResult;
beforeEach(async () => {
  tmp = await dir({ unsafeCleanup: true });
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  await tmp.cleanup();
});

function task(text: string): MessagesRequest {
  const base = primeRequest();
  const first = base.messages[0] as { content: Array<{ type: 'text'; text: string }> };
  return {
    ...base,
    messages: [{ role: 'user', content: [first.content[0] ?? { type: 'text', text: '' }, { type: 'text', text }] }],
  };
}

/** A session: fresh, a 429 on the retry, the retry again cut by an error event, a repair ending at max_tokens. */
const SESSION: Array<{ request: MessagesRequest; purpose: string }> = [
  { request: task('# Task: generate generation 1'), purpose: 'fresh' },
  { request: { ...task('# Task: informed retry for generation 1'), model: 'claude-opus-4-5' }, purpose: 'retry' },
  { request: { ...task('# Task: informed retry for generation 1'), model: 'claude-opus-4-5' }, purpose: 'retry' },
  { request: task('# Task: repair your reply'), purpose: 'repair' },
];

async function runSession(backend: ReturnType<typeof createRunBackend>): Promise<Collected[]> {
  const results: Collected[] = [];
  for (const step of SESSION) {
    results.push(await collect(backend, step.request, context({ purpose: step.purpose })));
  }
  return results;
}

function errorOf(result: Collected) {
  const error = result.error;
  return error === null
    ? null
    : { status: error.status, type: error.type, message: error.message, retryAfterSeconds: error.retryAfterSeconds };
}

async function record(file: string): Promise<{ results: Collected[]; server: ScriptedServer }> {
  const started = await startAnthropicServer({
    key: KEY,
    replies: [
      { sse: readSseFixture('anthropic/stream-basic.sse') },
      {
        status: 429,
        headers: { 'retry-after': '2' },
        body: { type: 'error', error: { type: 'rate_limit_error', message: 'slow down' } },
      },
      { sse: readSseFixture('anthropic/error-mid-stream.sse') },
      { sse: readSseFixture('anthropic/max-tokens.sse') },
    ],
  });
  server = started;
  const roles = resolveRoles({
    flags: {
      provider: 'anthropic',
      record: file,
      generationModel: 'claude-haiku-4-5',
      escalationModel: 'claude-opus-4-5',
    },
    env: { ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: started.url },
  });
  return { results: await runSession(createRunBackend({ roles })), server: started };
}

describe('--record and --replay', () => {
  it('records every exchange as one JSON line, routed by role, without the key', async () => {
    const file = join(tmp.path, 'records', 'run.jsonl');
    const { results, server } = await record(file);
    expect(results.map((result) => result.error?.status ?? 'ok')).toEqual(['ok', 429, 529, 'ok']);
    // generation role → haiku; the retries → the escalation role's opus.
    expect(server.requests.map((request) => request.body.model)).toEqual([
      'claude-haiku-4-5',
      'claude-opus-4-5',
      'claude-opus-4-5',
      'claude-haiku-4-5',
    ]);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain(KEY);
    const lines = text.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    const exchanges = lines.map((line) => RecordedExchangeSchema.parse(JSON.parse(line)));
    expect(exchanges.map((exchange) => exchange.exchange)).toEqual([1, 2, 3, 4]);
    expect(exchanges[0]?.usage).toEqual({ input: 812, output: 23, cacheRead: 10496, cacheWrite: 0 });
    expect(exchanges[1]?.error).toMatchObject({ status: 429, type: 'rate_limit_error', retryAfterSeconds: 2 });
    expect(exchanges[2]?.events.length).toBeGreaterThan(0);
    expect(exchanges[3]?.purpose).toBe('repair');
    expect(exchanges[0]?.request).toEqual(JSON.parse(JSON.stringify(SESSION[0]?.request)));
  });

  it('replays the session offline with identical events and errors', async () => {
    const file = join(tmp.path, 'run.jsonl');
    const recorded = await record(file);
    await server?.close();
    server = undefined;
    const roles = resolveRoles({ flags: { replay: file }, env: {} });
    const backend = createRunBackend({ roles });
    const replayed = await runSession(backend);
    expect(replayed.map((result) => result.events)).toEqual(recorded.results.map((result) => result.events));
    expect(replayed.map(errorOf)).toEqual(recorded.results.map(errorOf));
    const extra = await collect(backend, SESSION[0]?.request as MessagesRequest);
    expect(extra.error?.message).toBe(`replay: request 5 has no recorded exchange (${file} holds 4)`);
  });

  it('fails a request that differs from the recording, naming the exchange and the first difference', async () => {
    const file = join(tmp.path, 'run.jsonl');
    await record(file);
    const backend = createReplayBackend({ file });
    expect((await collect(backend, SESSION[0]?.request as MessagesRequest)).error).toBeNull();
    const changed = { ...task('# Task: informed retry for generation 2'), model: 'claude-opus-4-5' };
    const { error, events } = await collect(backend, changed);
    expect(events).toEqual([]);
    expect(error?.status).toBe(400);
    expect(error?.message).toBe(
      `replay: request 2 differs from exchange 2 of ${file} at $.messages[0].content[1].text (character 38): ` +
        'recorded "etry for generation 1" vs actual "etry for generation 2"',
    );
    const other = createReplayBackend({ file });
    const wrongModel = await collect(other, { ...(SESSION[0]?.request as MessagesRequest), model: 'claude-opus-4-5' });
    expect(wrongModel.error?.message).toMatch(/request 1 differs from exchange 1 .* at \$\.model \(character 7\)/);
  });

  it('keeps a run killed mid-write loadable and names the line of a corrupt recording', async () => {
    const file = join(tmp.path, 'run.jsonl');
    await record(file);
    appendFileSync(file, '{"cambrian-record":1,"exchange":5,"at":"2026-');
    expect(loadRecording(file)).toHaveLength(4);
    const lines = readFileSync(file, 'utf8').split('\n');
    writeFileSync(file, [lines[0], '{"cambrian-record":1}', lines[1], ''].join('\n'));
    expect(() => loadRecording(file)).toThrow(UsageError);
    expect(() => loadRecording(file)).toThrow(new RegExp(`${file}:2: not a recorded exchange at exchange`));
    expect(() => createReplayBackend({ file: join(tmp.path, 'missing.jsonl') })).toThrow(/cannot read the recording/);
  });

  it('refuses to record over an existing recording', async () => {
    const file = join(tmp.path, 'run.jsonl');
    writeFileSync(file, '{"old":true}\n');
    const roles = resolveRoles({ flags: { record: file }, env: {} });
    const exemplar = { name: 'exemplar', stream: async function* () {} };
    expect(() => createRunBackend({ roles, exemplar })).toThrow(/already holds a recording/);
    expect(readFileSync(file, 'utf8')).toBe('{"old":true}\n');
  });

  it('does not record an exchange the Prime abandoned', async () => {
    const file = join(tmp.path, 'run.jsonl');
    const started = await startAnthropicServer({ replies: [{ sse: readSseFixture('anthropic/stream-basic.sse') }] });
    server = started;
    const roles = resolveRoles({
      flags: { provider: 'anthropic', record: file },
      env: { ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: started.url },
    });
    const backend = createRunBackend({ roles });
    for await (const event of backend.stream(primeRequest(), context())) {
      if (event.type === 'message_start') break;
    }
    expect(readFileSync(file, 'utf8')).toBe('');
  });
});
