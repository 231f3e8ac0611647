import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/artifact/manifest-schema.js';
import { checkManifest, type ManifestCheck } from '../../src/rig/check-manifest.js';
import type { RigSpec } from '../../src/rig/rig-types.js';
import { RIG_SPEC_PATH, sealFixture } from './seal-fixture.js';

/**
 * The manifest stage at its edge, called directly on sealed fixtures (no sandbox): each case is one field, one byte or
 * one file away from a manifest that passes, so a weakened comparison lets it through and the test fails.
 */
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function check(options: {
  files?: Record<string, string>;
  patchManifest?: (manifest: Manifest) => void;
  patchSpec?: (spec: RigSpec) => RigSpec;
  rejected?: string[];
  after?: (dir: string) => Promise<void>;
}): Promise<{ result: ManifestCheck; spec: RigSpec }> {
  const fixture = await sealFixture({
    name: 'good-service',
    ...(options.files === undefined ? {} : { files: options.files }),
    ...(options.patchManifest === undefined ? {} : { patchManifest: options.patchManifest }),
  });
  cleanups.push(fixture.cleanup);
  await options.after?.(fixture.dir);
  const spec = options.patchSpec?.({ ...fixture.spec }) ?? fixture.spec;
  const result = await checkManifest({ artifactDir: fixture.dir, spec, rejected: options.rejected ?? [] });
  return { result, spec };
}

function setField<K extends keyof Manifest>(key: K, value: Manifest[K]): (manifest: Manifest) => void {
  return (manifest) => {
    manifest[key] = value;
  };
}

function failed(result: ManifestCheck): Extract<ManifestCheck, { passed: false }> {
  if (result.passed) throw new Error('expected the manifest check to fail, it passed');
  return result;
}

/** A failure with no per-file detail names manifest.json and repeats the summary. */
function expectSummaryOnly(result: ManifestCheck, summary: string | RegExp): void {
  const failure = failed(result);
  expect(failure.summary).toMatch(summary);
  expect(failure.failures).toEqual([{ test: 'manifest', error: failure.summary, file: 'manifest.json', line: null }]);
}

