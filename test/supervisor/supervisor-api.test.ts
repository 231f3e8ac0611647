import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { appendFile, mkdir, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GenerationRecord } from '../../src/artifact/generation-record-schema.js';
import { runRig } from '../../src/rig/run-rig.js';
import { detectSandbox } from '../../src/rig/sandbox/detect-sandbox.js';
import type { Spec } from '../../src/spec/parse-spec.js';
import { type Supervisor, startSupervisor } from '../../src/supervisor/create-supervisor.js';
import { openLineage } from '../../src/supervisor/open-lineage.js';
import type { SupervisorEvent } from '../../src/supervisor/supervisor-events.js';
import { callSupervisor, minimalSpec, tempDir, writeEchoArtifact } from './supervisor-helpers.js';

const FAILING_TEST = `import { expect, it } from 'vitest';\nit('fails on purpose', () => {\n  expect(1 + 1).toBe(3);\n});\n`;

let root: { dir: string; cleanup: () => Promise<void> };
let spec: Spec;
let supervisor: Supervisor;
let generationsDir: string;
let workspace: string;
const events: SupervisorEvent[] = [];

async function call(
  method: string,
  route: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const { status, body: reply } = await callSupervisor({ url: supervisor.url, method, route, body });
  return { status, body: reply };
}

async function waitForOutcome(generation: number, timeoutMs = 60_000): Promise<GenerationRecord> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { body } = await call('GET', '/versions');
    const record = (body.generations as GenerationRecord[]).find((r) => r.generation === generation);
    if (record !== undefined && record.outcome !== 'in_progress') return record;
    await sleep(200);
  }
  throw new Error(`generation ${generation} still in progress after ${timeoutMs} ms`);
}

function git(...args: string[]): string {
  return execFileSync('git', [`--git-dir=${path.join(generationsDir, '.cambrian', 'lineage.git')}`, ...args], {
    encoding: 'utf8',
  });
}

beforeAll(async () => {
  root = await tempDir('cambrian-sup-');
  generationsDir = path.join(root.dir, 'generations');
  workspace = path.join(root.dir, 'workspace');
  await mkdir(workspace);
  spec = await minimalSpec();
  const lineage = await openLineage({ generationsDir, run: 'run-test', recover: true });
  supervisor = await startSupervisor({
    lineage,
    spec,
    workspaceDir: workspace,
    run: 'run-test',
    primeGeneration: 0,
    sandbox: await detectSandbox('auto'),
    runRig,
    tokenUsage: (generation) => ({ input: generation * 10, output: 5, 'cache-read': 0, 'cache-write': 0 }),
    onEvent: (event) => events.push(event),
  });
});

afterAll(async () => {
  await supervisor?.close();
  await root?.cleanup();
});

