import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { readLog } from '../../src/evolve/evolve-log.js';
import { guardMutation } from '../../src/evolve/guard-mutation.js';
import { restructurableSections, restructureSection } from '../../src/evolve/restructure-section.js';
import { screenExemplar } from '../../src/evolve/screen-mutation.js';
import { loadSpec } from '../../src/spec/load-spec.js';
import { parseSpec } from '../../src/spec/parse-spec.js';

const root = path.resolve(import.meta.dirname, '../..');
const bin = path.join(root, 'dist/src/cli/bin.js');
const dir = mkdtempSync(path.join(tmpdir(), 'cambrian-restructure-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('restructuring (Type 3)', () => {
  it('moves the last part of a section to its front, every line kept, and passes the guard and the screen', async () => {
    const parent = await loadSpec('CAMBRIAN-SPEC-005');
    const [section] = restructurableSections(parent, []);
    if (section === undefined) throw new Error('the genome has no section to restructure');
    const bytes = restructureSection({ spec: parent, section, version: '9.9.9' });
    const made = parseSpec({ bytes, file: 'made.md' });
    const before = parent.sections.find((s) => s.title === section)?.text ?? '';
    const after = made.sections.find((s) => s.title === section)?.text ?? '';
    expect(after).not.toBe(before);
    const sorted = (text: string) =>
      text
        .split('\n')
        .filter((l) => l.trim() !== '')
        .sort();
    expect(sorted(after)).toEqual(sorted(before));
    const lastPart = before.split('\n\n').at(-1) ?? '';
    expect(after.split('\n\n')[1]).toBe(lastPart);
    // Every other section byte-equal.
    for (const s of parent.sections)
      if (s.title !== section) expect(made.sections.find((m) => m.title === s.title)?.text).toBe(s.text);
    expect(guardMutation({ parent, bytes, file: 'm' }).ok).toBe(true);
    expect(JSON.parse(screenExemplar({ parent, mutant: made })).coherent).toBe(true);
    // Once restructured in a run, a section is not offered again.
    expect(restructurableSections(parent, made.changes)).not.toContain(section);
  });

  it('in a simulated run, a collapsing archive makes the meta-monitor ask for it and the exemplar play it', async () => {
    // Near-certain viability and neutral edits: every version lands in the same cell, and the archive collapses.
    const edit = (name: string, section: string) => ({
      name,
      section,
      text: `Paragraph of ${name}, which changes nothing that matters.`,
      why: `${name} rewords ${section}`,
      effect: 0,
    });
    const landscape = {
      spec: 'CAMBRIAN-SPEC-005',
      base: { viability: 0.98, failStage: 'test' },
      edits: [edit('n1', 'Glossary'), edit('n2', 'Prompts'), edit('n3', 'Environment'), edit('n4', 'Glossary')],
    };
    const file = path.join(dir, 'landscape.json');
    writeFileSync(file, JSON.stringify(landscape));
    const gens = path.join(dir, 'generations');
    const args = ['evolve', '--spec', 'CAMBRIAN-SPEC-005', '--simulate', file, '--length', '16', '--seed', 'r'];
    await promisify(execFile)(process.execPath, [bin, ...args, '--generations', gens]);
    const run = readdirSync(path.join(gens, '.cambrian/evolve'))[0] ?? '';
    const entries = await readLog(path.join(gens, '.cambrian/evolve', run, 'log.jsonl'));
    const collapse = entries.find((e) => e.type === 'monitor' && e.rule === 'collapse');
    if (collapse?.type !== 'monitor') throw new Error('no collapse decision in the log');
    expect(collapse.mutation).toBe('restructuring');
    const mutant = entries.find((e) => e.type === 'mutant' && e.step === collapse.step);
    if (mutant?.type !== 'mutant') throw new Error('no mutant at the collapse step');
    expect(mutant.mutation).toEqual({ type: 'restructuring', name: 'restructure-configuration' });
    const made = readFileSync(path.join(gens, '.cambrian/specs', `CAMBRIAN-SPEC-005@${mutant.version}.md`), 'utf8');
    expect(made).toContain('restructured, its last part moved to the front');
    expect(entries).toContainEqual(expect.objectContaining({ type: 'admitted', version: mutant.version }));
  });
});
