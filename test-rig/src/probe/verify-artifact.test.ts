import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { computeArtifactHash } from '../../../src/artifact/compute-artifact-hash.js';
import { readProbeSpec } from './read-probe-spec.js';
import { verifyArtifact } from './verify-artifact.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'probe-verify-'));
  await writeFile(
    path.join(dir, 'S.md'),
    '---\nid: S\nversion: 1.0.0\n---\n```entry\n{"build":"b","test":"t","start":"s","health":"/h"}\n```\n',
  );
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function verify(edit: { from: number; kept: string[] } | null = null): Promise<string[]> {
  const spec = await readProbeSpec(path.join(dir, 'S.md'));
  const result = await verifyArtifact({
    workspaceDir: path.join(dir, 'ws'),
    generation: 3,
    parentGeneration: 0,
    spec,
    replyFiles: new Map([['src/a.ts', 'a\n']]),
    producerModel: 'm',
    edit,
  });
  return result.problems.map((problem) => problem.message);
}

test('a reply path that is a symlink (to /dev/zero) is named and never read', async () => {
  await mkdir(path.join(dir, 'ws/gen-3/src'), { recursive: true });
  await symlink('/dev/zero', path.join(dir, 'ws/gen-3/src/a.ts'));
  expect(await verify()).toEqual(['gen-3/src/a.ts is not a regular file (symlink, FIFO or device)']);
});

test('a gen-N that is a symlink is not walked', async () => {
  await mkdir(path.join(dir, 'ws'), { recursive: true });
  await symlink('/', path.join(dir, 'ws/gen-3'));
  expect(await verify()).toEqual([
    'no artifact folder gen-3/ in the workspace (CAMBRIAN_WORKSPACE/gen-3; a symlink does not count)',
  ]);
});

test('a missing manifest is named after the file checks', async () => {
  await mkdir(path.join(dir, 'ws/gen-3/src'), { recursive: true });
  await mkdir(path.join(dir, 'ws/gen-3/spec'), { recursive: true });
  await writeFile(path.join(dir, 'ws/gen-3/src/a.ts'), 'a\n');
  await writeFile(path.join(dir, 'ws/gen-3/spec/S.md'), 'not the spec\n');
  expect(await verify()).toEqual([
    'gen-3/spec/S.md is not byte-identical to the spec at CAMBRIAN_SPEC_PATH',
    'no manifest.json',
  ]);
});

test('an edit-mode retry must name the failed generation and its kept files; any other attempt names neither', async () => {
  const spec = await readProbeSpec(path.join(dir, 'S.md'));
  const gen = path.join(dir, 'ws/gen-3');
  await mkdir(path.join(gen, 'spec'), { recursive: true });
  await mkdir(path.join(gen, 'src'), { recursive: true });
  await writeFile(path.join(gen, 'src/a.ts'), 'a\n');
  await writeFile(path.join(gen, 'spec/S.md'), spec.bytes);
  const files = ['spec/S.md', 'src/a.ts'];
  const manifest = {
    'cambrian-version': 1,
    generation: 3,
    'parent-generation': 0,
    'spec-id': 'S',
    'spec-version': '1.0.0',
    'spec-path': 'spec/S.md',
    'spec-hash': spec.hash,
    'artifact-hash': await computeArtifactHash({ artifactDir: gen, files }),
    'producer-model': 'm',
    'token-usage': { input: 0, output: 0, 'cache-read': 0, 'cache-write': 0 },
    files,
    'created-at': '2026-11-29T00:00:00.000Z',
    entry: spec.entry,
    contracts: [],
  };
  await writeFile(path.join(gen, 'manifest.json'), JSON.stringify(manifest));
  expect(await verify()).toEqual([]);
  expect(await verify({ from: 2, kept: ['src/a.ts'] })).toEqual([
    'manifest edited-from is undefined, expected 2',
    'manifest kept-files is undefined, expected ["src/a.ts"]',
  ]);
  await writeFile(path.join(gen, 'manifest.json'), JSON.stringify({ ...manifest, 'edited-from': 2, 'kept-files': [] }));
  expect(await verify({ from: 2, kept: ['src/a.ts'] })).toEqual(['manifest kept-files is [], expected ["src/a.ts"]']);
  expect(await verify()).toEqual([
    'manifest edited-from is 2, expected undefined',
    'manifest kept-files is [], expected undefined',
  ]);
});

test("the genome's inherited files must be in the artifact, byte for byte", async () => {
  const inherited = '```ts\n// file: src/given.ts (inherited)\nexport const given = 1;\n```\n';
  await writeFile(path.join(dir, 'S.md'), `${await readFile(path.join(dir, 'S.md'), 'utf8')}${inherited}`);
  await mkdir(path.join(dir, 'ws/gen-3/src'), { recursive: true });
  await writeFile(path.join(dir, 'ws/gen-3/src/a.ts'), 'a\n');
  const problems = await verify();
  expect(problems).toContain("gen-3/ lacks the genome's inherited files: src/given.ts");
  // A Prime that wrote the model's copy instead of the genome's.
  await writeFile(path.join(dir, 'ws/gen-3/src/given.ts'), 'export const given = 2;\n');
  expect(await verify()).toContain(
    "gen-3/src/given.ts differs from the genome's inherited block (24 bytes on disk, 24 expected, first difference at byte 21)",
  );
});
