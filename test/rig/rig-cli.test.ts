import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { viabilityReportSchema } from '../../src/artifact/viability-report-schema.js';
import { findEngineRoot } from '../../src/version.js';
import { RIG_SPEC_PATH, sealFixture } from './seal-fixture.js';

const root = findEngineRoot();
const bin = path.join(root, 'dist', 'src', 'cli', 'bin.js');

function cambrian(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { cwd: root, env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        resolve({ code: error === null ? 0 : Number(error.code ?? 1), stdout, stderr });
      },
    );
  });
}

describe('cambrian rig', () => {
  it('prints one JSON report and exits 0 for a viable artifact', async () => {
    const fixture = await sealFixture({ name: 'good-service' });
    try {
      const result = await cambrian(['rig', fixture.dir, '--spec', RIG_SPEC_PATH, '--json']);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const report = viabilityReportSchema.parse(JSON.parse(result.stdout));
      expect(report.status).toBe('viable');
    } finally {
      await fixture.cleanup();
    }
  });

  it('prints the stage table and exits 1 for a non-viable artifact', async () => {
    const fixture = await sealFixture({ name: 'good-service' });
    try {
      await appendFile(path.join(fixture.dir, 'test.mjs'), '\n');
      const result = await cambrian(['rig', fixture.dir, '--spec', RIG_SPEC_PATH]);
      expect(result.code).toBe(1);
      expect(result.stdout).toContain('generation 1: non-viable');
      expect(result.stdout).toMatch(/manifest {3}FAILED/);
      expect(result.stdout).toMatch(/build {6}skipped/);
      expect(result.stdout).toContain('manifest: artifact-hash does not verify');
    } finally {
      await fixture.cleanup();
    }
  });

  it('warns on every run with --sandbox none', async () => {
    const fixture = await sealFixture({ name: 'good-service' });
    try {
      await appendFile(path.join(fixture.dir, 'test.mjs'), '\n');
      const result = await cambrian(['rig', fixture.dir, '--spec', RIG_SPEC_PATH, '--sandbox', 'none', '--json']);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^warning: sandbox "none": the artifact runs on this host/);
      expect(JSON.parse(result.stdout).failure_stage).toBe('manifest');
    } finally {
      await fixture.cleanup();
    }
  });

  it('exits 2 with a fix-it hint when it cannot run', async () => {
    const badSandbox = await cambrian(['rig', '.', '--sandbox', 'chroot']);
    expect(badSandbox.code).toBe(2);
    expect(badSandbox.stderr).toContain('unknown sandbox "chroot"');
    expect(badSandbox.stderr).toContain('hint use one of auto, bwrap, docker, podman, none');
    const noDir = await cambrian(['rig', 'no/such/dir']);
    expect(noDir.code).toBe(2);
    expect(noDir.stderr).toContain('no/such/dir is not a folder');
    const noSpec = await cambrian(['rig', path.join(root, 'test', 'fixtures', 'hostile', 'good-service')]);
    expect(noSpec.code).toBe(2);
    expect(noSpec.stderr).toContain('pass the trusted spec with --spec');
  });

  const gen0 = path.join(root, 'generations', 'gen-0');
  // gen-0 ships sealed with the project: a missing manifest fails here rather than skipping.
  it('judges gen-0 viable with all six stages', async () => {
    expect(existsSync(path.join(gen0, 'manifest.json'))).toBe(true);
    const result = await cambrian(['rig', 'generations/gen-0', '--json']);
    expect(result.stderr).toBe('');
    const report = viabilityReportSchema.parse(JSON.parse(result.stdout));
    expect(report.diagnostics).toBeUndefined();
    expect(report.status).toBe('viable');
    expect(Object.keys(report.checks)).toEqual(['manifest', 'build', 'test', 'start', 'health', 'reproduce']);
    for (const check of Object.values(report.checks)) expect(check.passed).toBe(true);
    expect(result.code).toBe(0);
  }, 120_000);
});