describe('Supervisor API', () => {
  it('imports gen-0 as the root commit, tagged gen-0', () => {
    expect(existsSync(path.join(generationsDir, 'gen-0', 'manifest.json'))).toBe(true);
    expect(git('rev-list', '--count', 'gen-0').trim()).toBe('1');
    expect(git('tag', '--list').split('\n')).toContain('gen-0');
  });

  it('rejects a bad body, a path outside the workspace and a foreign spec hash with 400', async () => {
    expect((await call('POST', '/spawn', '{not json')).status).toBe(400);
    const bad = await call('POST', '/spawn', { generation: 'one' });
    expect(bad.status).toBe(400);
    expect(bad.body.ok).toBe(false);
    const outside = await call('POST', '/spawn', {
      generation: 1,
      'spec-hash': spec.hash,
      'artifact-path': '../generations/gen-0',
    });
    expect(outside.status).toBe(400);
    expect(String(outside.body.error)).toContain('outside the workspace');
    const absolute = await call('POST', '/spawn', { generation: 1, 'spec-hash': spec.hash, 'artifact-path': '/etc' });
    expect(absolute.status).toBe(400);
    const foreign = await call('POST', '/spawn', {
      generation: 1,
      'spec-hash': `sha256:${'0'.repeat(64)}`,
      'artifact-path': 'gen-1',
    });
    expect(foreign.status).toBe(400);
    expect(String(foreign.body.error)).toContain(spec.hash);
  });

  it('rejects an artifact whose files no longer match its manifest hash with 422, leaving nothing behind', async () => {
    const dir = path.join(workspace, 'gen-9');
    await writeEchoArtifact({ dir, generation: 9, spec });
    await appendFile(path.join(dir, 'src', 'server.ts'), '// edited after the manifest\n');
    const response = await call('POST', '/spawn', { generation: 9, 'spec-hash': spec.hash, 'artifact-path': 'gen-9' });
    expect(response.status).toBe(422);
    expect(String(response.body.error)).toMatch(/artifact hash does not verify/);
    expect(existsSync(path.join(generationsDir, 'gen-9'))).toBe(false);
    expect(await readdir(path.join(generationsDir, '.cambrian', 'records'))).toEqual([]);
  });

  it('seals a viable artifact, records it in_progress then tested, refuses its number again, promotes and tags it', async () => {
    const hash = await writeEchoArtifact({ dir: path.join(workspace, 'gen-1'), generation: 1, spec });
    const spawn = await call('POST', '/spawn', { generation: 1, 'spec-hash': spec.hash, 'artifact-path': 'gen-1' });
    expect(spawn).toEqual({ status: 202, body: { ok: true, generation: 1, outcome: 'in_progress' } });
    const onDisk = JSON.parse(
      await readFile(path.join(generationsDir, '.cambrian', 'records', 'gen-1.json'), 'utf8'),
    ) as GenerationRecord;
    expect(onDisk).toMatchObject({
      generation: 1,
      parent: 0,
      'spec-id': 'MINIMAL-SPEC-001',
      'artifact-hash': hash,
      'artifact-path': 'gen-1',
      run: 'run-test',
    });
    expect(['in_progress', 'tested']).toContain(onDisk.outcome);
    expect(git('rev-parse', 'refs/heads/gen-1^')).toBe(git('rev-parse', 'refs/heads/gen-0'));

    const duplicate = await call('POST', '/spawn', { generation: 1, 'spec-hash': spec.hash, 'artifact-path': 'gen-1' });
    expect(duplicate.status).toBe(409);
    // The rig takes seconds: right after /spawn the generation is in_progress, not promotable.
    const early = await call('POST', '/promote', { generation: 1 });
    expect(early.status).toBe(409);
    expect(String(early.body.error)).toContain('in_progress');

    const record = await waitForOutcome(1);
    expect(record.outcome).toBe('tested');
    expect(record['rig-result']).toBe('viable');
    expect(record.viability?.status).toBe('viable');
    expect(record['token-usage']).toEqual({ input: 10, output: 5, 'cache-read': 0, 'cache-write': 0 });
    expect(await call('POST', '/promote', { generation: 1 })).toEqual({
      status: 200,
      body: { ok: true, generation: 1, outcome: 'promoted' },
    });
    expect(git('tag', '--list').split('\n')).toContain('gen-1');
    expect(await call('POST', '/rollback', { generation: 1 })).toMatchObject({ status: 409 });
    expect(
      events.some((event) => event.type === 'verdict' && event.generation === 1 && event.rigResult === 'viable'),
    ).toBe(true);
  });

  it('refuses to promote a non-viable generation (409), rolls it back and tags gen-N-failed', async () => {
    await writeEchoArtifact({
      dir: path.join(workspace, 'gen-2'),
      generation: 2,
      spec,
      extra: { 'test/fails.test.ts': FAILING_TEST },
    });
    expect(
      (await call('POST', '/spawn', { generation: 2, 'spec-hash': spec.hash, 'artifact-path': 'gen-2' })).status,
    ).toBe(202);
    const record = await waitForOutcome(2);
    expect(record).toMatchObject({ outcome: 'tested', 'rig-result': 'non-viable' });
    expect(record.viability?.failure_stage).toBe('test');
    const promote = await call('POST', '/promote', { generation: 2 });
    expect(promote.status).toBe(409);
    expect(String(promote.body.error)).toContain('not viable');
    expect(await call('POST', '/rollback', { generation: 2 })).toEqual({
      status: 200,
      body: { ok: true, generation: 2, outcome: 'failed' },
    });
    expect(git('tag', '--list').split('\n')).toContain('gen-2-failed');
    expect((await call('POST', '/promote', { generation: 404 })).status).toBe(404);
  });

  it('serves /versions sorted and /stats counts', async () => {
    const versions = await call('GET', '/versions');
    expect((versions.body.generations as GenerationRecord[]).map((r) => [r.generation, r.outcome])).toEqual([
      [1, 'promoted'],
      [2, 'failed'],
    ]);
    const stats = await call('GET', '/stats');
    expect(stats.body).toMatchObject({ ok: true, generations: 2, promoted: 1, failed: 1, in_progress: 0 });
    expect((await call('GET', '/nope')).status).toBe(404);
  });

  it('keeps the sealed artifact when the Prime changes its workspace afterwards', async () => {
    await appendFile(path.join(workspace, 'gen-1', 'src', 'server.ts'), '// later edit\n');
    const sealed = await readFile(path.join(generationsDir, 'gen-1', 'src', 'server.ts'), 'utf8');
    expect(sealed).not.toContain('later edit');
  });
});
