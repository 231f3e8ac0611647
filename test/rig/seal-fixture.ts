import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { computeArtifactHash } from '../../src/artifact/compute-artifact-hash.js';
import { listArtifactFiles } from '../../src/artifact/list-artifact-files.js';
import type { Manifest } from '../../src/artifact/manifest-schema.js';
import { loadSpec } from '../../src/spec/load-spec.js';
import type { Spec } from '../../src/spec/parse-spec.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const FIXTURES = path.resolve(here, '..', 'fixtures');
export const RIG_SPEC_PATH = path.join(FIXTURES, 'rig', 'RIG-TEST-001.md');
/** Like RIG-TEST-001 but its test command is the genome's Vitest command. */
export const RIG_VITEST_SPEC_PATH = path.join(FIXTURES, 'rig', 'RIG-VITEST-001.md');

export function loadRigSpec(specPath = RIG_SPEC_PATH): Promise<Spec> {
  return loadSpec(specPath);
}

/**
 * Builds a sealed artifact from test/fixtures/hostile/<name>/ plus the shared files of test/fixtures/rig/common/: the
 * trusted spec copied in, manifest.json computed as a Prime would. `base` names fixtures copied first (the named one
 * then replaces their files); `files` adds or replaces files before sealing.
 */
export async function sealFixture(options: {
  name: string;
  base?: string[];
  /** The trusted spec (default RIG-TEST-001). */
  specPath?: string;
  files?: Record<string, string>;
  patchManifest?: (manifest: Manifest) => void;
}): Promise<{ dir: string; spec: Spec; cleanup: () => Promise<void> }> {
  const specPath = options.specPath ?? RIG_SPEC_PATH;
  const spec = await loadRigSpec(specPath);
  const root = await mkdtemp(path.join(os.tmpdir(), 'cambrian-fixture-'));
  const dir = path.join(root, options.name);
  await cp(path.join(FIXTURES, 'rig', 'common'), dir, { recursive: true });
  for (const name of [...(options.base ?? []), options.name]) {
    await cp(path.join(FIXTURES, 'hostile', name), dir, { recursive: true });
  }
  await mkdir(path.join(dir, 'spec'), { recursive: true });
  await writeFile(path.join(dir, 'spec', `${spec.id}.md`), await readFile(specPath));
  for (const [file, text] of Object.entries(options.files ?? {})) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), text);
  }
  const files = await listArtifactFiles(dir);
  const entry = spec.entry ?? { build: 'true', test: 'true', start: 'true', health: '/health' };
  const manifest: Manifest = {
    'cambrian-version': 1,
    generation: 1,
    'parent-generation': 0,
    'spec-id': spec.id,
    'spec-version': spec.version,
    'spec-path': `spec/${spec.id}.md`,
    'spec-hash': spec.hash,
    'artifact-hash': await computeArtifactHash({ artifactDir: dir, files }),
    'producer-model': 'hand-written-fixture',
    'token-usage': { input: 10, output: 20, 'cache-read': 0, 'cache-write': 0 },
    files,
    'created-at': new Date().toISOString(),
    entry: { build: entry.build, test: entry.test, start: entry.start, health: entry.health },
    contracts: spec.contracts,
  };
  options.patchManifest?.(manifest);
  await writeFile(path.join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return { dir, spec, cleanup: () => rm(root, { recursive: true, force: true }) };
}
