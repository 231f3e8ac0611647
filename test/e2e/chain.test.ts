import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GenerationRecord } from '../../src/artifact/generation-record-schema.js';
import type { RunSummary } from '../../src/supervisor/run-summary.js';
import { isLockFree } from '../supervisor/supervisor-helpers.js';
import { runCli } from './run-cli.js';

// Fake provider keys in the engine's environment: they must show up nowhere a run writes.
const FAKE_ANTHROPIC = 'sk-ant-FAKE-e2e-0123456789abcdefXYZ';
const FAKE_OPENAI = 'sk-FAKE-openai-e2e-9876543210zyx';

let work: string;
let generations: string;
let failedGeneration = -1;
let primeOne = -1;
let primeTwo = -1;
const outputs: string[] = [];

function env(): NodeJS.ProcessEnv {
  const clean: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('CAMBRIAN_')) clean[key] = value;
  }
  return { ...clean, ANTHROPIC_API_KEY: FAKE_ANTHROPIC, OPENAI_API_KEY: FAKE_OPENAI, NO_COLOR: '1' };
}

async function reproduce(args: string[]): Promise<{ code: number | null; summary: RunSummary | null; stderr: string }> {
  const run = runCli(['reproduce', '--generations', generations, '--json', ...args], { cwd: work, env: env() });
  const result = await run.done;
  outputs.push(result.stdout, result.stderr);
  let summary: RunSummary | null = null;
  try {
    summary = JSON.parse(result.stdout) as RunSummary;
  } catch {
    // a refused run prints nothing on stdout
  }
  return { code: result.code, summary, stderr: result.stderr };
}

async function recordOf(generation: number): Promise<GenerationRecord> {
  return JSON.parse(
    await readFile(path.join(generations, '.cambrian', 'records', `gen-${generation}.json`), 'utf8'),
  ) as GenerationRecord;
}

