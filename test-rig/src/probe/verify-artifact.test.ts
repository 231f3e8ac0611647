import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
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

async function verify(): Promise<string[]> {
  const spec = await readProbeSpec(path.join(dir, 'S.md'));
  const result = await verifyArtifact({
    workspaceDir: path.join(dir, 'ws'),
    generation: 3,
    parentGeneration: 0,
    spec,
    replyFiles: new Map([['src/a.ts', 'a\n']]),
    producerModel: 'm',
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
