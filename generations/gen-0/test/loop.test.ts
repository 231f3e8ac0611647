import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { type Prime, startPrime } from '../src/prime.js';
import { hashBytes } from '../src/spec.js';
import { blocks, END, type LlmAnswer, type LlmRequest, makeTempDir, recomputeArtifactHash, specText } from './helpers.js';
import { startFakeLlm, startFakeSupervisor, taskOf, type Verdict } from './helpers.js';

const FAILING_TEST = "import { expect, test } from 'vitest';\ntest('adds', () => expect(1 + 1).toBe(3));\n";
const REPLY = blocks({ 'package.json': '{"type":"module"}\n', 'test/a.test.ts': FAILING_TEST });
const DIAGNOSTICS = {
  stage: 'test',
  summary: '1 of 1 tests failed',
  exit_code: 1,
  failures: [{ test: 'adds', error: 'expected 2 to be 3', file: '/tmp/rig/artifact/test/a.test.ts', line: 2 }],
  stdout_tail: 'FAIL test/a.test.ts',
  stderr_tail: '',
};
const NON_VIABLE: Verdict = { status: 'non-viable', diagnostics: DIAGNOSTICS };
const VIABLE: Verdict = { status: 'viable' };
/** A spec whose retries edit the failed source; specText() has no retry line, so its retries are full. */
const EDIT_SPEC = specText().replace('kind: prime\n', 'kind: prime\nretry: edit\n');

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

/** Both fakes and a Prime pointed at them, with millisecond waits. */
async function setup(options: {
  answer?: (request: LlmRequest, index: number) => LlmAnswer | Promise<LlmAnswer>;
  supervisor?: Partial<Parameters<typeof startFakeSupervisor>[0]>;
  env?: Record<string, string>;
  spec?: string;
}) {
  const workspace = path.join(temp.dir, 'workspace');
  const spec = options.spec ?? specText();
  await writeFile(path.join(temp.dir, 'spec.md'), spec);
  const llm = await startFakeLlm(options.answer ?? (() => ({ type: 'reply', text: REPLY })));
  const specHash = hashBytes(Buffer.from(spec));
  const supervisor = await startFakeSupervisor({ workspace, specHash, verdicts: [], ...options.supervisor });
  const events: string[] = [];
  const prime: Prime = await startPrime({
    env: {
      CAMBRIAN_PORT: '0',
      CAMBRIAN_SUPERVISOR_URL: supervisor.url,
      ANTHROPIC_BASE_URL: llm.url,
      ANTHROPIC_API_KEY: 'gateway-token',
      CAMBRIAN_SPEC_PATH: path.join(temp.dir, 'spec.md'),
      CAMBRIAN_WORKSPACE: workspace,
      CAMBRIAN_MODEL: 'fresh-model',
      CAMBRIAN_ESCALATION_MODEL: 'escalation-model',
      CAMBRIAN_POLL_INTERVAL_MS: '5',
      ...options.env,
    },
    log: (event) => events.push(event),
    overrides: { backoffBaseMs: 1, backoffCapMs: 5, supervisorGiveUpMs: 300 },
  });
  cleanups.push(llm.close, supervisor.close, prime.close);
  const calls = () => supervisor.calls.map((call) => `${call.method} ${call.path}`);
  const purposes = () => llm.requests.map((request) => request.headers['x-cambrian-purpose']);
  return { workspace, llm, supervisor, prime, events, calls, purposes, specHash };
}

