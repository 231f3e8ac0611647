import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import type { ArchiveMember } from '../../src/evolve/build-archive.js';
import { readLog } from '../../src/evolve/evolve-log.js';
import { mutateExemplar } from '../../src/evolve/mutate-exemplar.js';
import { pickDonor } from '../../src/evolve/pick-donor.js';
import { transplantSection } from '../../src/evolve/transplant-section.js';
import { loadSpec } from '../../src/spec/load-spec.js';
import { parseSpec, type Spec } from '../../src/spec/parse-spec.js';
import { TRANSPLANT_LANDSCAPE } from './transplant-landscape.js';

const root = path.resolve(import.meta.dirname, '../..');
const bin = path.join(root, 'dist/src/cli/bin.js');
const dir = mkdtempSync(path.join(tmpdir(), 'cambrian-transplant-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const landscape = TRANSPLANT_LANDSCAPE;

describe('transplant on a plateau (simulation)', () => {
  it('carries the section of the distant sibling into the head, made by the exemplar, guarded and screened like any mutant', async () => {
    const file = path.join(dir, 'landscape.json');
    writeFileSync(file, JSON.stringify(landscape));
    const gens = path.join(dir, 'generations');
    const args = ['evolve', '--spec', 'CAMBRIAN-SPEC-005', '--simulate', file, '--length', '16', '--seed', 't'];
    await promisify(execFile)(process.execPath, [bin, ...args, '--generations', gens]);
    const run = readdirSync(path.join(gens, '.cambrian/evolve'))[0] ?? '';
    const entries = await readLog(path.join(gens, '.cambrian/evolve', run, 'log.jsonl'));
    const mutants = entries.filter((e) => e.type === 'mutant');
    const named = (name: string) => mutants.find((e) => e.mutation.name === name);
    const sibling = named('glossary-note');
    const head = named('env-note');
    expect(entries).toContainEqual(
      expect.objectContaining({ type: 'decision', version: head?.version, decision: 'promote' }),
    );
    expect(entries.filter((e) => e.type === 'rejected' && e.by === 'guard')).toHaveLength(3);

    const plateau = entries.find((e) => e.type === 'monitor' && e.rule === 'plateau');
    if (plateau?.type !== 'monitor') throw new Error('no plateau decision in the log');
    const transplant = mutants.find((e) => e.mutation.type === 'transplant');
    expect(transplant?.step).toBe(plateau.step);
    expect(transplant?.parentVersion).toBe(head?.version);
    expect(transplant?.mutation.name).toBe(`transplant-glossary-${sibling?.version}`);
    // The head's text with the sibling's Glossary section: both paragraphs, and it passed the guard and the screen.
    const spec = (v: string | undefined) =>
      parseSpec({ bytes: readFileSync(path.join(gens, '.cambrian/specs', `CAMBRIAN-SPEC-005@${v}.md`)), file: 'x' });
    const made = spec(transplant?.version);
    const glossary = (s: ReturnType<typeof spec>) => s.sections.find((x) => x.title === 'Glossary')?.text;
    expect(glossary(made)).toBe(glossary(spec(sibling?.version)));
    expect(made.text).toContain('Paragraph of env-note');
    expect(made.text).toContain('Paragraph of glossary-note');
    expect(entries).toContainEqual(expect.objectContaining({ type: 'admitted', version: transplant?.version }));
  });
});

describe('picking the donor of a transplant', () => {
  it('takes the elite that makes a new spec, and none when every transplant only remakes a version of the run', async () => {
    const base = await loadSpec('CAMBRIAN-SPEC-005');
    const [glossary, env] = landscape.edits;
    if (glossary === undefined || env === undefined) throw new Error('landscape');
    const make = (parent: Spec, e: typeof glossary, version: string): Spec =>
      parseSpec({ bytes: mutateExemplar({ parent, edit: { ...e, type: 'refinement' }, version }), file: version });
    const sibling = make(base, glossary, '9.0.1');
    const head = make(base, env, '9.0.2');
    const member = (spec: Spec, viability: 0 | 1 | 2 | 3): ArchiveMember => ({
      version: spec.version,
      parentVersion: base.version,
      viable: 1,
      attempts: 2,
      mean: viability / 4,
      tokensPerAttempt: 1,
      descriptor: { viability, cost: 'same', stage: 'test' },
      cell: `v${viability}/same/test`,
    });
    const elites = [member(head, 3), member(base, 1), member(sibling, 0)];
    const archive = { elites, members: elites };
    const specs = new Map([base, sibling, head].map((s) => [s.version, s]));
    // The base is nearer than the sibling, and carrying its Environment back would only remake the base.
    expect(pickDonor({ archive, head, specs })).toMatchObject({ donor: { version: '9.0.1' }, section: 'Glossary' });
    const both = parseSpec({
      bytes: transplantSection({ recipient: head, donor: sibling, section: 'Glossary', version: '9.0.3' }),
      file: 'x',
    });
    specs.set(both.version, both);
    expect(pickDonor({ archive, head, specs })).toBeNull();
  });
});
