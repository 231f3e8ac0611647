import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { computeArtifactHash } from '../../src/artifact/compute-artifact-hash.js';
import type { GenerationRecord } from '../../src/artifact/generation-record-schema.js';
import { listArtifactFiles } from '../../src/artifact/list-artifact-files.js';
import { loadSpec } from '../../src/spec/load-spec.js';
import type { Spec } from '../../src/spec/parse-spec.js';
import { acquireLock } from '../../src/supervisor/acquire-lock.js';
import { findEngineRoot } from '../../src/version.js';

export const ENGINE_ROOT = findEngineRoot();

export async function tempDir(prefix: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A valid generation record (MINIMAL-SPEC-001, run `run-dead`), with `extra` fields replaced. */
export function generationRecord(
  generation: number,
  outcome: GenerationRecord['outcome'],
  extra: Partial<GenerationRecord> = {},
): GenerationRecord {
  return {
    generation,
    parent: 0,
    'spec-id': 'MINIMAL-SPEC-001',
    'spec-version': '0.2.0',
    'spec-hash': `sha256:${'a'.repeat(64)}`,
    'artifact-path': `gen-${generation}`,
    'artifact-hash': `sha256:${'b'.repeat(64)}`,
    outcome,
    'rig-result': null,
    viability: null,
    'producer-model': 'm',
    'token-usage': { input: 0, output: 0, 'cache-read': 0, 'cache-write': 0 },
    created: new Date().toISOString(),
    completed: null,
    campaign: null,
    run: 'run-dead',
    reason: null,
    ...extra,
  };
}

export function minimalSpec(): Promise<Spec> {
  return loadSpec('MINIMAL-SPEC-001');
}

/**
 * Writes an echo-server artifact as a Prime would: the registered exemplar's files (plus `extra`), the spec copy, and
 * a computed manifest.
 */
export async function writeEchoArtifact(options: {
  dir: string;
  generation: number;
  spec: Spec;
  extra?: Record<string, string>;
}): Promise<string> {
  await cp(path.join(ENGINE_ROOT, 'src', 'exemplars', 'MINIMAL-SPEC-001'), options.dir, { recursive: true });
  for (const [file, content] of Object.entries(options.extra ?? {})) {
    await mkdir(path.dirname(path.join(options.dir, file)), { recursive: true });
    await writeFile(path.join(options.dir, file), content);
  }
  const specPath = `spec/${options.spec.id}.md`;
  await mkdir(path.join(options.dir, 'spec'), { recursive: true });
  await writeFile(path.join(options.dir, specPath), options.spec.bytes);
  const files = await listArtifactFiles(options.dir);
  const manifest = {
    'cambrian-version': 1,
    generation: options.generation,
    'parent-generation': 0,
    'spec-id': options.spec.id,
    'spec-version': options.spec.version,
    'spec-path': specPath,
    'spec-hash': options.spec.hash,
    'artifact-hash': await computeArtifactHash({ artifactDir: options.dir, files }),
    'producer-model': 'test-model',
    'token-usage': { input: 1, output: 2, 'cache-read': 0, 'cache-write': 0 },
    files,
    'created-at': new Date().toISOString(),
    entry: {
      build: options.spec.entry?.build,
      test: options.spec.entry?.test,
      start: options.spec.entry?.start,
      health: options.spec.entry?.health,
    },
    contracts: options.spec.contracts,
  };
  await writeFile(path.join(options.dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return JSON.parse(await readFile(path.join(options.dir, 'manifest.json'), 'utf8'))['artifact-hash'] as string;
}

/** One request to a Supervisor's HTTP API, as a Prime makes it; the body comes back parsed and as raw text. */
export async function callSupervisor(options: {
  url: string;
  method: string;
  route: string;
  body?: unknown;
}): Promise<{ status: number; body: Record<string, unknown>; text: string }> {
  const { body } = options;
  const response = await fetch(`${options.url}${options.route}`, {
    method: options.method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: JSON.parse(text) as Record<string, unknown>, text };
}

/** A rig stand-in for tests about the Supervisor itself: every verdict is a crash, at once, with no sandbox started. */
export async function crashingRig(): Promise<never> {
  throw new Error('the rig is not under test here');
}

/**
 * Whether a generations dir's lock is free: its holder line cleared (a clean release) and takeable now. The file
 * itself stays: it is the flock's anchor, and its presence means nothing.
 */
export async function isLockFree(generationsDir: string): Promise<boolean> {
  const file = path.join(generationsDir, '.cambrian', 'lock');
  if ((await readFile(file, 'utf8').catch(() => '')) !== '') return false;
  const lock = await acquireLock({ file, run: 'run-lock-probe' }).catch(() => null);
  await lock?.release();
  return lock !== null;
}
