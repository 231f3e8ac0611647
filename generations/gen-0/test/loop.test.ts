import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { type Prime, startPrime } from '../src/prime.js';
import { hashBytes } from '../src/spec.js';
import {
  END,
  blocks,
  type LlmAnswer,
  type LlmRequest,
  makeTempDir,
  recomputeArtifactHash,
  specText,
  startFakeLlm,
  startFakeSupervisor,
  taskOf,
  type Verdict,
} from './helpers.js';

const FAILING_TEST = "import { expect, test } from 'vitest';\ntest('adds', () => expect(1 + 1).toBe(3));\n";
const REPLY = blocks({ 'package.json': '{"type":"module"}\n', 'test/a.test.ts': FAILING_TEST });
const DIAGNOSTICS = {
  stage: 'test',
  summary: '1 of 1 tests failed',
  exit_code: 1,
  failures: [{ test: 'adds', error: 'expected 2 to be 3', file: 'test/a.test.ts', line: 2 }],
  stdout_tail: 'FAIL test/a.test.ts',
  stderr_tail: '',
};
const NON_VIABLE: Verdict = { status: 'non-viable', diagnostics: DIAGNOSTICS };

let temp: Awaited<ReturnType<typeof makeTempDir>>;
let cleanups: (() => Promise<void>)[] = [];
beforeEach(async () => {
  temp = await makeTempDir();
  await writeFile(path.join(temp.dir, 'spec.md'), specText());
});
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
  await temp.remove();
});

async function setup(options: {
  answer?: (request: LlmRequest, index: number) => LlmAnswer | Promise<LlmAnswer>;
  verdicts?: Verdict[];
  records?: Record<string, unknown>[];
  taken?: number[];
  holdVerdicts?: boolean;
  env?: Record<string, string>;
  supervisorUrl?: string;
}) {
  const workspace = path.join(temp.dir, 'workspace');
  const llm = await startFakeLlm(options.answer ?? (() => ({ type: 'reply', text: REPLY })));
  const supervisor = await startFakeSupervisor({
    workspace,
    specHash: hashBytes(Buffer.from(specText())),
    verdicts: options.verdicts ?? [],
    ...(options.records ? { records: options.records } : {}),
    ...(options.taken ? { taken: options.taken } : {}),
    ...(options.holdVerdicts ? { holdVerdicts: true } : {}),
  });
  const events: { event: string; data: Record<string, unknown> | undefined }[] = [];
  const prime: Prime = await startPrime({
    env: {
      CAMBRIAN_PORT: '0',
      CAMBRIAN_GENERATION: '0',
      CAMBRIAN_SUPERVISOR_URL: options.supervisorUrl ?? supervisor.url,
      ANTHROPIC_BASE_URL: llm.url,
      ANTHROPIC_API_KEY: 'gateway-token',
      CAMBRIAN_SPEC_PATH: path.join(temp.dir, 'spec.md'),
      CAMBRIAN_WORKSPACE: workspace,
      CAMBRIAN_MODEL: 'fresh-model',
      CAMBRIAN_ESCALATION_MODEL: 'escalation-model',
      CAMBRIAN_POLL_INTERVAL_MS: '5',
      ...options.env,
    },
    log: (event, data) => events.push({ event, data }),
    overrides: { backoffBaseMs: 1, backoffCapMs: 5, supervisorGiveUpMs: 300 },
  });
  cleanups.push(llm.close, supervisor.close, prime.close);
  const calls = () => supervisor.calls.map((call) => `${call.method} ${call.path}`);
  return { workspace, llm, supervisor, prime, events, calls };
}

