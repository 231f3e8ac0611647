import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseProgram } from '../../src/change/parse-program.js';
import { findEngineRoot } from '../../src/version.js';

const GOOD = `# Task: Add a test

Objective text.

## Files
- \`src/a.ts\` (read)
- test/a.test.ts

## Acceptance Criteria
- one
  continued
- two

## Constraints
- none
`;

describe('parseProgram', () => {
  it('reads title, objective, files, criteria and constraints, and hashes the bytes', () => {
    const { program, issues } = parseProgram(GOOD);
    expect(issues).toEqual([]);
    expect(program).toMatchObject({
      title: 'Add a test',
      objective: 'Objective text.',
      spec: null,
      files: ['src/a.ts', 'test/a.test.ts'],
      acceptance: ['one continued', 'two'],
      constraints: ['none'],
    });
    expect(program?.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('names the line of every problem', () => {
    const text = [
      'Some prose first', // 1: not a title
      '',
      '## Files', // 3
      '- ../etc/passwd', // 4: escapes
      '## Acceptance Criteria', // 5: no bullets
      'just prose', // 6
      '## Wishes', // 7: unknown
      '## Files', // 8: again
    ].join('\n');
    const { program, issues } = parseProgram(text);
    expect(program).toBeNull();
    expect(issues.map((i) => i.line)).toEqual([1, 4, 5, 6, 7, 8]);
    expect(issues.find((i) => i.line === 4)?.message).toContain('".."');
    expect(issues.find((i) => i.line === 7)?.message).toContain('unknown heading');
    expect(issues.find((i) => i.line === 8)?.message).toContain('first at line 3');
  });

  it('requires an objective and acceptance criteria, and one spec id', () => {
    const { issues } = parseProgram('# Task: x\n## Spec\nA B\n');
    expect(issues.map((i) => i.message).join('\n')).toMatch(/no objective[\s\S]*one spec id[\s\S]*Acceptance Criteria/);
    expect(parseProgram('# Task:   \n\nobj\n## Acceptance Criteria\n- a\n').issues[0]).toEqual({
      line: 1,
      message: '"# Task:" has no title',
    });
  });

  it('refuses an oversized program', () => {
    const { issues } = parseProgram(`# Task: big\n\n${'x'.repeat(40_000)}\n## Acceptance Criteria\n- a\n`);
    expect(issues[0]?.message).toContain('keep it under');
  });

  it('accepts every shipped example program', async () => {
    const dir = path.join(findEngineRoot(), 'examples', 'programs');
    const names = (await readdir(dir)).filter((name) => name.endsWith('.md'));
    expect(names.length).toBeGreaterThanOrEqual(2);
    for (const name of names) {
      const { program, issues } = parseProgram(await readFile(path.join(dir, name), 'utf8'));
      expect(issues, name).toEqual([]);
      expect(['CAMBRIAN-SPEC-005', 'MINIMAL-SPEC-001']).toContain(program?.spec);
    }
  });
});
