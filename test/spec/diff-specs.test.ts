import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { diffSpecs } from '../../src/spec/diff-specs.js';
import { parseSpec } from '../../src/spec/parse-spec.js';
import { renderSpecDiff } from '../../src/spec/render-spec-diff.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const FIXTURES = path.join(ROOT, 'test/fixtures/specs');

function parseFile(file: string) {
  return parseSpec({ bytes: readFileSync(file), file });
}

function parseText(text: string) {
  return parseSpec({ bytes: Buffer.from(text), file: 'inline.md' });
}

describe('diffSpecs', () => {
  const older = parseFile(path.join(ROOT, 'spec/archive/MINIMAL-SPEC-001@0.1.0.md'));
  const newer = parseFile(path.join(ROOT, 'spec/MINIMAL-SPEC-001.md'));

  it('summarises MINIMAL-SPEC-001 0.1.0 → 0.2.0 section by section', () => {
    const diff = diffSpecs(older, newer);
    expect(diff.a).toEqual({ id: 'MINIMAL-SPEC-001', version: '0.1.0', hash: older.hash });
    expect(diff.b).toEqual({ id: 'MINIMAL-SPEC-001', version: '0.2.0', hash: newer.hash });
    expect(diff.frontMatter.map((change) => change.key)).toEqual(['version', 'parent-version', 'changes']);
    expect(diff.frontMatter[0]).toEqual({ key: 'version', before: '0.1.0', after: '0.2.0' });
    expect(diff.frontMatter[1]).toEqual({ key: 'parent-version', before: null, after: '0.1.0' });
    const byTitle = Object.fromEntries(diff.sections.map((section) => [section.title, section]));
    expect(byTitle.Purpose).toEqual({ title: 'Purpose', status: 'unchanged', added: 0, removed: 0 });
    // The Interface table gained the GET /echo?msg row and rewrote the 404 row.
    expect(byTitle.Interface).toEqual({ title: 'Interface', status: 'changed', added: 2, removed: 1 });
    expect(byTitle.Acceptance?.status).toBe('changed');
    expect(diff.frozenViolations).toEqual([]);
    expect(diff.unified).toContain('+| `GET /echo?msg=<text>`');
    expect(diff.unified).toContain('--- MINIMAL-SPEC-001@0.1.0');
    expect(diff.unified).toContain('+++ MINIMAL-SPEC-001@0.2.0');
  });

  it('places added and removed sections and reports an identical spec as unchanged', () => {
    const base = readFileSync(path.join(FIXTURES, 'valid-service.md'), 'utf8');
    const before = `${base.replace('## Interface\n', '## Notes\n\nA note.\n\n## Interface\n')}\n## Appendix\n\nMore.\n`;
    const after = base
      .replace('## Acceptance\n', '## Limits\n\nOne request at a time.\n\n## Acceptance\n')
      .replace('Answer health checks.', 'Answer health checks quickly.');
    const diff = diffSpecs(parseText(before), parseText(after));
    expect(diff.sections.map((section) => [section.title, section.status])).toEqual([
      ['Purpose', 'changed'],
      ['Notes', 'removed'],
      ['Interface', 'unchanged'],
      ['Environment', 'unchanged'],
      ['Limits', 'added'],
      ['Acceptance', 'unchanged'],
      ['Appendix', 'removed'],
    ]);
    expect(diff.sections[0]).toMatchObject({ added: 1, removed: 1 });
    expect(diff.sections[1]).toMatchObject({ added: 0, removed: 3 });
    expect(diff.sections.find((section) => section.title === 'Limits')).toMatchObject({ added: 3, removed: 0 });
    const same = diffSpecs(parseText(base), parseText(base));
    expect(same.sections.every((section) => section.status === 'unchanged')).toBe(true);
    expect(same.frontMatter).toEqual([]);
  });

  it('flags every FROZEN region that changed, vanished or appeared, and shows a changed preamble', () => {
    const prime = readFileSync(path.join(FIXTURES, 'valid-prime.md'), 'utf8');
    const edited = prime
      .replace('The organism never holds a provider key.', 'The organism may hold a provider key.')
      .replace('About glossary.', '<!-- BEGIN FROZEN: glossary -->\nTerms.\n<!-- END FROZEN: glossary -->')
      .replace('# TEST-SPEC-001: fixture', '# TEST-SPEC-001: fixture, renamed');
    const diff = diffSpecs(parseText(prime), parseText(edited));
    expect(diff.frozenViolations).toEqual([
      { name: 'invariants', status: 'changed' },
      { name: 'glossary', status: 'added' },
    ]);
    expect(diff.sections[0]).toEqual({ title: '(preamble)', status: 'changed', added: 1, removed: 1 });
    const back = diffSpecs(parseText(edited), parseText(prime));
    expect(back.frozenViolations).toContainEqual({ name: 'glossary', status: 'removed' });

    const text = renderSpecDiff(diff, { color: false });
    expect(text).toContain('VIOLATION: FROZEN region "invariants" changed');
    expect(text).not.toContain('\u001b[');
    expect(renderSpecDiff(diff, { color: true })).toContain('\u001b[');
  });
});
