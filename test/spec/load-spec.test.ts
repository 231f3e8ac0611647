import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SpecError } from '../../src/errors.js';
import { listSpecs } from '../../src/spec/list-specs.js';
import { loadSpec } from '../../src/spec/load-spec.js';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/specs');

/** A valid service spec at a given version (the fixture with its version line replaced). */
async function specAt(version: string, extra = ''): Promise<string> {
  const base = await readFile(path.join(FIXTURES, 'valid-service.md'), 'utf8');
  return base
    .replace('version: 1.0.0', `version: ${version}`)
    .replace('Answer health checks.', `Answer health checks.${extra}`);
}

async function rejection(promise: Promise<unknown>): Promise<SpecError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!(error instanceof SpecError)) throw new Error(`expected a SpecError, got ${String(error)}`);
  return error;
}

describe('loadSpec and listSpecs', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'cambrian-load-spec-'));
    await mkdir(path.join(root, 'spec', 'archive'), { recursive: true });
    await writeFile(path.join(root, 'spec', 'TEST-SPEC-001.md'), await specAt('1.2.0', ' Now with more.'));
    await writeFile(path.join(root, 'spec', 'archive', 'TEST-SPEC-001@1.0.0.md'), await specAt('1.0.0'));
    await writeFile(path.join(root, 'spec', 'archive', 'TEST-SPEC-001@1.1.0.md'), await specAt('1.1.0'));
    await writeFile(path.join(root, 'spec', 'README.md'), 'not a spec\n');
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('loads by id: the current file', async () => {
    const spec = await loadSpec('TEST-SPEC-001', { root });
    expect(spec.version).toBe('1.2.0');
    expect(spec.path).toBe(path.join(root, 'spec', 'TEST-SPEC-001.md'));
  });

  it('loads id@version from the current file when it matches, else from the archive', async () => {
    expect((await loadSpec('TEST-SPEC-001@1.2.0', { root })).path).toBe(path.join(root, 'spec', 'TEST-SPEC-001.md'));
    const archived = await loadSpec('TEST-SPEC-001@1.1.0', { root });
    expect(archived.version).toBe('1.1.0');
    expect(archived.path).toBe(path.join(root, 'spec', 'archive', 'TEST-SPEC-001@1.1.0.md'));
  });

  it('an unknown version names the versions that exist', async () => {
    const error = await rejection(loadSpec('TEST-SPEC-001@9.9.9', { root }));
    expect(error.code).toBe('E_SPEC_NOT_FOUND');
    expect(error.message).toBe('TEST-SPEC-001@9.9.9: no version 9.9.9 of TEST-SPEC-001');
    expect(error.hint).toBe('versions that exist: TEST-SPEC-001@1.2.0, TEST-SPEC-001@1.1.0, TEST-SPEC-001@1.0.0');
  });

  it('an unknown id names the specs that exist; a malformed ref says what refs look like', async () => {
    const error = await rejection(loadSpec('OTHER-SPEC-002', { root }));
    expect(error.code).toBe('E_SPEC_NOT_FOUND');
    expect(error.hint).toBe('known specs: TEST-SPEC-001');
    const bad = await rejection(loadSpec('nonsense', { root }));
    expect(bad.hint).toContain('gen-N');
  });

  it('an archive file whose front matter disagrees with its name is an error', async () => {
    await writeFile(path.join(root, 'spec', 'archive', 'TEST-SPEC-001@0.9.0.md'), await specAt('1.0.0'));
    const error = await rejection(loadSpec('TEST-SPEC-001@0.9.0', { root }));
    expect(error.code).toBe('E_SPEC_ARCHIVE_MISMATCH');
  });

  it('loads a path relative to the working directory', async () => {
    const relative = path.relative(process.cwd(), path.join(FIXTURES, 'valid-prime.md'));
    const spec = await loadSpec(relative, { root });
    expect(spec.kind).toBe('prime');
    expect(spec.path).toBe(path.join(FIXTURES, 'valid-prime.md'));
  });

  it('loads gen-N from the spec copy its manifest names, and refuses a spec-path outside the artifact', async () => {
    const generationsDir = path.join(root, 'generations');
    const genDir = path.join(generationsDir, 'gen-4');
    await mkdir(path.join(genDir, 'spec'), { recursive: true });
    await writeFile(path.join(genDir, 'spec', 'TEST-SPEC-001.md'), await specAt('1.1.0'));
    await writeFile(path.join(genDir, 'manifest.json'), JSON.stringify({ 'spec-path': 'spec/TEST-SPEC-001.md' }));
    const spec = await loadSpec('gen-4', { root, generationsDir });
    expect(spec.version).toBe('1.1.0');
    expect(spec.path).toBe(path.join(genDir, 'spec', 'TEST-SPEC-001.md'));
    // Default generations folder is <root>/generations.
    expect((await loadSpec('gen-4', { root })).version).toBe('1.1.0');

    await writeFile(path.join(genDir, 'manifest.json'), JSON.stringify({ 'spec-path': '../../spec/TEST-SPEC-001.md' }));
    expect((await rejection(loadSpec('gen-4', { root, generationsDir }))).code).toBe('E_SPEC_MANIFEST');
    const missing = await rejection(loadSpec('gen-5', { root, generationsDir }));
    expect(missing.code).toBe('E_SPEC_NOT_FOUND');
    expect(missing.message).toContain('no manifest for gen-5');
  });

  it('lists current and archived specs, newest first, and shows a broken file instead of hiding it', async () => {
    await writeFile(path.join(root, 'spec', 'BROKEN-SPEC-002.md'), 'no front matter\n');
    const listings = await listSpecs(root);
    expect(listings.map((entry) => [entry.id, entry.version, entry.status, entry.error?.code ?? null])).toEqual([
      ['BROKEN-SPEC-002', null, 'current', 'E_SPEC_FRONT_MATTER'],
      ['TEST-SPEC-001', '1.2.0', 'current', null],
      ['TEST-SPEC-001', '1.1.0', 'archived', null],
      ['TEST-SPEC-001', '1.0.0', 'archived', null],
    ]);
    const current = listings[1];
    expect(current?.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(current?.hash).toBe((await loadSpec('TEST-SPEC-001', { root })).hash);
    expect(current?.path).toBe(path.join(root, 'spec', 'TEST-SPEC-001.md'));
  });

  it('a broken current file does not hide an archived version', async () => {
    await writeFile(path.join(root, 'spec', 'TEST-SPEC-001.md'), 'broken\n');
    expect((await loadSpec('TEST-SPEC-001@1.0.0', { root })).version).toBe('1.0.0');
    expect((await rejection(loadSpec('TEST-SPEC-001@1.2.0', { root }))).code).toBe('E_SPEC_FRONT_MATTER');
  });

  it('a fifo, a link loop or /dev/zero under spec/ is listed as broken and refused by id, never read forever', async () => {
    execFileSync('mkfifo', [path.join(root, 'spec', 'FIFO-SPEC-003.md')]);
    await symlink('LOOP-SPEC-004.md', path.join(root, 'spec', 'LOOP-SPEC-004.md'));
    await symlink('/dev/zero', path.join(root, 'spec', 'ZERO-SPEC-005.md'));
    const listings = await listSpecs(root);
    expect(listings.filter((entry) => entry.error !== undefined).map((entry) => [entry.id, entry.error?.code])).toEqual(
      [
        ['FIFO-SPEC-003', 'E_SPEC_NOT_A_FILE'],
        ['LOOP-SPEC-004', 'E_SPEC_UNREADABLE'],
        ['ZERO-SPEC-005', 'E_SPEC_NOT_A_FILE'],
      ],
    );
    expect((await rejection(loadSpec('FIFO-SPEC-003', { root }))).code).toBe('E_SPEC_NOT_A_FILE');
    expect((await rejection(loadSpec('LOOP-SPEC-004@1.0.0', { root }))).code).toBe('E_SPEC_UNREADABLE');
    expect((await rejection(loadSpec('ZERO-SPEC-005', { root }))).message).toContain('is a device, not a spec file');
  });
});
