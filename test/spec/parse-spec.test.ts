import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SpecError } from '../../src/errors.js';
import { parseSpec } from '../../src/spec/parse-spec.js';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/specs');

function parseFixture(name: string) {
  const file = path.join(FIXTURES, name);
  return parseSpec({ bytes: readFileSync(file), file });
}

function errorOf(name: string): SpecError {
  try {
    parseFixture(name);
  } catch (error) {
    if (error instanceof SpecError) return error;
    throw error;
  }
  throw new Error(`${name} parsed without an error`);
}

// One fixture per validation error: the code, the line it points at, and a fragment of what it says.
const CASES: Array<[fixture: string, code: string, line: number, says: string]> = [
  ['no-front-matter.md', 'E_SPEC_FRONT_MATTER', 1, 'no front matter'],
  ['front-matter-unclosed.md', 'E_SPEC_FRONT_MATTER', 1, 'never closed'],
  ['bad-yaml.md', 'E_SPEC_YAML', 4, 'bad YAML in the front matter'],
  ['missing-field.md', 'E_SPEC_FRONT_MATTER', 5, 'missing `title`'],
  ['invalid-id.md', 'E_SPEC_FRONT_MATTER', 2, 'is not a spec id'],
  ['invalid-kind.md', 'E_SPEC_FRONT_MATTER', 5, 'kind "library" is not one of prime, service'],
  ['bad-changes.md', 'E_SPEC_FRONT_MATTER', 6, '`changes` must be a list of strings'],
  ['bad-version.md', 'E_SPEC_VERSION', 3, 'version 1 is not semver'],
  ['bad-version-string.md', 'E_SPEC_VERSION', 3, 'version "v1.0.0-" is not semver'],
  ['bad-parent-version.md', 'E_SPEC_VERSION', 6, 'parent-version "latest" is not semver'],
  ['no-title.md', 'E_SPEC_TITLE', 7, 'no `# ` title'],
  ['two-titles.md', 'E_SPEC_TITLE', 10, 'a second `# ` title (the first is at line 8)'],
  ['unclosed-fence.md', 'E_SPEC_FENCE', 26, 'never closed'],
  ['frozen-unclosed.md', 'E_SPEC_FROZEN', 12, 'FROZEN region "purpose" is never closed'],
  ['frozen-nested.md', 'E_SPEC_FROZEN', 14, 'begins inside FROZEN region "outer" (line 12)'],
  ['frozen-duplicate.md', 'E_SPEC_FROZEN', 16, 'duplicate FROZEN region "rule" (first at line 12)'],
  ['frozen-end-without-begin.md', 'E_SPEC_FROZEN', 13, 'without a matching BEGIN'],
  ['frozen-mismatched.md', 'E_SPEC_FROZEN', 14, 'does not match the open region "purpose"'],
  ['frozen-malformed.md', 'E_SPEC_FROZEN', 12, 'malformed FROZEN marker'],
  ['prime-no-frozen.md', 'E_SPEC_FROZEN', 65, 'a prime spec needs at least one FROZEN region'],
  ['duplicate-section.md', 'E_SPEC_DUPLICATE_SECTION', 24, 'duplicate section "## purpose" (first at line 10)'],
  ['contracts-not-array.md', 'E_SPEC_CONTRACTS', 27, 'not a JSON array'],
  ['contracts-bad-json.md', 'E_SPEC_CONTRACTS', 29, 'bad JSON in the contracts block'],
  ['contracts-bad-item.md', 'E_SPEC_CONTRACTS', 27, 'contracts[1]: field `path`: must start with /'],
  ['vector-missing-status.md', 'E_SPEC_VECTOR', 30, 'field `expect.status` is missing'],
  ['vector-bad-method.md', 'E_SPEC_VECTOR', 28, 'field `method`'],
  ['vector-list-bad-item.md', 'E_SPEC_VECTOR', 36, 'item 2: field `expect.status`'],
  ['vector-unknown-field.md', 'E_SPEC_VECTOR', 33, 'unknown field `expect.bodyContains`'],
  ['vector-duplicate-name.md', 'E_SPEC_VECTOR', 34, 'duplicate spec-vector name "health" (first at line 27)'],
  ['vector-bad-yaml.md', 'E_SPEC_YAML', 29, 'bad YAML in a spec-vector block'],
  ['no-vector.md', 'E_SPEC_VECTOR', 26, 'no ```spec-vector block'],
  ['entry-bad-json.md', 'E_SPEC_ENTRY', 22, 'bad JSON in the entry block'],
  ['entry-missing-field.md', 'E_SPEC_ENTRY', 21, 'field `test` is missing'],
  ['entry-duplicate.md', 'E_SPEC_ENTRY', 24, 'a second entry block (the first is at line 20)'],
  ['no-entry.md', 'E_SPEC_ENTRY', 31, 'no ```entry block'],
  ['missing-section.md', 'E_SPEC_MISSING_SECTION', 8, 'a service spec needs the section "## Environment"'],
];