test('a viable offspring: number and history in the prompt, artifact on disk, spawn, poll, promote', async () => {
  const records = [
    { generation: 1, outcome: 'promoted', viability: { status: 'viable', failure_stage: null } },
    { generation: 2, outcome: 'failed', viability: { status: 'non-viable', failure_stage: 'test', diagnostics: { summary: '2 of 9 tests failed' } } },
  ];
  const { workspace, llm, supervisor, prime, calls, specHash } = await setup({ supervisor: { records }, env: { CAMBRIAN_GENERATION: '1' } });
  expect(await prime.done).toBe(0);

  expect(llm.requests).toHaveLength(1);
  const request = llm.requests[0] as LlmRequest;
  expect(request.body.model).toBe('fresh-model');
  expect(request.headers['x-cambrian-purpose']).toBe('fresh');
  expect(request.headers['x-cambrian-generation']).toBe('3');
  expect((request.body.messages[0]?.content as unknown[] | undefined)?.[0]).toEqual({
    type: 'text',
    text: `<spec path="spec/TEST-SPEC-001.md">\n${specText()}\n</spec>`,
    cache_control: { type: 'ephemeral' },
  });
  const task = taskOf(request);
  expect(task.split('\n')[0]).toBe('# Task: generate generation 3');
  expect(task).toContain('- generation 1: promoted\n- generation 2: failed, failed at test: 2 of 9 tests failed');

  expect(calls()).toEqual(['GET /versions', 'POST /spawn', 'GET /versions', 'POST /promote']);
  expect(supervisor.calls[1]?.body).toEqual({ generation: 3, 'spec-hash': specHash, 'artifact-path': 'gen-3' });
  expect(supervisor.calls[3]?.body).toEqual({ generation: 3 });

  const dir = path.join(workspace, 'gen-3');
  expect(await readFile(path.join(dir, 'spec/TEST-SPEC-001.md'))).toEqual(Buffer.from(specText()));
  expect(await readFile(path.join(dir, 'test/a.test.ts'), 'utf8')).toBe(FAILING_TEST);
  const manifest = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8'));
  expect(manifest).toMatchObject({ generation: 3, 'parent-generation': 1, 'producer-model': 'fresh-model', 'spec-hash': specHash });
  expect(manifest['token-usage']).toEqual({ input: 100, output: 50, 'cache-read': 3, 'cache-write': 2 });
  expect(manifest['artifact-hash']).toBe(await recomputeArtifactHash(dir, manifest.files));
  expect(prime.state.status).toBe('idle');
});

test('non-viable: rollback, an informed retry that edits the failed source (named file shown, others listed); a promotion resets the count', async () => {
  const FIXED = FAILING_TEST.replace('toBe(3)', 'toBe(2)');
  const files = { 'package.json': '{"type":"module"}\n', 'src/old.ts': 'old\n', 'test/a.test.ts': FAILING_TEST };
  const edit = `<delete path="src/old.ts"/>\n${blocks({ 'test/a.test.ts': FIXED })}`;
  const replies = [blocks(files), '<delete path="src/gone.ts"/>\n', edit, blocks(files), edit];
  const supervisor = { verdicts: [NON_VIABLE, VIABLE, NON_VIABLE, VIABLE] };
  const answer = (_: LlmRequest, index: number): LlmAnswer => ({ type: 'reply', text: replies[index] ?? '' });
  const run = await setup({ answer, supervisor, spec: EDIT_SPEC, env: { CAMBRIAN_MAX_GENS: '2', CAMBRIAN_MAX_RETRIES: '1' } });
  expect(await run.prime.done).toBe(0);

  const posts = run.supervisor.calls.filter((call) => call.method === 'POST');
  expect(posts.map((call) => `${call.path} ${(call.body as { generation: number }).generation}`)).toEqual([
    '/spawn 1', '/rollback 1', '/spawn 2', '/promote 2', '/spawn 3', '/rollback 3', '/spawn 4', '/promote 4',
  ]);
  expect(run.purposes()).toEqual(['fresh', 'retry', 'repair', 'fresh', 'retry']);
  expect(run.llm.requests.map((request) => request.body.model)).toEqual(['fresh-model', 'escalation-model', 'escalation-model', 'fresh-model', 'escalation-model']);
  const retry = run.llm.requests[1] as LlmRequest;
  expect(retry.headers['x-cambrian-generation']).toBe('2');
  const task = taskOf(retry);
  expect(task.split('\n')[0]).toBe('# Task: informed retry for generation 2');
  expect(task).toContain('Generation 1 failed at stage test: 1 of 1 tests failed');
  expect(task).toContain(`\`\`\`json\n${JSON.stringify(DIAGNOSTICS, null, 2)}\n\`\`\``);
  expect(task).toContain('The diagnostics name test/a.test.ts.');
  const listed = '<listed path="package.json" bytes="18"/>\n<listed path="src/old.ts" bytes="4"/>\n';
  expect((retry.body.messages[0]?.content as unknown[])[1]).toEqual({
    type: 'text',
    text: `<failed-source generation="1">\n<file path="test/a.test.ts">\n${FAILING_TEST}${END}\n${listed}</failed-source>`,
  });
  expect(run.llm.requests[2]?.body.messages[2]?.content).toContain('Rule: delete-unknown');
  const dir = path.join(run.workspace, 'gen-2');
  expect(await readFile(path.join(dir, 'test/a.test.ts'), 'utf8')).toBe(FIXED);
  const manifest = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8'));
  expect(manifest).toMatchObject({ files: ['package.json', 'spec/TEST-SPEC-001.md', 'test/a.test.ts'], 'edited-from': 1, 'kept-files': ['package.json'] });
  expect(manifest['artifact-hash']).toBe(await recomputeArtifactHash(dir, manifest.files));
  expect(taskOf(run.llm.requests[3] as LlmRequest).split('\n')[0]).toBe('# Task: generate generation 3');
});

