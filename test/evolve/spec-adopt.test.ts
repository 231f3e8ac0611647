import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLog } from '../../src/evolve/evolve-log.js';
import { loadSpec } from '../../src/spec/load-spec.js';

const root = path.resolve(import.meta.dirname, '../..');
const bin = path.join(root, 'dist/src/cli/bin.js');
const id = 'CAMBRIAN-SPEC-005';
let work: string;
let generations: string;
let engine: string;
let base: string;
const bump = (patch: number): string => base.replace(/\.\d+$/, `.${patch}`);
const currentFile = (): string => path.join(engine, 'spec', `${id}.md`);

/** Runs the built CLI; resolves with its exit code and output instead of throwing on exit 1. */
async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [bin, ...args], {
      env: { ...process.env, NO_COLOR: '1' },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
const adopt = (ref: string) => cli(['spec', 'adopt', ref, '--generations', generations, '--root', engine]);

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'cambrian-adopt-'));
  generations = path.join(work, 'generations');
  engine = path.join(work, 'engine');
  // A copy of the repository's spec folder: the real spec/ is never written by this test.
  cpSync(path.join(root, 'spec'), path.join(engine, 'spec'), { recursive: true });
  base = (await loadSpec(id)).version;
  const landscape = path.join(root, 'examples/evolve/landscape.json');
  const run = await cli([
    'evolve',
    '--spec',
    id,
    '--simulate',
    landscape,
    '--length',
    '16',
    '--seed',
    // A seed whose line goes from the starting version straight to the 80 % one (0.5.5), then tries 0.5.6 from it.
    'c',
    '--generations',
    generations,
  ]);
  expect(run.stdout).toContain(`head ${bump(5)}`);
}, 60_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('cambrian spec adopt', () => {
  it('refuses, with one line and a hint and nothing changed, what is not an evolved version of the current spec', async () => {
    const before = readFileSync(currentFile());
    const entries = await readLog(
      path.join(
        generations,
        '.cambrian/evolve',
        readdirSync(path.join(generations, '.cambrian/evolve'))[0] ?? '',
        'log.jsonl',
      ),
    );
    const frozen = entries.find((e) => e.type === 'rejected' && e.by === 'guard');
    expect(frozen).toBeDefined();
    const cases: [string, RegExp][] = [
      [`${id}@0.4.0`, /is not an evolved version/],
      [`${id}@${frozen?.type === 'rejected' ? frozen.version : ''}`, /fails the evolve guard .*FROZEN region/],
      [
        `${id}@${bump(6)}`,
        new RegExp(
          `was evolved from ${id}@${bump(5).replace(/\./g, '\\.')}, but spec/${id}\\.md is ${base.replace(/\./g, '\\.')}`,
        ),
      ],
      ['not-a-ref', /is not an evolved version/],
    ];
    for (const [ref, message] of cases) {
      const result = await adopt(ref);
      expect(result.code, ref).toBe(1);
      const lines = result.stderr.trim().split('\n');
      expect(lines, ref).toHaveLength(2);
      expect(lines[0]).toMatch(message);
      expect(lines[1]).toMatch(/^hint /);
    }
    expect(readFileSync(currentFile()).equals(before)).toBe(true);
    expect(readdirSync(path.join(engine, 'spec/archive'))).not.toContain(`${id}@${base}.md`);
  });

  it('makes the promoted head the current spec, archives the old one byte for byte, and the result passes spec check', async () => {
    const before = readFileSync(currentFile());
    const evolved = readFileSync(path.join(generations, '.cambrian/specs', `${id}@${bump(5)}.md`));
    const result = await adopt(`${id}@${bump(5)}`);
    expect(result.code, result.stderr).toBe(0);
    expect(readFileSync(currentFile()).equals(evolved)).toBe(true);
    expect(readFileSync(path.join(engine, 'spec/archive', `${id}@${base}.md`)).equals(before)).toBe(true);
    expect((await cli(['spec', 'check', currentFile()])).code).toBe(0);
    expect((await loadSpec(`${id}@${base}`, { root: engine })).bytes.equals(before)).toBe(true);
    // The mutant made from the adopted head is now adoptable in its turn.
    expect((await adopt(`${id}@${bump(6)}`)).code).toBe(0);
    expect((await loadSpec(id, { root: engine })).version).toBe(bump(6));
    expect(readFileSync(path.join(engine, 'spec/archive', `${id}@${bump(5)}.md`)).equals(evolved)).toBe(true);
  });
});