describe('parseSpec validation', () => {
  it.each(CASES)('%s → %s at line %i', (fixture, code, line, says) => {
    const error = errorOf(fixture);
    expect(error.code).toBe(code);
    expect(error.line).toBe(line);
    expect(error.file).toBe(path.join(FIXTURES, fixture));
    expect(error.message).toContain(`${fixture}:${line}: `);
    expect(error.message).toContain(says);
    expect(error.hint?.length ?? 0).toBeGreaterThan(10);
  });

  it('reports the JSON line even when Node does not give a position', () => {
    // "start": node main.js is on the second line of the entry block; Node 20 says only "Unexpected token 'o'".
    const error = errorOf('entry-bad-json.md');
    const lines = readFileSync(path.join(FIXTURES, 'entry-bad-json.md'), 'utf8').split('\n');
    expect(lines[(error.line ?? 0) - 1]).toContain('"start": node main.js');
  });
});

describe('parseSpec on valid specs', () => {
  it('reads a service spec: front matter, sections, vectors, entry with the default start timeout, hash', () => {
    const spec = parseFixture('valid-service.md');
    expect(spec).toMatchObject({
      id: 'TEST-SPEC-001',
      version: '1.0.0',
      title: 'Fixture service',
      kind: 'service',
      parentVersion: null,
      changes: [],
      contracts: [],
      frozen: [],
    });
    expect(spec.sections.map((section) => [section.title, section.startLine, section.endLine])).toEqual([
      ['Purpose', 10, 12],
      ['Interface', 14, 16],
      ['Environment', 18, 22],
      ['Acceptance', 24, 33],
    ]);
    expect(spec.vectors).toEqual([
      { name: 'health', method: 'GET', path: '/health', expect: { status: 200, body: { ok: true } } },
    ]);
    expect(spec.entry).toEqual({
      build: 'true',
      test: 'true',
      start: 'node main.js',
      health: '/health',
      startTimeoutMs: 15_000,
    });
    const bytes = readFileSync(path.join(FIXTURES, 'valid-service.md'));
    expect(spec.hash).toBe(`sha256:${createHash('sha256').update(bytes).digest('hex')}`);
    expect(spec.bytes.equals(bytes)).toBe(true);
  });

  it('reads a prime spec: ### belongs to its ##, nothing inside a fence is a heading, marker or block', () => {
    const spec = parseFixture('valid-prime.md');
    expect(spec.kind).toBe('prime');
    expect(spec.sections.map((section) => section.title)).toEqual([
      'Invariants',
      'Glossary',
      'Interfaces',
      'File Blocks',
      'Manifest',
      'Generation Loop',
      'Prompts',
      'Configuration',
      'Purpose',
      'Interface',
      'Environment',
      'Acceptance',
    ]);
    const invariants = spec.sections[0];
    expect(invariants?.text).toContain('### Examples');
    expect(invariants?.text).toContain('## Not a section');
    expect(spec.frozen).toEqual([
      { name: 'invariants', startLine: 12, endLine: 14, text: 'The organism never holds a provider key.' },
    ]);
    expect(spec.contracts).toEqual([]);
  });

  it('concatenates contracts blocks verbatim and accepts CRLF line endings', () => {
    const base = readFileSync(path.join(FIXTURES, 'valid-service.md'), 'utf8');
    const contract = (name: string) =>
      `\`\`\`contracts\n[{"type": "http", "name": "${name}", "method": "GET", "path": "/health", "expect": {"status": 200}, "note": 1}]\n\`\`\`\n`;
    const text = base.replace('## Acceptance\n', `## Acceptance\n\n${contract('a')}\n${contract('b')}`);
    // A contract's fields are checked like a vector's, so a misspelt field is an error rather than ignored.
    expect(() => parseSpec({ bytes: Buffer.from(text), file: 'x.md' })).toThrow(/unknown field `note`/);
    const clean = text.replaceAll(', "note": 1', '').replaceAll('\n', '\r\n');
    const spec = parseSpec({ bytes: Buffer.from(clean), file: 'x.md' });
    expect(spec.contracts).toEqual([
      { type: 'http', name: 'a', method: 'GET', path: '/health', expect: { status: 200 } },
      { type: 'http', name: 'b', method: 'GET', path: '/health', expect: { status: 200 } },
    ]);
    expect(spec.sections.map((section) => section.title)).toEqual([
      'Purpose',
      'Interface',
      'Environment',
      'Acceptance',
    ]);
  });
});