test('inherited files: named as existing in both tasks, written by the Prime, left out of the failed source', async () => {
  const spec = `${EDIT_SPEC}\n\`\`\`ts\n// file: src/given.ts (inherited)\nexport const given = 1;\n\`\`\`\n`;
  const files = { 'src/given.ts': 'the model rewrote it\n', 'test/a.test.ts': FAILING_TEST };
  const replies = [blocks(files), blocks({ 'test/a.test.ts': FAILING_TEST.replace('toBe(3)', 'toBe(2)') })];
  const answer = (_: LlmRequest, index: number): LlmAnswer => ({ type: 'reply', text: replies[index] ?? '' });
  const run = await setup({ answer, spec, supervisor: { verdicts: [NON_VIABLE, VIABLE] } });
  expect(await run.prime.done).toBe(0);
  const named = 'do not write them: src/given.ts.';
  expect(run.llm.requests.map((request) => taskOf(request).includes(named))).toEqual([true, true]);
  const failed = (run.llm.requests[1]?.body.messages[0]?.content as { text: string }[])[1]?.text;
  expect(failed).toBe(`<failed-source generation="1">\n<file path="test/a.test.ts">\n${FAILING_TEST}${END}\n</failed-source>`);
  for (const gen of ['gen-1', 'gen-2']) {
    expect(await readFile(path.join(run.workspace, gen, 'src/given.ts'), 'utf8')).toBe('export const given = 1;\n');
  }
  const manifest = JSON.parse(await readFile(path.join(run.workspace, 'gen-2', 'manifest.json'), 'utf8'));
  expect(manifest).toMatchObject({ files: ['spec/TEST-SPEC-001.md', 'src/given.ts', 'test/a.test.ts'], 'kept-files': [] });
});

test('retries stop after CAMBRIAN_MAX_RETRIES failed retries with exit code 1; without retry: edit they are full', async () => {
  const run = await setup({ supervisor: { verdicts: [NON_VIABLE, NON_VIABLE, NON_VIABLE, NON_VIABLE] }, env: { CAMBRIAN_MAX_RETRIES: '2' } });
  expect(await run.prime.done).toBe(1);
  expect(run.purposes()).toEqual(['fresh', 'retry', 'retry']);
  const retry = run.llm.requests[1] as LlmRequest;
  expect(retry.body.messages[0]?.content).toHaveLength(2);
  expect(taskOf(retry)).toContain(`## Failed source\n\n<file path="test/a.test.ts">\n${FAILING_TEST}${END}\n\nReply with file blocks only: every file of the codebase, each one complete, not just the ones you changed.`);
  expect(JSON.parse(await readFile(path.join(run.workspace, 'gen-2', 'manifest.json'), 'utf8'))).not.toHaveProperty('edited-from');
  expect(run.calls().filter((call) => call === 'POST /rollback')).toHaveLength(3);
  expect(run.calls()).not.toContain('POST /promote');
});

