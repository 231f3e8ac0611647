import { execFileSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRig } from '../../src/rig/run-rig.js';
import { detectSandbox } from '../../src/rig/sandbox/detect-sandbox.js';
import type { Sandbox } from '../../src/rig/sandbox/sandbox-types.js';
import type { Spec } from '../../src/spec/parse-spec.js';
import { startSupervisor } from '../../src/supervisor/create-supervisor.js';
import { diffGenerations } from '../../src/supervisor/diff-generations.js';
import { openLineage } from '../../src/supervisor/open-lineage.js';
import { runGenerationRig } from '../../src/supervisor/run-generation-rig.js';
import { minimalSpec, tempDir, writeEchoArtifact } from './supervisor-helpers.js';

let root: { dir: string; cleanup: () => Promise<void> };
let spec: Spec;
let sandbox: Sandbox;

beforeAll(async () => {
  root = await tempDir('cambrian-end-');
  spec = await minimalSpec();
  sandbox = await detectSandbox('auto');
});
afterAll(async () => {
  await root?.cleanup();
});

describe('rig endings', () => {
  it('a rig past its time limit is a timeout verdict with a non-viable report naming the running stage', async () => {
    const dir = path.join(root.dir, 'slow');
    await writeEchoArtifact({ dir, generation: 1, spec });
    const ending = await runGenerationRig({
      generation: 1,
      artifactDir: dir,
      spec,
      sandbox,
      runRig,
      timeoutMs: 300,
      signal: new AbortController().signal,
    });
    expect(ending?.rigResult).toBe('timeout');
    expect(ending?.report.status).toBe('non-viable');
    expect(ending?.report.diagnostics?.summary).toBe('the rig did not finish within 0.3 s');
    const stage = ending?.report.failure_stage ?? '';
    expect(['manifest', 'build', 'test']).toContain(stage);
    expect(ending?.report.checks[stage]).toMatchObject({ passed: false });
    expect(ending?.report.checks.health).toMatchObject({ passed: false, skipped: true });
  });

  it('a rig that throws is a crash verdict with a non-viable report saying why', async () => {
    const ending = await runGenerationRig({
      generation: 2,
      artifactDir: '/etc/hostname',
      spec,
      sandbox,
      runRig,
      timeoutMs: 60_000,
      signal: new AbortController().signal,
    });
    expect(ending?.rigResult).toBe('crash');
    expect(ending?.report).toMatchObject({ generation: 2, status: 'non-viable', failure_stage: 'manifest' });
    expect(ending?.report.diagnostics?.summary).toMatch(/^the rig crashed: ENOTDIR/);
  });

  it('settle() ends a running rig and closes the generation as failed with a reason and a failed tag', async () => {
    const generationsDir = path.join(root.dir, 'generations');
    const workspace = path.join(root.dir, 'workspace');
    await mkdir(workspace);
    const lineage = await openLineage({ generationsDir, run: 'run-s', recover: true });
    const supervisor = await startSupervisor({
      lineage,
      spec,
      workspaceDir: workspace,
      run: 'run-s',
      primeGeneration: 0,
      sandbox,
      runRig,
    });
    try {
      await writeEchoArtifact({ dir: path.join(workspace, 'gen-1'), generation: 1, spec });
      const response = await fetch(`${supervisor.url}/spawn`, {
        method: 'POST',
        body: JSON.stringify({ generation: 1, 'spec-hash': spec.hash, 'artifact-path': 'gen-1' }),
      });
      expect(response.status).toBe(202);
      await sleep(100);
      await supervisor.settle('the Prime exited');
      const record = await lineage.records.get(1);
      expect(record).toMatchObject({ outcome: 'failed', reason: "the Prime exited before the rig's verdict" });
      expect(await lineage.git.tags()).toContain('gen-1-failed');
    } finally {
      await supervisor.close();
    }

    // The diff of two artifacts, from the folders when the lineage git does not know them.
    await writeEchoArtifact({ dir: path.join(generationsDir, 'gen-5'), generation: 5, spec });
    await writeEchoArtifact({
      dir: path.join(generationsDir, 'gen-6'),
      generation: 6,
      spec,
      extra: { 'src/extra.ts': 'export const x = 1;\n' },
    });
    const diff = await diffGenerations({ generationsDir, from: 5, to: 6 });
    expect(diff.source).toBe('folders');
    expect(diff.files.map((f) => [f.path, f.status])).toEqual([
      ['manifest.json', 'modified'],
      ['src/extra.ts', 'added'],
    ]);
    expect(diff.patch).toContain('+export const x = 1;');
    const viaGit = await diffGenerations({ generationsDir, from: 0, to: 1 });
    expect(viaGit.source).toBe('git');
    expect(viaGit.files.length).toBeGreaterThan(5);
    expect(
      execFileSync(
        'git',
        [`--git-dir=${lineage.git.gitDir}`, 'diff', '--stat', 'refs/heads/gen-0', 'refs/heads/gen-1'],
        {
          encoding: 'utf8',
        },
      ),
    ).toContain('src/server.ts');
  });
});
