import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { type EvolveEntry, readLog } from '../../src/evolve/evolve-log.js';
import { guardMutation } from '../../src/evolve/guard-mutation.js';
import { loadLandscape, trueOutcome } from '../../src/evolve/landscape.js';
import { mutateExemplar } from '../../src/evolve/mutate-exemplar.js';
import { readScreenVerdict } from '../../src/evolve/screen-mutation.js';
import { loadSpec } from '../../src/spec/load-spec.js';

const root = path.resolve(import.meta.dirname, '../..');
const bin = path.join(root, 'dist/src/cli/bin.js');
const landscapeFile = path.join(root, 'examples/evolve/landscape.json');
const dirs: string[] = [];
const tempDir = (): string => {
  const dir = mkdtempSync(path.join(tmpdir(), 'cambrian-evolve-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const evolveArgs = (dir: string, seed: string): string[] => [
  'evolve',
  '--spec',
  'CAMBRIAN-SPEC-005',
  '--simulate',
  landscapeFile,
  '--length',
  '16',
  '--seed',
  seed,
  '--generations',
  dir,
];

async function logOf(dir: string): Promise<EvolveEntry[]> {
  const runs = readdirSync(path.join(dir, '.cambrian/evolve'));
  expect(runs).toHaveLength(1);
  return readLog(path.join(dir, '.cambrian/evolve', runs[0] ?? '', 'log.jsonl'));
}

describe('cambrian evolve (simulation on a known landscape)', () => {
  it('finds the mutation that raises viability from 50 % to 80 %, makes it the head, and keeps the worse ones out', async () => {
    const dir = tempDir();
    const { stdout } = await promisify(execFile)(process.execPath, [bin, ...evolveArgs(dir, 'b')]);
    const base = (await loadSpec('CAMBRIAN-SPEC-005')).version;
    const bump = (patch: number): string => base.replace(/\.\d+$/, `.${patch}`);
    expect(stdout).toContain(`head ${bump(5)}`);
    const entries = await logOf(dir);
    const landscape = await loadLandscape(landscapeFile);
    const baseText = (await loadSpec('CAMBRIAN-SPEC-005')).text;
    const textOf = (v: string): string =>
      v === base ? baseText : readFileSync(path.join(dir, '.cambrian/specs', `CAMBRIAN-SPEC-005@${v}.md`), 'utf8');
    const truth = (v: string): number => trueOutcome(landscape, textOf(v)).viability;
    const decisions = entries.flatMap((e) => (e.type === 'decision' ? [e] : []));
    // No promotion is a true loss against the head it replaced (checked against the landscape's truth); the worse
    // mutants (terse-retry −20, long-history −10) are kept out; the head ends on the 80 % version.
    for (const entry of decisions.filter((e) => e.decision === 'promote'))
      expect(truth(entry.version)).toBeGreaterThanOrEqual(truth(entry.against.version) - 1e-9);
    const worse = decisions.filter((e) => truth(e.version) < truth(e.against.version) - 1e-9);
    expect(worse.map((e) => e.decision)).toEqual(['drop', 'drop']);
    expect(truth(bump(5))).toBeCloseTo(0.8, 5);
    // Each decision says what it saw and why it stopped there.
    for (const entry of decisions) {
      expect(entry.attempts).toBeGreaterThanOrEqual(2);
      expect(entry.posterior?.mean).toBeCloseTo(((entry.viable ?? 0) + 1) / ((entry.attempts ?? 0) + 2), 9);
      expect(entry.why).toMatch(/P\(better\)/);
    }
    const top = decisions.find((e) => e.version === bump(5));
    expect(top).toMatchObject({ decision: 'promote', attempts: 16, provisional: { attempts: expect.any(Number) } });
    expect(entries.filter((e) => e.type === 'parent')).toHaveLength(entries.filter((e) => e.type === 'mutant').length);
    // The FROZEN fault is discarded by the guard, the incoherent one by the screen, neither with a campaign.
    const rejected = entries.filter((e) => e.type === 'rejected');
    expect(rejected.map((e) => e.type === 'rejected' && [e.version, e.by])).toEqual([
      [bump(2), 'guard'],
      [bump(3), 'screen'],
    ]);
    expect(JSON.stringify(rejected)).toMatch(/FROZEN region prime-invariants changed.*weakened acceptance/);
    const campaigned = new Set(entries.flatMap((e) => (e.type === 'campaign' ? [e.version] : [])));
    expect(campaigned.has(bump(2)) || campaigned.has(bump(3))).toBe(false);
    // Evolved versions are addressable like any spec, from the lineage.
    const evolved = await loadSpec(`CAMBRIAN-SPEC-005@${bump(5)}`, { generationsDir: dir });
    const chosen = entries.find((e) => e.type === 'parent' && e.step === top?.step);
    expect(evolved.parentVersion).toBe(chosen?.type === 'parent' && chosen.version);
    expect(evolved.changes[0]).toMatch(/test stage.*vitest-example/);
  }, 60_000);

  it('SIGKILL mid-run, then --resume: the campaigns are those of an uninterrupted run, none lost or repeated', async () => {
    const whole = tempDir();
    await promisify(execFile)(process.execPath, [bin, ...evolveArgs(whole, 'k')]);
    const wholeLog = await logOf(whole);
    const expected = wholeLog.filter((e) => e.type === 'campaign');

    const dir = tempDir();
    const child = spawn(process.execPath, [bin, ...evolveArgs(dir, 'k'), '--pace-ms', '40'], { stdio: 'ignore' });
    const logDir = path.join(dir, '.cambrian/evolve');
    for (let i = 0; i < 400; i += 1) {
      await sleep(25);
      if (!existsSync(logDir)) continue;
      const [run] = readdirSync(logDir);
      const file = path.join(logDir, run ?? '', 'log.jsonl');
      if (existsSync(file) && readFileSync(file, 'utf8').split('"type":"campaign"').length > 3) break;
    }
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    const before = (await logOf(dir)).filter((e) => e.type === 'campaign');
    expect(before.length).toBeGreaterThanOrEqual(3);
    expect(before.length).toBeLessThan(expected.length);
    const id = readdirSync(logDir)[0] ?? '';
    await promisify(execFile)(process.execPath, [bin, 'evolve', '--resume', id, '--generations', dir]);
    const after = (await logOf(dir)).filter((e) => e.type === 'campaign');
    const key = (e: EvolveEntry): string => (e.type === 'campaign' ? `${e.step}/${e.seed}/${e.version}` : '');
    expect(new Set(after.map(key)).size).toBe(after.length);
    const strip = (e: EvolveEntry): unknown => (e.type === 'campaign' ? { ...e, at: null } : e);
    expect(after.map(strip)).toEqual(expected.map(strip));
    // The parents the steps chose (seeded draws on the archive) are the uninterrupted run's too.
    const parents = (log: EvolveEntry[]) => log.filter((e) => e.type === 'parent');
    expect(parents(await logOf(dir))).toEqual(parents(wholeLog));
  }, 90_000);
});

describe('guard and screen', () => {
  it('the guard refuses each broken mutant with the reason, and passes a clean one', async () => {
    const parent = await loadSpec('CAMBRIAN-SPEC-005');
    const { edits } = await loadLandscape(landscapeFile);
    const edit = (name: string) => {
      const found = edits.find((e) => e.name === name);
      if (found === undefined) throw new Error(`no edit ${name}`);
      return found;
    };
    const guard = (bytes: Buffer) => guardMutation({ parent, bytes, file: 'mutant.md' });
    const next = parent.version.replace(/\.\d+$/, (p) => `.${Number(p.slice(1)) + 1}`);
    expect(guard(mutateExemplar({ parent, edit: edit('frozen-shortcut'), version: next }))).toEqual({
      ok: false,
      reason: 'FROZEN region prime-invariants changed',
    });
    expect(guard(mutateExemplar({ parent, edit: edit('vitest-example'), version: next })).ok).toBe(true);
    expect(guard(mutateExemplar({ parent, edit: edit('vitest-example'), version: '0.0.1' }))).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^version/),
    });
    const removed = parent.text.replace(/\n## Configuration\n/, '\n### Configuration\n');
    const bumped = mutateExemplar({
      parent: { ...parent, text: removed },
      edit: edit('reworded-glossary'),
      version: next,
    });
    expect(guard(bumped)).toMatchObject({ ok: false, reason: expect.stringMatching(/Configuration/) });
    expect(guard(Buffer.concat([parent.bytes, Buffer.alloc(parent.bytes.length, 'x')]))).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^size/),
    });
  });

  it('a screen answer that is not the verdict JSON is a rejection, never a pass', () => {
    expect(readScreenVerdict('Looks coherent to me!').coherent).toBe(false);
    expect(readScreenVerdict('{"coherent": true}').coherent).toBe(false);
    expect(readScreenVerdict('```json\n{"coherent": true, "issues": [], "summary": "ok"}\n```').coherent).toBe(true);
  });
});
