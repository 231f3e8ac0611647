import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ChangeSessionSummary } from '../../src/change/run-change-session.js';
import { seedMinimal, startCli } from './change-cli.js';

// A change session recorded with the offline exemplar, then replayed with no provider: the same outcome. The
// reviewer's request carries the rig's stage times, which differ on every run: the replay must still match it.
let work: string;
let seeded: string;
const PROGRAM = 'examples/programs/minimal-echo-edge-tests.md';

async function cli(args: string[], generations: string) {
  return startCli(args, generations).done;
}

async function copyOfSeed(name: string): Promise<string> {
  const generations = path.join(work, name);
  await cp(seeded, generations, { recursive: true });
  return generations;
}

async function manifestOf(generations: string, generation: number): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(path.join(generations, `gen-${generation}`, 'manifest.json'), 'utf8'));
}

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'cambrian-change-replay-'));
  seeded = path.join(work, 'seeded');
  await seedMinimal(seeded);
}, 120_000);
afterAll(() => rm(work, { recursive: true, force: true }));

it('--record then --replay of a change session: the same outcome; a tampered recording stops naming the exchange', async () => {
  const recording = path.join(work, 'change.jsonl');
  const original = await copyOfSeed('original');
  const recorded = await cli(['change', '--program', PROGRAM, '--record', recording, '--json'], original);
  expect(recorded.code, recorded.stderr).toBe(0);
  const first = JSON.parse(recorded.stdout) as ChangeSessionSummary;
  expect(first.promoted).toEqual([2]);
  const lines = (await readFile(recording, 'utf8')).trim().split('\n');
  expect(lines.map((line) => JSON.parse(line).purpose)).toEqual(['change', 'review']);
  // What the reviewer sees: the rig's stage times, and no manifest diff (engine-written, with a timestamp).
  const reviewRequest = JSON.stringify(JSON.parse(lines[1] ?? '{}').request);
  expect(reviewRequest).toMatch(/- stage times \(ms\): manifest \d+/);
  expect(reviewRequest).toContain('manifest.json (written by the engine) not shown');
  expect(reviewRequest).not.toContain('created-at');

  const replay = await copyOfSeed('replay');
  const replayed = await cli(['change', '--program', PROGRAM, '--replay', recording, '--json'], replay);
  expect(replayed.code, replayed.stderr).toBe(0);
  const second = JSON.parse(replayed.stdout) as ChangeSessionSummary;
  expect(second.changes.map((c) => c.attempts)).toEqual(first.changes.map((c) => c.attempts));
  expect(second.usage).toEqual(first.usage);
  expect((await manifestOf(replay, 2))['artifact-hash']).toBe((await manifestOf(original, 2))['artifact-hash']);

  // One character of the recorded change request altered: the replay stops at that exchange and says where.
  const tampered = path.join(work, 'tampered.jsonl');
  await writeFile(tampered, `${[lines[0]?.replace('percent-encoded', 'percent-decoded'), lines[1]].join('\n')}\n`);
  const stopped = await cli(['change', '--program', PROGRAM, '--replay', tampered, '--json'], await copyOfSeed('t'));
  expect(stopped.code).toBe(2);
  expect(stopped.stderr).toMatch(/replay: request 1 differs from exchange 1 of .*tampered\.jsonl at \$\.messages\[0\]/);
}, 300_000);