function git(...args: string[]): string {
  return execFileSync('git', [`--git-dir=${path.join(generations, '.cambrian', 'lineage.git')}`, ...args], {
    encoding: 'utf8',
    maxBuffer: 512 * 1024 * 1024,
  });
}

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'cambrian-e2e-'));
  generations = path.join(work, 'generations');
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('the reproductive chain, offline', () => {
  it('gen-0 → gen-1 promoted with no provider configured; a second run on the same dir meanwhile refuses', async () => {
    const first = runCli(['reproduce', '--spec', 'CAMBRIAN-SPEC-005', '--generations', generations, '--json'], {
      cwd: work,
      env: env(),
    });
    await first.waitForStderr('▸ building the Prime');
    const second = await reproduce(['--spec', 'MINIMAL-SPEC-001']);
    expect(second.code).toBe(2);
    expect(second.stderr).toMatch(/\[E_LOCKED\] another cambrian run \(pid \d+/);
    expect(second.stderr).toContain('--wait');

    const result = await first.done;
    outputs.push(result.stdout, result.stderr);
    expect(result.stderr).toContain('no provider configured: using the exemplar backend');
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout) as RunSummary;
    expect(summary.promoted.length).toBe(1);
    primeOne = summary.promoted[0] ?? -1;
    expect(summary.generations.at(-1)).toMatchObject({
      generation: primeOne,
      parent: 0,
      outcome: 'promoted',
      rigResult: 'viable',
    });
    expect(summary.tokens.output).toBeGreaterThan(0);
    expect(summary.costUsd).toBe(0);
    expect(await recordOf(primeOne)).toMatchObject({
      outcome: 'promoted',
      'rig-result': 'viable',
      'spec-id': 'CAMBRIAN-SPEC-005',
      parent: 0,
    });
    expect(git('tag', '--list').split('\n')).toEqual(expect.arrayContaining(['gen-0', `gen-${primeOne}`]));
    expect(existsSync(path.join(generations, '.cambrian', 'runs', `${summary.run}.json`))).toBe(true);
    expect(await isLockFree(generations)).toBe(true);
  }, 240_000);

  it('gen-1 as the Prime → gen-2 promoted', async () => {
    const { code, summary, stderr } = await reproduce(['--spec', 'CAMBRIAN-SPEC-005', '--prime', `gen-${primeOne}`]);
    expect(code, stderr).toBe(0);
    const last = summary?.generations.at(-1);
    expect([last?.parent, last?.outcome]).toEqual([primeOne, 'promoted']);
    primeTwo = last?.generation ?? -1;
    expect(git('rev-parse', `refs/heads/gen-${primeTwo}^`)).toBe(git('rev-parse', `refs/heads/gen-${primeOne}`));
  }, 240_000);

  it('gen-2 given MINIMAL-SPEC-001 → a viable, promoted echo server, through 529, a cut stream and a max_tokens stop', async () => {
    const { code, summary, stderr } = await reproduce([
      '--spec',
      'MINIMAL-SPEC-001',
      '--prime',
      `gen-${primeTwo}`,
      '--faults',
      'overloaded,cut-stream,max-tokens',
    ]);
    expect(code, stderr).toBe(0);
    // Generation numbers are not hard-coded past this point: a rig that fails under load only shifts them.
    const gen = summary?.generations.at(-1);
    expect(gen).toMatchObject({ parent: primeTwo, outcome: 'promoted', rigResult: 'viable' });
    // 529, cut, max_tokens: three fresh requests, then one continuation.
    expect(summary?.generations[0]?.purposes).toEqual({ fresh: 3, continuation: 1 });
    for (const kind of ['overloaded', 'cut-stream', 'max-tokens']) expect(stderr).toContain(`injected fault ${kind}`);
    const record = await recordOf(gen?.generation ?? -1);
    expect(record).toMatchObject({ 'spec-id': 'MINIMAL-SPEC-001', outcome: 'promoted' });
    expect(record.viability?.checks.health?.passed).toBe(true);
    expect(existsSync(path.join(generations, `gen-${gen?.generation}`, 'src', 'server.ts'))).toBe(true);
  }, 240_000);

  it('--faults unclosed-block,failing-test: a parse repair and an informed retry, both succeed', async () => {
    const { code, summary, stderr } = await reproduce([
      '--spec',
      'MINIMAL-SPEC-001',
      '--faults',
      'unclosed-block,failing-test',
    ]);
    expect(code, stderr).toBe(0);
    const failed = summary?.generations[0];
    const fixed = summary?.generations.at(-1);
    expect(summary?.generations.length).toBe(2);
    expect([failed?.outcome, failed?.failureStage, fixed?.outcome]).toEqual(['failed', 'test', 'promoted']);
    failedGeneration = failed?.generation ?? -1;
    expect(summary?.generations[0]?.purposes).toEqual({ fresh: 1, repair: 1 });
    // gen-0 ran before on this dir: its sandboxed build comes from the build cache.
    expect(summary?.primeBuildCached).toBe(true);
    expect(summary?.generations.at(-1)?.purposes).toEqual({ retry: 1 });
    expect(stderr).toMatch(new RegExp(`gen ${failed?.generation} repair .*end_turn`));
    expect(stderr).toMatch(new RegExp(`gen ${fixed?.generation} retry .*end_turn`));
    expect((await recordOf(failedGeneration)).viability?.diagnostics?.summary).toContain('cambrian injected fault');
    expect(git('tag', '--list').split('\n')).toEqual(
      expect.arrayContaining([`gen-${failedGeneration}-failed`, `gen-${fixed?.generation}`]),
    );

    const diff = runCli(
      ['diff', `gen-${failedGeneration}`, `gen-${fixed?.generation}`, '--generations', generations, '--json'],
      { cwd: work, env: env() },
    );
    const result = await diff.done;
    expect(result.code).toBe(0);
    const files = (JSON.parse(result.stdout) as { files: Array<{ path: string; status: string }> }).files;
    expect(files).toContainEqual(expect.objectContaining({ path: 'test/cambrian-fault.test.ts', status: 'deleted' }));
  }, 240_000);

  it('refuses to run a generation that was not promoted as the Prime', { timeout: 120_000 }, async () => {
    const { code, stderr } = await reproduce(['--spec', 'MINIMAL-SPEC-001', '--prime', `gen-${failedGeneration}`]);
    expect(code).toBe(2);
    expect(stderr).toContain(`--prime gen-${failedGeneration} is not promoted (it is failed, rig-result non-viable`);
  });

  it('--budget: the gateway refuses before a request that could pass it, the Prime stops cleanly (exit 3)', async () => {
    const { code, summary, stderr } = await reproduce(['--spec', 'MINIMAL-SPEC-001', '--budget', '2000']);
    expect(code).toBe(1);
    expect(summary?.primeExit).toMatchObject({ code: 3, meaning: 'token budget exhausted' });
    expect(summary?.generations).toEqual([]);
    expect(summary?.tokens.output).toBe(0);
    expect(stderr).toMatch(
      /gateway refused gen \d+ fresh: 402 budget_exceeded: token budget of 2000 would be exceeded: 0 tokens used/,
    );

    // Room for a short reply only: the gateway lowers max_tokens, the exemplar stops there as a provider does (its
    // MINIMAL-SPEC-001 reply is longer), the Prime's continuation gets 402, and the ledger ends within the budget.
    const input = Number(/this request needs about (\d+) input tokens/.exec(stderr)?.[1]);
    const budget = input + 1024 + 50;
    const held = await reproduce(['--spec', 'MINIMAL-SPEC-001', '--budget', String(budget)]);
    expect(held.code, held.stderr).toBe(1);
    expect(held.summary?.primeExit).toMatchObject({ code: 3, meaning: 'token budget exhausted' });
    expect(held.summary?.budgetTrimmed, held.stderr).toBe(1);
    expect(held.stderr).toMatch(/gateway refused gen \d+ continuation: 402 budget_exceeded/);
    const tokens = held.summary?.tokens;
    const used = (tokens?.input ?? 0) + (tokens?.output ?? 0) + (tokens?.cacheRead ?? 0) + (tokens?.cacheWrite ?? 0);
    expect(tokens?.output).toBeGreaterThan(1000);
    expect(used).toBeLessThanOrEqual(budget);
  }, 120_000);

  it('SIGKILL mid-generation, then a second run: records, artifacts and git consistent, and the run goes on', async () => {
    const killed = runCli(['reproduce', '--spec', 'MINIMAL-SPEC-001', '--generations', generations], {
      cwd: work,
      env: env(),
    });
    await killed.waitForStderr(' spawned: ');
    killed.child.kill('SIGKILL');
    await killed.done;
    outputs.push(killed.stdout(), killed.stderr());
    const victim = Number(/gen-(\d+) spawned: /.exec(killed.stderr())?.[1]);
    expect(await recordOf(victim)).toMatchObject({ outcome: 'in_progress' });

    const { code, summary, stderr } = await reproduce(['--spec', 'MINIMAL-SPEC-001']);
    expect(stderr).toContain(`recovered the previous run's leftovers: gen-${victim} in_progress → failed`);
    expect(code, stderr).toBe(0);
    expect(summary?.generations.at(-1)).toMatchObject({ generation: victim + 1, outcome: 'promoted' });
    const six = await recordOf(victim);
    expect(six.outcome).toBe('failed');
    expect(six.reason).toMatch(/ended before the rig's verdict/);

    // Every record has its sealed folder and branch; every folder has a record; tags follow outcomes.
    const records = (await readdir(path.join(generations, '.cambrian', 'records')))
      .filter((name) => name.endsWith('.json'))
      .sort();
    const folders = (await readdir(generations)).filter((name) => /^gen-\d+$/.test(name) && name !== 'gen-0');
    expect(folders.map((name) => `${name}.json`).sort()).toEqual(records);
    const tags = git('tag', '--list').split('\n').filter(Boolean);
    for (const name of folders) {
      const n = Number(name.slice(4));
      const record = await recordOf(n);
      expect(git('rev-parse', '--verify', `refs/heads/${name}`).trim()).toMatch(/^[0-9a-f]{40}$/);
      expect(tags.includes(name)).toBe(record.outcome === 'promoted');
      expect(tags.includes(`${name}-failed`)).toBe(record.outcome === 'failed' || record.outcome === 'timeout');
    }
  }, 240_000);

  it('leaks no provider key: not in any file under the generations dir, not in the git history, not in any output', async () => {
    const hits: string[] = [];
    async function scan(dir: string): Promise<void> {
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) await scan(full);
        else if (entry.isFile()) {
          const bytes = await readFile(full);
          if (bytes.includes(FAKE_ANTHROPIC) || bytes.includes(FAKE_OPENAI)) hits.push(full);
        }
      }
    }
    await scan(generations);
    const history = git('log', '--all', '-p', '--format=%H %s');
    expect(history.length).toBeGreaterThan(1000);
    expect(hits).toEqual([]);
    expect(history.includes(FAKE_ANTHROPIC) || history.includes(FAKE_OPENAI)).toBe(false);
    const all = outputs.join('\n');
    expect(all.length).toBeGreaterThan(1000);
    expect(all.includes(FAKE_ANTHROPIC) || all.includes(FAKE_OPENAI)).toBe(false);
  });
});
