import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { generationRecordSchema } from '../../../src/artifact/generation-record-schema.js';
import { ProbeSpecError, readProbeSpec } from './read-probe-spec.js';
import { type ReproduceProbe, startReproduceProbe } from './start-reproduce-probe.js';

const SPEC = [
  '---',
  'id: HOSTILE-SPEC',
  'version: 0.1.0',
  '---',
  '# Hostile',
  '',
  '```entry',
  '{"build":"true"}',
  '```',
  '',
];

let dir: string;
let specPath: string;
let probe: ReproduceProbe | null;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'probe-hostile-'));
  specPath = path.join(dir, 'HOSTILE-SPEC.md');
  await writeFile(specPath, SPEC.join('\n'));
  probe = null;
});

afterEach(async () => {
  await probe?.close();
  await rm(dir, { recursive: true, force: true });
});

async function start(options: { timeoutMs?: number; stepTimeoutMs?: number } = {}): Promise<ReproduceProbe> {
  probe = await startReproduceProbe({
    specPath,
    workspaceDir: path.join(dir, 'workspace'),
    primeGeneration: 0,
    timeoutMs: options.timeoutMs ?? 20_000,
    stepTimeoutMs: options.stepTimeoutMs ?? 3000,
  });
  return probe;
}

describe('the probe against a hostile Prime', () => {
  test('a body that is not JSON is answered 400 and fails the step that was waiting, naming it', async () => {
    const { env, result } = await start();
    expect((await fetch(`${env.CAMBRIAN_SUPERVISOR_URL}/versions`)).status).toBe(200);
    const response = await fetch(`${env.CAMBRIAN_SUPERVISOR_URL}/spawn`, { method: 'POST', body: 'not json{' });
    expect(response.status).toBe(400);
    const outcome = await result;
    expect(outcome.steps[0]).toMatchObject({ name: 'history', passed: true });
    expect(outcome.steps[1]).toEqual({
      name: 'fresh-request',
      passed: false,
      detail:
        'expected a fresh LLM request for generation 3, but the Prime sent POST /spawn whose body is not JSON: "not json{"',
    });
  });

  test('a body over 20 MB is refused with 413 without reading it', async () => {
    const { env, result } = await start();
    const huge = Buffer.alloc(21 * 1024 * 1024, 0x61);
    const response = await fetch(`${env.ANTHROPIC_BASE_URL}/v1/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${env.ANTHROPIC_API_KEY}` },
      body: huge,
    }).catch(() => null);
    if (response !== null) expect(response.status).toBe(413);
    const outcome = await result;
    expect(outcome.failures[0]?.error).toContain('over the 20971520-byte limit');
  });

  test('a body that never finishes does not hold the probe past its step timeout', async () => {
    const { env, result } = await start({ stepTimeoutMs: 600 });
    const url = new URL(`${env.CAMBRIAN_SUPERVISOR_URL}/spawn`);
    const slow = request({ host: url.hostname, port: url.port, path: '/spawn', method: 'POST' });
    slow.on('error', () => {});
    slow.write('{"generation":');
    const started = Date.now();
    const outcome = await result;
    expect(Date.now() - started).toBeLessThan(3000);
    expect(outcome.passed).toBe(false);
    expect(outcome.steps[0]?.detail).toMatch(/GET \/versions|request body not complete within 600 ms/);
    slow.destroy();
  });

  test('an LLM request with a wrong token is refused with 401 and fails the step', async () => {
    const { env, result } = await start();
    await fetch(`${env.CAMBRIAN_SUPERVISOR_URL}/versions`);
    const response = await fetch(`${env.ANTHROPIC_BASE_URL}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': 'sk-ant-not-the-token', 'content-type': 'application/json' },
      body: '{}',
    });
    expect(response.status).toBe(401);
    expect((await result).steps[1]?.detail).toContain('without the ANTHROPIC_API_KEY token');
  });

  test('an unknown route is answered 404 and counts as an unexpected request', async () => {
    const { env, result } = await start();
    const response = await fetch(`${env.CAMBRIAN_SUPERVISOR_URL}/admin/delete-everything`, { method: 'DELETE' });
    expect(response.status).toBe(404);
    expect((await result).steps[0]?.detail).toBe(
      'expected GET /versions, but the Prime sent unexpected request DELETE /admin/delete-everything to the Supervisor',
    );
  });

  test('close(reason) fails the waiting step with that reason', async () => {
    const { env, result, close } = await start();
    await fetch(`${env.CAMBRIAN_SUPERVISOR_URL}/versions`);
    await close('the Prime exited with code 1');
    expect((await result).steps[1]).toEqual({
      name: 'fresh-request',
      passed: false,
      detail: 'the Prime exited with code 1 while waiting for a fresh LLM request for generation 3',
    });
  });

  test('the history it serves is valid generation records', async () => {
    const { env } = await start();
    const body = (await (await fetch(`${env.CAMBRIAN_SUPERVISOR_URL}/versions`)).json()) as { generations: unknown[] };
    const records = body.generations.map((record) => generationRecordSchema.parse(record));
    expect(records.map((record) => [record.generation, record.outcome])).toEqual([
      [1, 'failed'],
      [2, 'promoted'],
    ]);
    expect(records[0]?.viability?.diagnostics?.stage).toBe('test');
  });

  test('the whole probe stops at its time limit', async () => {
    const { result } = await start({ timeoutMs: 300, stepTimeoutMs: 5000 });
    const outcome = await result;
    expect(outcome.steps[0]?.detail).toBe("the probe's time limit of 300 ms ran out while waiting for GET /versions");
    expect(outcome.duration_ms).toBeLessThan(2000);
  });

  test('requests after the script ended are refused, not left hanging', async () => {
    const { env, result } = await start({ timeoutMs: 100 });
    await result;
    const response = await fetch(`${env.CAMBRIAN_SUPERVISOR_URL}/promote`, {
      method: 'POST',
      body: JSON.stringify({ generation: 3 }),
    });
    expect(response.status).toBe(409);
    expect(await response.json()).toEqual({ ok: false, error: 'reproduce probe: the probe script has ended' });
  });
});

describe('readProbeSpec', () => {
  test('refuses a spec without an entry block, naming the file', async () => {
    const bad = path.join(dir, 'NO-ENTRY.md');
    await writeFile(bad, '---\nid: NO-ENTRY\nversion: 1.0.0\n---\n# x\n');
    await expect(readProbeSpec(bad)).rejects.toThrow(ProbeSpecError);
    await expect(readProbeSpec(bad)).rejects.toThrow(`${bad}: no fenced \`\`\`entry block`);
  });

  test('reads only top-level blocks and defaults contracts to []', async () => {
    const spec = await readProbeSpec(specPath);
    expect(spec).toMatchObject({ id: 'HOSTILE-SPEC', version: '0.1.0', entry: { build: 'true' }, contracts: [] });
    expect(spec.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});