test('a viable offspring: history in the prompt, artifact on disk, spawn, poll, promote', async () => {
  const records = [
    { generation: 1, outcome: 'promoted', viability: { status: 'viable', failure_stage: null } },
    { generation: 2, outcome: 'failed', viability: { status: 'non-viable', failure_stage: 'test', diagnostics: { summary: '2 of 9 tests failed' } } },
  ];
  const { workspace, llm, supervisor, prime, calls } = await setup({ records, env: { CAMBRIAN_GENERATION: '1' } });
  expect(await prime.done).toBe(0);

  expect(llm.requests).toHaveLength(1);
  const request = llm.requests[0] as LlmRequest;
  expect(request.body.model).toBe('fresh-model');
  expect(request.headers['x-cambrian-purpose']).toBe('fresh');
  expect(request.headers['x-cambrian-generation']).toBe('3');
  const first = request.body.messages[0]?.content;
  expect(Array.isArray(first) && first[0]).toEqual({
    type: 'text',
    text: `<spec path="spec/TEST-SPEC-001.md">\n${specText()}\n</spec>`,
    cache_control: { type: 'ephemeral' },
  });
  const task = taskOf(request);
  expect(task.split('\n')[0]).toBe('# Task: generate generation 3');
  expect(task).toContain('- generation 1: promoted');
  expect(task).toContain('- generation 2: failed, failed at test: 2 of 9 tests failed');

  expect(calls()).toEqual(['GET /versions', 'POST /spawn', 'GET /versions', 'POST /promote']);
  expect(supervisor.calls[1]?.body).toEqual({ generation: 3, 'spec-hash': hashBytes(Buffer.from(specText())), 'artifact-path': 'gen-3' });
  expect(supervisor.calls[3]?.body).toEqual({ generation: 3 });

  const dir = path.join(workspace, 'gen-3');
  expect(await readFile(path.join(dir, 'spec/TEST-SPEC-001.md'))).toEqual(Buffer.from(specText()));
  expect(await readFile(path.join(dir, 'test/a.test.ts'), 'utf8')).toBe(FAILING_TEST);
  const manifest = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8'));
  expect(manifest).toMatchObject({ generation: 3, 'parent-generation': 1, 'producer-model': 'fresh-model' });
  expect(manifest['token-usage']).toEqual({ input: 100, output: 50, 'cache-read': 3, 'cache-write': 2 });
  expect(manifest['artifact-hash']).toBe(await recomputeArtifactHash(dir, manifest.files));
  expect(prime.state.status).toBe('idle');
});

test('a non-viable verdict: rollback, then an informed retry on the escalation model carrying the diagnostics', async () => {
  const { llm, supervisor, prime, calls } = await setup({ verdicts: [NON_VIABLE, { status: 'viable' }, { status: 'viable' }], env: { CAMBRIAN_MAX_GENS: '2' } });
  expect(await prime.done).toBe(0);

  expect(calls()).toEqual([
    'GET /versions', 'POST /spawn', 'GET /versions', 'POST /rollback',
    'GET /versions', 'POST /spawn', 'GET /versions', 'POST /promote',
    'GET /versions', 'POST /spawn', 'GET /versions', 'POST /promote',
  ]);
  expect(supervisor.calls.filter((call) => call.method === 'POST').map((call) => call.body)).toEqual([
    expect.objectContaining({ generation: 1 }), { generation: 1 },
    expect.objectContaining({ generation: 2 }), { generation: 2 },
    expect.objectContaining({ generation: 3 }), { generation: 3 },
  ]);
  expect(llm.requests.map((request) => request.body.model)).toEqual(['fresh-model', 'escalation-model', 'fresh-model']);
  const retry = llm.requests[1] as LlmRequest;
  expect(retry.headers['x-cambrian-purpose']).toBe('retry');
  expect(retry.headers['x-cambrian-generation']).toBe('2');
  const task = taskOf(retry);
  expect(task.split('\n')[0]).toBe('# Task: informed retry for generation 2');
  expect(task).toContain('Generation 1 failed at stage test: 1 of 1 tests failed');
  expect(task).toContain(`\`\`\`json\n${JSON.stringify(DIAGNOSTICS, null, 2)}\n\`\`\``);
  expect(task).toContain(`<file path="test/a.test.ts">\n${FAILING_TEST}${END}`);
  expect(taskOf(llm.requests[2] as LlmRequest).split('\n')[0]).toBe('# Task: generate generation 3');
});

test('retries stop after CAMBRIAN_MAX_RETRIES failed retries with exit code 1', async () => {
  const { llm, calls, prime } = await setup({ verdicts: [NON_VIABLE, NON_VIABLE, NON_VIABLE, NON_VIABLE], env: { CAMBRIAN_MAX_RETRIES: '2' } });
  expect(await prime.done).toBe(1);
  expect(llm.requests.map((request) => request.headers['x-cambrian-purpose'])).toEqual(['fresh', 'retry', 'retry']);
  expect(calls().filter((call) => call === 'POST /rollback')).toHaveLength(3);
  expect(calls()).not.toContain('POST /promote');
});

