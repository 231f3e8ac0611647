import { existsSync } from 'node:fs';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { writeArtifact } from '../src/artifact.js';
import { computeArtifactHash } from '../src/artifact-hash.js';
import { hashBytes, readFencedBlock, readInheritedFiles, readSpec } from '../src/spec.js';
import { END, makeTempDir, recomputeArtifactHash, specText } from './helpers.js';

const FENCE = '```';

async function walk(root: string, rel = ''): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(path.join(root, rel), { withFileTypes: true })) {
    const child = rel === '' ? entry.name : `${rel}/${entry.name}`;
    if (rel === '' && ['node_modules', 'dist', 'manifest.json'].includes(entry.name)) continue;
    if (entry.isDirectory()) found.push(...(await walk(root, child)));
    else found.push(child);
  }
  return found.sort();
}

let temp: Awaited<ReturnType<typeof makeTempDir>>;
beforeEach(async () => {
  temp = await makeTempDir();
});
afterEach(async () => {
  await temp.remove();
});

describe('readSpec', () => {
  test('reads id, version, hash, entry and contracts', async () => {
    const file = path.join(temp.dir, 'spec.md');
    await writeFile(file, specText());
    const spec = await readSpec(file);
    expect(spec).toMatchObject({ id: 'TEST-SPEC-001', version: '1.2.3', retry: 'full', copyPath: 'spec/TEST-SPEC-001.md' });
    expect(spec.hash).toBe(hashBytes(Buffer.from(specText())));
    expect(spec.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(spec.entry).toEqual({ build: 'tsc -p tsconfig.json', test: 'vitest run', start: 'node dist/src/main.js', health: '/health' });
    expect(spec.contracts).toEqual([{ name: 'health', type: 'http', method: 'GET', path: '/health', expect: { status: 200 } }]);
  });

  test('names the spec and what is missing', async () => {
    const file = path.join(temp.dir, 'bad.md');
    await writeFile(file, specText().replace('```entry', '```text'));
    await expect(readSpec(file)).rejects.toThrow(`${file}: no \`\`\`entry block`);
    await writeFile(file, specText().replace('id: TEST-SPEC-001', 'id: ../escape'));
    await expect(readSpec(file)).rejects.toThrow('needs an id line');
    await expect(readSpec(path.join(temp.dir, 'missing.md'))).rejects.toThrow('cannot read the spec');
    await writeFile(file, specText().replace('kind: prime', 'retry: patch'));
    await expect(readSpec(file)).rejects.toThrow(`${file}: retry must be edit or full, not "patch"`);
  });

  test('readFencedBlock takes the first fence with that info word, skipping fences nested in other fences', () => {
    expect(readFencedBlock(`a\n${FENCE}x\n1\n2\n${FENCE}\n${FENCE}x\n3\n${FENCE}\n`, 'x')).toBe('1\n2');
    const nested = ['~~~~text', `${FENCE}x`, 'inner', FENCE, '~~~~', `${FENCE}${FENCE} x json`, 'outer', FENCE, `${FENCE}${FENCE}`];
    expect(readFencedBlock(nested.join('\n'), 'x')).toBe(`outer\n${FENCE}`);
    expect(readFencedBlock(`${FENCE}y\n${FENCE}x\n${FENCE}\n`, 'x')).toBeNull();
    expect(readFencedBlock('nothing', 'x')).toBeNull();
  });
});

describe('writeArtifact', () => {
  async function write(files: { path: string; content: string }[]) {
    const specFile = path.join(temp.dir, 'spec.md');
    await writeFile(specFile, specText());
    const spec = await readSpec(specFile);
    const workspace = path.join(temp.dir, 'workspace');
    const usage = { input: 10, output: 20, 'cache-read': 3, 'cache-write': 4 };
    return { spec, workspace, ...(await writeArtifact({ workspace, generation: 7, parent: 2, files, spec, model: 'm-1', usage, editOf: null })) };
  }

  test('writes the files, a byte-identical spec copy and a manifest whose hashes verify', async () => {
    const { dir, manifest, workspace, spec } = await write([
      { path: 'src/main.ts', content: 'console.log(1);\n' },
      { path: 'package.json', content: '{}\n' },
      { path: 'spec/TEST-SPEC-001.md', content: 'the LLM tried to write the spec\n' },
    ]);
    expect(dir).toBe(path.join(workspace, 'gen-7'));
    expect(await readFile(path.join(dir, 'spec/TEST-SPEC-001.md'))).toEqual(Buffer.from(specText()));
    expect(await readFile(path.join(dir, 'src/main.ts'), 'utf8')).toBe('console.log(1);\n');
    const onDisk = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8'));
    expect(onDisk).toEqual(manifest);
    expect(Object.keys(onDisk)).toEqual([
      'cambrian-version', 'generation', 'parent-generation', 'spec-id', 'spec-version', 'spec-path', 'spec-hash',
      'artifact-hash', 'producer-model', 'token-usage', 'files', 'created-at', 'entry', 'contracts',
    ]);
    expect(onDisk).toMatchObject({
      'cambrian-version': 1, generation: 7, 'parent-generation': 2, 'spec-id': 'TEST-SPEC-001', 'spec-version': '1.2.3',
      'spec-path': 'spec/TEST-SPEC-001.md', 'spec-hash': hashBytes(Buffer.from(specText())), 'producer-model': 'm-1',
      'token-usage': { input: 10, output: 20, 'cache-read': 3, 'cache-write': 4 },
      files: ['package.json', 'spec/TEST-SPEC-001.md', 'src/main.ts'],
      entry: spec.entry,
      contracts: spec.contracts,
    });
    expect(onDisk.files).toEqual(await walk(dir));
    expect(onDisk['artifact-hash']).toBe(await recomputeArtifactHash(dir, onDisk.files));
    expect(Number.isNaN(Date.parse(onDisk['created-at']))).toBe(false);
    expect(await readdir(workspace)).toEqual(['gen-7']);
    // A reply file where the spec copy needs its folder gives way to the copy.
    const clashing = await write([{ path: 'spec', content: 'x\n' }, { path: 'a.txt', content: 'a\n' }]);
    expect(clashing.manifest.files).toEqual(['a.txt', 'spec/TEST-SPEC-001.md']);
  });

  test('writes the inherited files of the spec over any reply file at, under or above their paths', async () => {
    const inherited = [`${FENCE}ts`, '// file: src/kept.ts (inherited)', 'export const kept = 1;', FENCE, `${FENCE}json`,
      '// file: conf/a.json (inherited)', '{}', FENCE, `${FENCE}ts`, '// file: src/kept.ts (inherited)', 'second', FENCE].join('\n');
    const specFile = path.join(temp.dir, 'inheriting.md');
    await writeFile(specFile, `${specText()}\n${inherited}\n`);
    const spec = await readSpec(specFile);
    expect(spec.inherited).toEqual([{ path: 'src/kept.ts', content: 'export const kept = 1;\n' }, { path: 'conf/a.json', content: '{}\n' }]);
    const files = [{ path: 'src/kept.ts', content: 'the model rewrote it\n' }, { path: 'conf', content: 'x\n' }, { path: 'src/b.ts', content: 'b\n' }];
    const usage = { input: 0, output: 0, 'cache-read': 0, 'cache-write': 0 };
    const { dir, manifest } = await writeArtifact({ workspace: temp.dir, generation: 1, parent: 0, files, spec, model: 'm', usage, editOf: null });
    expect(manifest.files).toEqual(['conf/a.json', 'spec/TEST-SPEC-001.md', 'src/b.ts', 'src/kept.ts']);
    expect(await readFile(path.join(dir, 'src/kept.ts'), 'utf8')).toBe('export const kept = 1;\n');
    expect(await readFile(path.join(dir, 'conf/a.json'), 'utf8')).toBe('{}\n');
    await writeFile(specFile, `${specText()}\n${FENCE}ts\n// file: ../x.ts (inherited)\n${FENCE}\n`);
    await expect(readSpec(specFile)).rejects.toThrow('inherited file "../x.ts"');
  });

  test('refuses a path that escapes the artifact and leaves nothing behind', async () => {
    await expect(write([{ path: 'ok.txt', content: 'x\n' }, { path: '../../escaped.txt', content: 'x\n' }])).rejects.toThrow(
      'has a ".." segment',
    );
    expect(existsSync(path.join(temp.dir, 'escaped.txt'))).toBe(false);
    expect(existsSync(path.join(temp.dir, 'workspace', 'escaped.txt'))).toBe(false);
    expect(await readdir(path.join(temp.dir, 'workspace'))).toEqual([]);
  });

  test('computeArtifactHash puts a NUL byte between path and content', async () => {
    await writeFile(path.join(temp.dir, 'ab'), 'c');
    const one = await computeArtifactHash(temp.dir, ['ab']);
    expect(one).toBe(hashBytes(Buffer.concat([Buffer.from('ab'), Buffer.from([0]), Buffer.from('c')])));
    expect(await computeArtifactHash(temp.dir, ['ab', 'manifest.json'])).toBe(one);
  });
});

describe('this artifact', () => {
  const root = path.resolve(import.meta.dirname, '..');

  test('its own manifest verifies: file list, artifact hash and spec copy', async () => {
    const manifest = JSON.parse(await readFile(path.join(root, 'manifest.json'), 'utf8'));
    expect(manifest.files).toEqual(await walk(root));
    expect(manifest['artifact-hash']).toBe(await recomputeArtifactHash(root, manifest.files));
    const spec = await readFile(path.join(root, manifest['spec-path']));
    expect(manifest['spec-hash']).toBe(hashBytes(spec));
    expect(manifest['spec-path']).toBe(`spec/${manifest['spec-id']}.md`);
  });

  test('holds every inherited file of its spec copy, byte for byte', async () => {
    const manifest = JSON.parse(await readFile(path.join(root, 'manifest.json'), 'utf8'));
    const inherited = readInheritedFiles(await readFile(path.join(root, manifest['spec-path']), 'utf8'));
    for (const file of inherited) expect(await readFile(path.join(root, file.path), 'utf8'), file.path).toBe(file.content);
  });

  test('no file of it holds a line that would close a file block, and every file is UTF-8 text', async () => {
    const manifest = JSON.parse(await readFile(path.join(root, 'manifest.json'), 'utf8'));
    for (const file of manifest.files as string[]) {
      if (file === manifest['spec-path']) continue;
      const bytes = await readFile(path.join(root, file));
      const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      expect(text.split('\n').map((line) => line.replace(/\r$/, ''))).not.toContain(END);
      expect((await stat(path.join(root, file))).size).toBeGreaterThan(0);
    }
  });
});