describe('checkManifest', () => {
  it('passes a sealed artifact and returns its manifest', async () => {
    const { result, spec } = await check({});
    expect(result.passed).toBe(true);
    expect(result.manifest?.['spec-id']).toBe(spec.id);
    expect(result.manifest?.contracts).toEqual(spec.contracts);
  });

  it('says manifest.json is missing', async () => {
    const { result } = await check({ after: (dir) => rm(path.join(dir, 'manifest.json')) });
    expectSummaryOnly(result, /^manifest\.json is missing$/);
    expect(result.manifest).toBeNull();
  });

  it('says manifest.json is not JSON, with the parser message', async () => {
    const { result } = await check({ after: (dir) => writeFile(path.join(dir, 'manifest.json'), '{"files": [') });
    expectSummaryOnly(result, /^manifest\.json is not JSON: \S/);
  });

  it('names each schema problem by its path, and (root) for a manifest that is not an object', async () => {
    const { result } = await check({
      patchManifest: (manifest) => {
        manifest.files = [];
        manifest['token-usage'].input = -1;
      },
    });
    const failure = failed(result);
    expect(failure.manifest).toBeNull();
    expect(failure.summary).toMatch(/^manifest\.json does not match the schema: /);
    expect(failure.failures.map((item) => item.error.split(':')[0]).sort()).toEqual(['files', 'token-usage.input']);
    expect(failure.failures.every((item) => item.file === 'manifest.json' && item.test === 'manifest')).toBe(true);
    expect(failure.summary).toContain(failure.failures.map((item) => item.error).join('; '));

    const root = await check({ after: (dir) => writeFile(path.join(dir, 'manifest.json'), '3') });
    expect(failed(root.result).failures[0]?.error).toMatch(/^\(root\): /);
  });

  it('refuses a cambrian-version one past the supported ones', async () => {
    const { result } = await check({ patchManifest: setField('cambrian-version', 2) });
    expectSummaryOnly(result, 'cambrian-version 2 is not supported (supported: 1)');
    expect(result.manifest?.['cambrian-version']).toBe(2);
  });

  it('refuses an artifact with one rejected entry, naming it', async () => {
    const { result } = await check({ rejected: ['link-to-etc'] });
    const failure = failed(result);
    expect(failure.summary).toBe(
      'the artifact holds entries that are not regular files (symlinks, sockets…): link-to-etc',
    );
    expect(failure.failures).toEqual([
      { test: 'manifest', error: 'not a regular file', file: 'link-to-etc', line: null },
    ]);
  });

  it('lists two rejected entries, two missing files and two extra files with commas', async () => {
    const rejected = await check({ rejected: ['a', 'b'] });
    expect(failed(rejected.result).summary).toMatch(/: a, b$/);
    const both = await check({
      after: async (dir) => {
        await rm(path.join(dir, 'app.mjs'));
        await rm(path.join(dir, 'build.mjs'));
        await writeFile(path.join(dir, 'x.mjs'), '');
        await writeFile(path.join(dir, 'y.mjs'), '');
      },
    });
    expect(failed(both.result).summary).toBe(
      'manifest files differ from the disk (listed but missing: app.mjs, build.mjs; on disk but not listed: x.mjs, y.mjs)',
    );
  });

  it('refuses one file listed but missing', async () => {
    const { result } = await check({ after: (dir) => rm(path.join(dir, 'app.mjs')) });
    const failure = failed(result);
    expect(failure.summary).toBe('manifest files differ from the disk (listed but missing: app.mjs)');
    expect(failure.failures).toEqual([
      { test: 'manifest', error: 'listed in manifest.json but missing', file: 'app.mjs', line: null },
    ]);
  });

  it('refuses one file on disk but not listed', async () => {
    const { result } = await check({ after: (dir) => writeFile(path.join(dir, 'extra.mjs'), '') });
    const failure = failed(result);
    expect(failure.summary).toBe('manifest files differ from the disk (on disk but not listed: extra.mjs)');
    expect(failure.failures).toEqual([
      { test: 'manifest', error: 'present but not listed in manifest.json', file: 'extra.mjs', line: null },
    ]);
  });

  it('names both a missing and an extra file', async () => {
    const { result } = await check({
      after: async (dir) => {
        await rm(path.join(dir, 'app.mjs'));
        await writeFile(path.join(dir, 'extra.mjs'), '');
      },
    });
    expect(failed(result).summary).toBe(
      'manifest files differ from the disk (listed but missing: app.mjs; on disk but not listed: extra.mjs)',
    );
    expect(failed(result).failures.map((item) => item.file)).toEqual(['app.mjs', 'extra.mjs']);
  });

  it('refuses a file changed by one byte after sealing (artifact-hash recomputed)', async () => {
    const { result } = await check({
      after: async (dir) => {
        const file = path.join(dir, 'app.mjs');
        const bytes = await readFile(file);
        bytes[0] = (bytes[0] ?? 0) ^ 1;
        await writeFile(file, bytes);
      },
    });
    expectSummaryOnly(
      result,
      /^artifact-hash does not verify: manifest says sha256:[0-9a-f]{64}, files hash to sha256:/,
    );
  });

  it('refuses a spec-id or a spec-version that differs alone', async () => {
    const id = await check({ patchManifest: setField('spec-id', 'RIG-TEST-002') });
    expectSummaryOnly(
      id.result,
      'the artifact was made for RIG-TEST-002@1.0.0, the rig judges against RIG-TEST-001@1.0.0',
    );
    const version = await check({ patchManifest: setField('spec-version', '1.0.1') });
    expectSummaryOnly(version.result, /made for RIG-TEST-001@1\.0\.1, the rig judges against RIG-TEST-001@1\.0\.0$/);
  });

  it('refuses a spec-hash that is not the trusted one', async () => {
    const other = `sha256:${'0'.repeat(64)}`;
    const { result, spec } = await check({ patchManifest: setField('spec-hash', other) });
    expectSummaryOnly(result, `spec-hash ${other} is not the trusted spec's ${spec.hash}`);
  });

  it('refuses a spec-path that points at no file', async () => {
    const { result } = await check({ patchManifest: setField('spec-path', 'spec/nowhere.md') });
    const failure = failed(result);
    expect(failure.summary).toBe('the spec copy spec/nowhere.md is missing');
    expect(failure.failures).toEqual([{ test: 'manifest', error: 'missing', file: 'spec/nowhere.md', line: null }]);
  });

  it('refuses a spec copy of the same length that differs in one byte', async () => {
    const trusted = await readFile(RIG_SPEC_PATH, 'utf8');
    const at = trusted.lastIndexOf('e');
    const flipped = `${trusted.slice(0, at)}E${trusted.slice(at + 1)}`;
    const { result } = await check({ files: { 'spec/RIG-TEST-001.md': flipped } });
    const failure = failed(result);
    expect(failure.summary).toMatch(
      /^the spec copy spec\/RIG-TEST-001\.md \(sha256:[0-9a-f]{64}\) is not byte-equal to the trusted spec \(sha256:/,
    );
    expect(failure.failures).toEqual([
      { test: 'manifest', error: 'not byte-equal to the trusted spec', file: 'spec/RIG-TEST-001.md', line: null },
    ]);
  });

  it.each(['build', 'test', 'start', 'health'] as const)('refuses an entry whose %s alone differs', async (field) => {
    const { result } = await check({
      patchManifest: (manifest) => {
        manifest.entry[field] = 'true';
      },
    });
    expectSummaryOnly(result, /^entry \{.*\} differs from the spec's entry block \{"build":"node build\.mjs",/);
    expect(failed(result).summary).toContain(`"${field}":"true"`);
  });

  it('does not compare entry when the trusted spec has no entry block', async () => {
    const { result } = await check({
      patchManifest: (manifest) => {
        manifest.entry.test = 'true';
      },
      patchSpec: (spec) => ({ ...spec, entry: null }),
    });
    expect(result.passed).toBe(true);
  });

  it('refuses `contracts: []` when the spec has contracts', async () => {
    const { result, spec } = await check({
      patchManifest: (manifest) => {
        manifest.contracts = [];
      },
    });
    expect(spec.contracts.length).toBeGreaterThan(0);
    expectSummaryOnly(
      result,
      "contracts differ from the trusted spec's contracts block (the manifest must copy it verbatim)",
    );
  });

  it('refuses contracts that differ in one nested value', async () => {
    const { result } = await check({
      patchManifest: (manifest) => {
        manifest.contracts = JSON.parse(JSON.stringify(manifest.contracts).replace('"status":200', '"status":201'));
      },
    });
    expect(failed(result).summary).toMatch(/^contracts differ/);
  });
});