test('a taken generation number: re-read the history, renumber the artifact, spawn again', async () => {
  const { workspace, supervisor, prime, calls } = await setup({ taken: [1] });
  expect(await prime.done).toBe(0);
  expect(calls()).toEqual(['GET /versions', 'POST /spawn', 'GET /versions', 'POST /spawn', 'GET /versions', 'POST /promote']);
  expect(supervisor.calls[3]?.body).toMatchObject({ generation: 2, 'artifact-path': 'gen-2' });
  expect(existsSync(path.join(workspace, 'gen-1'))).toBe(false);
  const manifest = JSON.parse(await readFile(path.join(workspace, 'gen-2', 'manifest.json'), 'utf8'));
  expect(manifest.generation).toBe(2);
});

test('parse repairs exhausted: a failed attempt without spawning, then an informed retry', async () => {
  const { llm, calls, prime } = await setup({
    answer: (request) =>
      request.body.model === 'fresh-model' ? { type: 'reply', text: '<file path="a.txt">\nnever closed\n' } : { type: 'reply', text: REPLY },
    env: { CAMBRIAN_MAX_PARSE_REPAIRS: '1' },
  });
  expect(await prime.done).toBe(0);
  expect(llm.requests.map((request) => request.headers['x-cambrian-purpose'])).toEqual(['fresh', 'repair', 'retry']);
  expect(calls()).toEqual(['GET /versions', 'GET /versions', 'POST /spawn', 'GET /versions', 'POST /promote']);
  const task = taskOf(llm.requests[2] as LlmRequest);
  expect(task.split('\n')[0]).toBe('# Task: informed retry for generation 1');
  expect(task).toContain('failed at stage parse');
  expect(task).toContain('unclosed-block');
});

test('budget exhausted (402): stops cleanly with exit code 3 and spawns nothing', async () => {
  const { calls, prime } = await setup({
    answer: () => ({ type: 'status', status: 402, body: { type: 'error', error: { type: 'budget_exceeded', message: 'spent' } } }),
  });
  expect(await prime.done).toBe(3);
  expect(calls()).toEqual(['GET /versions']);
});

test('Supervisor unreachable: backs off, never self-promotes, gives up with exit code 4', async () => {
  const { llm, prime, events } = await setup({ supervisorUrl: 'http://127.0.0.1:1' });
  expect(await prime.done).toBe(4);
  expect(llm.requests).toHaveLength(0);
  expect(events.filter((entry) => entry.event === 'supervisor.unreachable').length).toBeGreaterThan(1);
});

test('/health and /stats answer from start-up on and /stats follows the loop', async () => {
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const { prime, supervisor } = await setup({
    answer: async () => {
      await gate;
      return { type: 'reply', text: REPLY };
    },
    holdVerdicts: true,
    env: { CAMBRIAN_GENERATION: '4' },
  });
  const base = `http://127.0.0.1:${prime.port}`;
  const health = await fetch(`${base}/health`);
  expect(health.status).toBe(200);
  expect(await health.json()).toEqual({ ok: true });

  const stats = async () => (await fetch(`${base}/stats`)).json() as Promise<{ generation: number; status: string; uptime: number }>;
  const waitFor = async (status: string) => {
    for (let i = 0; i < 400 && (await stats()).status !== status; i += 1) await new Promise((resolve) => setTimeout(resolve, 5));
    return stats();
  };
  const generating = await waitFor('generating');
  expect(generating).toEqual({ generation: 4, status: 'generating', uptime: expect.any(Number) });
  expect(Number.isInteger(generating.uptime)).toBe(true);
  release();
  expect((await waitFor('verifying')).status).toBe('verifying');
  supervisor.releaseVerdicts();
  expect(await prime.done).toBe(0);
  expect((await stats()).status).toBe('idle');

  const missing = await fetch(`${base}/nope`);
  expect(missing.status).toBe(404);
  expect(await missing.json()).toEqual({ ok: false, error: 'not found' });
  expect((await fetch(`${base}/health`, { method: 'POST' })).status).toBe(404);
});
