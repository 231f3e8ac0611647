import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findEngineRoot } from '../../src/version.js';

const ROOT = findEngineRoot();
const RUNNER = path.join(ROOT, 'test', 'fixtures', 'cli', 'summary-runner.mjs');
const BUILT = path.join(ROOT, 'dist', 'src', 'cli', 'run-to-summary.js');

/** Runs the fixture; `signal` is sent once the work has started. */
function runTail(
  flags: string[],
  signal?: NodeJS.Signals,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [RUNNER, BUILT, ...flags], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
  });
  child.stderr.on('data', (chunk: Buffer) => {
    const before = stderr;
    stderr += chunk.toString('utf8');
    if (signal !== undefined && !before.includes('working\n') && stderr.includes('working\n')) child.kill(signal);
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

describe('runToSummary (the tail of reproduce, campaign and change)', () => {
  it('on SIGINT says what stopping means, aborts the work, prints the --json document on stdout and returns its exit code', async () => {
    const { code, stdout, stderr } = await runTail(['--json'], 'SIGINT');
    expect(stderr).toBe('working\n\ncambrian: SIGINT: stopping the test work…\nlisteners: 0 0\n');
    expect(JSON.parse(stdout)).toEqual({ document: { exitCode: 1, stopped: 'SIGINT' } });
    expect(code).toBe(1);
  });

  it('on SIGTERM the same; without --json the text for people goes to stderr and stdout stays empty', async () => {
    const { code, stdout, stderr } = await runTail([], 'SIGTERM');
    expect(stderr).toBe(
      'working\n\ncambrian: SIGTERM: stopping the test work…\nsummary: stopped SIGTERM\nlisteners: 0 0\n',
    );
    expect(stdout).toBe('');
    expect(code).toBe(1);
  });

  it('work that ends by itself prints its summary and exit code, and leaves no signal handler behind', async () => {
    const { code, stdout, stderr } = await runTail(['--finish']);
    expect(stderr).toBe('working\nsummary: stopped null\nlisteners: 0 0\n');
    expect(stdout).toBe('');
    expect(code).toBe(0);
  });

  it('work that throws passes its error on, prints no summary, and leaves no signal handler behind', async () => {
    const { code, stdout, stderr } = await runTail(['--throw', '--json']);
    expect(stderr).toBe('working\nthrew: the work failed\nlisteners: 0 0\n');
    expect(stdout).toBe('');
    expect(code).toBe(3);
  });
});
