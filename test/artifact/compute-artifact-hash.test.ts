import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeArtifactHash } from '../../src/artifact/compute-artifact-hash.js';

// Known answer, computed outside this code base from the byte stream the contract defines:
//   printf 'Z.txt\0a\0bcab\0csrc/\xc3\xa9.ts\0x\n' | sha256sum
// (files sorted by code unit: "Z.txt" < "a" < "ab" < "src/é.ts"; each path as UTF-8, a NUL, its bytes; manifest.json out)
const KNOWN = 'sha256:e5f6a826fbbb4141daac1a3c410e37b5c0008dd8e4980be15471211983f6ae77';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'cambrian-hash-'));
  await mkdir(path.join(dir, 'src'));
  await writeFile(path.join(dir, 'a'), 'bc');
  await writeFile(path.join(dir, 'ab'), 'c');
  await writeFile(path.join(dir, 'Z.txt'), '');
  await writeFile(path.join(dir, 'src', 'é.ts'), 'x\n');
  await writeFile(path.join(dir, 'manifest.json'), '{"not":"hashed"}');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const FILES = ['src/é.ts', 'manifest.json', 'ab', 'a', 'Z.txt'];

describe('computeArtifactHash', () => {
  it('gives the known answer for a fixed tree (order of the list, manifest.json and NUL separators all matter)', async () => {
    expect(await computeArtifactHash({ artifactDir: dir, files: FILES })).toBe(KNOWN);
  });

  it('changes when one byte of one file changes', async () => {
    await writeFile(path.join(dir, 'ab'), 'd');
    try {
      expect(await computeArtifactHash({ artifactDir: dir, files: FILES })).not.toBe(KNOWN);
    } finally {
      await writeFile(path.join(dir, 'ab'), 'c');
    }
  });

  it('leaves manifest.json out: its bytes do not move the hash', async () => {
    await writeFile(path.join(dir, 'manifest.json'), '{"other":"bytes"}');
    expect(await computeArtifactHash({ artifactDir: dir, files: FILES })).toBe(KNOWN);
  });
});
