import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkManifest } from '../../src/rig/check-manifest.js';
import { readInheritedFiles } from '../../src/spec/read-inherited-files.js';
import { RIG_SPEC_PATH, sealFixture } from '../rig/seal-fixture.js';

const FRONT = '---\nid: INHERIT-TEST-001\nversion: 1.0.0\ntitle: t\nkind: service\n---\n\n# t\n\n';
const read = (body: string) => readInheritedFiles({ text: FRONT + body, file: 'INHERIT.md' });

describe('readInheritedFiles', () => {
  it('takes every block labelled `// file: <path> (inherited)`, whatever its fence, label line left out', () => {
    const body = [
      '```ts',
      '// file: src/a.ts (inherited)',
      'export const a = 1;',
      '```',
      '```ts',
      '// file: src/shown-only.ts',
      'export const b = 2;',
      '```',
      '~~~json',
      '// file: package.json (inherited)',
      '{ "type": "module" }',
      '~~~',
      '````text',
      '```ts',
      '// file: src/quoted.ts (inherited)',
      '```',
      '````',
    ].join('\n');
    expect(read(body)).toEqual([
      { path: 'src/a.ts', content: 'export const a = 1;\n', line: 10 },
      { path: 'package.json', content: '{ "type": "module" }\n', line: 18 },
    ]);
  });

  it('refuses a path that leaves the artifact, the spec copy, and a file inherited twice', () => {
    expect(() => read('```ts\n// file: ../x.ts (inherited)\n```\n')).toThrow(
      /INHERIT\.md:10: the inherited file .*\.\./,
    );
    expect(() => read('```md\n// file: spec/INHERIT-TEST-001.md (inherited)\n```\n')).toThrow('is the spec copy');
    expect(() => read('```ts\n// file: a.ts (inherited)\n```\n```ts\n// file: a.ts (inherited)\n```\n')).toThrow(
      'INHERIT.md:13: a.ts is inherited twice (first at line 10)',
    );
  });
});

describe('the manifest stage checks inherited files against the trusted genome', () => {
  async function judge(files: Record<string, string>) {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'inherit-spec-'));
    const specPath = path.join(dir, 'RIG-TEST-001.md');
    const inherited = ['', '```js', '// file: lib/given.mjs (inherited)', 'export const given = 42;', '```', ''];
    await writeFile(specPath, (await readFile(RIG_SPEC_PATH, 'utf8')) + inherited.join('\n'));
    const fixture = await sealFixture({ name: 'good-service', specPath, files });
    try {
      return await checkManifest({ artifactDir: fixture.dir, spec: fixture.spec, rejected: [] });
    } finally {
      await fixture.cleanup();
      await rm(dir, { recursive: true, force: true });
    }
  }

  it('passes the byte-equal file, names a changed or missing one', async () => {
    expect((await judge({ 'lib/given.mjs': 'export const given = 42;\n' })).passed).toBe(true);
    const changed = await judge({ 'lib/given.mjs': 'export const given = 41;\n' });
    expect(changed).toMatchObject({ passed: false, failures: [{ file: 'lib/given.mjs' }] });
    expect(changed.passed === false && changed.summary).toMatch(
      /^the inherited file lib\/given\.mjs is not byte-equal/,
    );
    const missing = await judge({});
    expect(missing.passed === false && missing.summary).toBe('the inherited file lib/given.mjs is missing');
  });
});
