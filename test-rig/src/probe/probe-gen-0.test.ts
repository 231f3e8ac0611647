import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { startReproduceProbe } from './start-reproduce-probe.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const GEN_0 = path.join(ROOT, 'generations/gen-0');
const STORE = path.join(ROOT, 'test-rig/store/node_modules');
const SPEC = path.join(ROOT, 'spec/CAMBRIAN-SPEC-005.md');

const cleanups: Array<() => Promise<void>> = [];

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

describe('the reproduce probe against the reference Prime gen-0', () => {
  // gen-0 ships with the project: no clone (shallow or not) may skip this; a missing gen-0 fails here.
  test('the reference Prime is present', () => {
    expect(existsSync(path.join(GEN_0, 'src/main.ts')) && existsSync(path.join(GEN_0, 'package.json'))).toBe(true);
  });

  test('gen-0 goes through every step of the scripted generation', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'probe-gen-0-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const primeDir = path.join(dir, 'prime');
    await cp(GEN_0, primeDir, {
      recursive: true,
      filter: (source) => !/[/\\](node_modules|dist)$/.test(source),
    });
    await symlink(STORE, path.join(primeDir, 'node_modules'), 'dir');
    execFileSync(path.join(primeDir, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.json'], { cwd: primeDir });

    const probe = await startReproduceProbe({
      specPath: SPEC,
      workspaceDir: path.join(dir, 'workspace'),
      primeGeneration: 0,
      timeoutMs: 60_000,
    });
    let stderr = '';
    const prime: ChildProcess = spawn(process.execPath, ['dist/src/main.js'], {
      cwd: primeDir,
      env: { ...probe.env, PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, CAMBRIAN_PORT: '0' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    prime.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    cleanups.push(async () => {
      if (prime.exitCode === null && prime.signalCode === null) {
        const exited = new Promise((resolve) => prime.once('exit', resolve));
        prime.kill('SIGKILL');
        await exited;
      }
      await probe.close();
    });

    const result = await probe.result;
    expect(result.failures, `gen-0 stderr:\n${stderr}`).toEqual([]);
    expect(result.passed).toBe(true);
    expect(prime.exitCode, 'the Prime keeps serving when CAMBRIAN_EXIT_WHEN_DONE is unset').toBeNull();
  });
});
