import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { type EvolveEntry, readLog } from '../../src/evolve/evolve-log.js';
import { TRANSPLANT_LANDSCAPE } from './transplant-landscape.js';

const root = path.resolve(import.meta.dirname, '../..');
const bin = path.join(root, 'dist/src/cli/bin.js');
const dir = mkdtempSync(path.join(tmpdir(), 'cambrian-parent-type-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function evolve(name: string, landscape: string, seed: string): Promise<EvolveEntry[]> {
  const gens = path.join(dir, name);
  const args = ['evolve', '--spec', 'CAMBRIAN-SPEC-005', '--simulate', landscape, '--length', '16', '--seed', seed];
  await promisify(execFile)(process.execPath, [bin, ...args, '--generations', gens]);
  const run = readdirSync(path.join(gens, '.cambrian/evolve'))[0] ?? '';
  return readLog(path.join(gens, '.cambrian/evolve', run, 'log.jsonl'));
}

/** Each step's parent entry beside the mutant that step made. */
function pairs(entries: readonly EvolveEntry[]) {
  const mutants = entries.filter((e) => e.type === 'mutant');
  return mutants.map((mutant) => ({
    mutant,
    parent: entries.find((e) => e.type === 'parent' && e.step === mutant.step),
  }));
}

describe('the parent entry follows the mutation the step really makes', () => {
  it('a plateau asks for a transplant with no donor: the parent is chosen and logged for the refinement made', async () => {
    const entries = await evolve('b', path.join(root, 'examples/evolve/landscape.json'), 'b');
    const plateau = entries.find((e) => e.type === 'monitor' && e.rule === 'plateau');
    if (plateau?.type !== 'monitor') throw new Error('no plateau decision in the log');
    const steps = pairs(entries);
    expect(steps.length).toBeGreaterThanOrEqual(6);
    for (const { mutant, parent } of steps) {
      if (parent?.type !== 'parent') throw new Error(`step ${mutant.step} has no parent entry`);
      expect(parent.mutation).toBe(mutant.mutation.type);
      expect(parent.why).toMatch(new RegExp(`(^|; )${mutant.mutation.type}: from `));
      expect(parent.version).toBe(mutant.parentVersion);
    }
    // The step the plateau asked a transplant of made a refinement, and its parent entry says why.
    const asked = steps.find(({ mutant }) => mutant.step === plateau.step);
    expect(asked?.mutant.mutation.type).toBe('refinement');
    expect(asked?.parent?.type === 'parent' && asked.parent.why).toMatch(/^transplant asked, but no archive elite/);
    // Out of refinements, the exemplar plays the catalogue's restructuring: the parent entry says so.
    const restructured = steps.find(({ mutant }) => mutant.mutation.type === 'restructuring');
    expect(restructured?.parent?.type === 'parent' && restructured.parent.why).toMatch(
      /^no untried refinement left in the catalogue: the exemplar plays long-history, a restructuring; restructuring: from the head/,
    );
  });

  it('on the transplant landscape every parent entry names the type its mutant has, the transplant included', async () => {
    const file = path.join(dir, 'transplant.json');
    writeFileSync(file, JSON.stringify(TRANSPLANT_LANDSCAPE));
    const steps = pairs(await evolve('t', file, 't'));
    expect(steps.map(({ mutant }) => mutant.mutation.type)).toContain('transplant');
    expect(steps.map(({ mutant }) => mutant.mutation.type)).toContain('restructuring');
    for (const { mutant, parent } of steps) {
      if (parent?.type !== 'parent') throw new Error(`step ${mutant.step} has no parent entry`);
      expect([mutant.step, parent.mutation]).toEqual([mutant.step, mutant.mutation.type]);
      expect(parent.why).toMatch(new RegExp(`(^|; )${mutant.mutation.type}: from `));
    }
  });
});