test('a taken generation number: re-read the history, renumber the artifact, spawn again', async () => {
  const { workspace, supervisor, prime, calls } = await setup({ supervisor: { taken: [1] } });
  expect(await prime.done).toBe(0);
  expect(calls()).toEqual(['GET /versions', 'POST /spawn', 'GET /versions', 'POST /spawn', 'GET /versions', 'POST /promote']);
  expect(supervisor.calls[3]?.body).toMatchObject({ generation: 2, 'artifact-path': 'gen-2' });
  expect(existsSync(path.join(workspace, 'gen-1'))).toBe(false);
  expect(JSON.parse(await readFile(path.join(workspace, 'gen-2', 'manifest.json'), 'utf8')).generation).toBe(2);
});

test('parse repairs exhausted: a failed attempt without spawning, then an informed retry', async () => {
  const run = await setup({
    answer: (request) => ({ type: 'reply', text: request.body.model === 'fresh-model' ? '<file path="a.txt">\nnever closed\n' : REPLY }),
    env: { CAMBRIAN_MAX_PARSE_REPAIRS: '1' },
  });
  expect(await run.prime.done).toBe(0);
  expect(run.purposes()).toEqual(['fresh', 'repair', 'retry']);
  expect(run.calls()).toEqual(['GET /versions', 'GET /versions', 'POST /spawn', 'GET /versions', 'POST /promote']);
  const task = taskOf(run.llm.requests[2] as LlmRequest);
  expect(task.split('\n')[0]).toBe('# Task: informed retry for generation 1');
  expect(task).toContain('failed at stage parse');
  expect(task).toContain('unclosed-block');
});

test('budget exhausted (402): stops cleanly with exit code 3, no further request', async () => {
  const body = { type: 'error', error: { type: 'budget_exceeded', message: 'spent' } };
  const run = await setup({ answer: () => ({ type: 'status', status: 402, body }) });
  expect(await run.prime.done).toBe(3);
  expect(run.calls()).toEqual(['GET /versions']);
  expect(run.llm.requests).toHaveLength(1);
});

test('Supervisor unreachable: backs off, never self-promotes, gives up with exit code 4', async () => {
  const run = await setup({ env: { CAMBRIAN_SUPERVISOR_URL: 'http://127.0.0.1:1' } });
  expect(await run.prime.done).toBe(4);
  expect(run.llm.requests).toHaveLength(0);
  expect(run.events.filter((event) => event === 'supervisor.unreachable').length).toBeGreaterThan(1);
});

test('/health and /stats answer from start-up on and /stats follows the loop', async () => {
  let release = (): void => {};
  const gate = new Promise<void>((resolve) => (release = resolve));
  const answer = async (): Promise<LlmAnswer> => gate.then(() => ({ type: 'reply', text: REPLY }));
  const { prime, supervisor } = await setup({ answer, supervisor: { holdVerdicts: true }, env: { CAMBRIAN_GENERATION: '4' } });
  const get = async (route: string, method = 'GET') => {
    const response = await fetch(`http://127.0.0.1:${prime.port}${route}`, { method });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const waitFor = async (status: string) => {
    for (let i = 0; i < 400 && (await get('/stats')).body.status !== status; i += 1) await new Promise((resolve) => setTimeout(resolve, 5));
    return (await get('/stats')).body;
  };
  expect(await get('/health')).toEqual({ status: 200, body: { ok: true } });
  const generating = await waitFor('generating');
  expect(generating).toEqual({ generation: 4, status: 'generating', uptime: expect.any(Number) });
  expect(Number.isInteger(generating.uptime)).toBe(true);
  expect((await get('/health')).status).toBe(200);
  release();
  expect((await waitFor('verifying')).status).toBe('verifying');
  supervisor.releaseVerdicts();
  expect(await prime.done).toBe(0);
  expect((await get('/stats')).body.status).toBe('idle');
  expect(await get('/nope')).toEqual({ status: 404, body: { ok: false, error: 'not found' } });
  expect((await get('/health', 'POST')).status).toBe(404);
});
