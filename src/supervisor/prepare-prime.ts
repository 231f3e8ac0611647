import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { computeArtifactHash } from '../artifact/compute-artifact-hash.js';
import { hashBytes } from '../artifact/hash.js';
import { listArtifactFiles } from '../artifact/list-artifact-files.js';
import { type Manifest, manifestSchema } from '../artifact/manifest-schema.js';
import { CambrianError, UsageError } from '../errors.js';
import { findStoreDir } from '../rig/rig-layout.js';
import { runSandboxed } from '../rig/sandbox/run-sandboxed.js';
import type { Sandbox, SandboxBind } from '../rig/sandbox/sandbox-types.js';
import { defaultSandboxPath } from '../rig/sandbox/spawn-sandboxed.js';
import { findEngineRoot } from '../version.js';
import { copyArtifactTree } from './copy-artifact-tree.js';
import type { Lineage } from './open-lineage.js';
import { StoppedError } from './stopped-error.js';

export interface PreparedPrime {
  generation: number;
  /** The run's private, writable copy of the Prime (built). */
  dir: string;
  manifest: Manifest;
  /** Binds that make `dir` and its node_modules (the package store) visible at their host paths. */
  binds: SandboxBind[];
  buildMs: number;
  /** The build output came from the build cache (no build ran). */
  buildCached: boolean;
}

/** `gen-N` → N; anything else is a usage error. */
export function parsePrimeRef(ref: string | undefined): number {
  if (ref === undefined) return 0;
  const match = /^(?:gen-)?(\d+)$/.exec(ref);
  if (match === null)
    throw new UsageError(
      `--prime ${JSON.stringify(ref)} is not a generation`,
      'write --prime gen-N (a promoted generation)',
    );
  return Number(match[1]);
}

/** Only gen-0 or a promoted generation may run as the Prime; anything else is refused naming its outcome. */
export async function assertRunnablePrime(options: { lineage: Lineage; generation: number }): Promise<void> {
  const { lineage, generation } = options;
  if (generation !== 0) {
    const record = await lineage.records.get(generation);
    if (record === null) {
      throw new UsageError(
        `--prime gen-${generation}: there is no generation ${generation} in ${lineage.paths.root}`,
        'run `cambrian lineage` to see the generations, or pass the right --generations DIR',
      );
    }
    if (record.outcome !== 'promoted') {
      const detail =
        record['rig-result'] === null ? record.outcome : `${record.outcome}, rig-result ${record['rig-result']}`;
      throw new CambrianError({
        code: 'E_PRIME_NOT_PROMOTED',
        message: `--prime gen-${generation} is not promoted (it is ${detail}${record.reason === null ? '' : `: ${record.reason}`}); only a promoted generation may run as the Prime`,
        hint: 'pick a promoted generation (tagged gen-N in the lineage), or leave --prime out to run gen-0',
        exitCode: 2,
      });
    }
  }
}

/**
 * The Prime of a run: gen-0 or a promoted generation, copied into the run's private dir (never run in place: the
 * sealed artifact stays untouched) and built in the sandbox with the package store as its node_modules.
 */
export async function preparePrime(options: {
  lineage: Lineage;
  generation: number;
  runDir: string;
  sandbox: Sandbox;
  signal?: AbortSignal;
}): Promise<PreparedPrime> {
  const { lineage, generation } = options;
  await assertRunnablePrime({ lineage, generation });
  const source = path.join(lineage.paths.root, `gen-${generation}`);
  if (!existsSync(path.join(source, 'manifest.json'))) {
    throw new CambrianError({
      code: 'E_PRIME_MISSING',
      message: `${source}/manifest.json is missing`,
      hint: 'the artifact folder is damaged; run another promoted generation',
    });
  }
  const dir = path.join(options.runDir, 'prime');
  // A Prime is rebuilt identically every run (campaigns run the same one many times): its sandboxed build output is
  // cached by a hash of the files actually on disk and the build command, and copied in instead of building again.
  const sourceManifest = manifestSchema.parse(JSON.parse(await readFile(path.join(source, 'manifest.json'), 'utf8')));
  const filesHash = await computeArtifactHash({ artifactDir: source, files: await listArtifactFiles(source) });
  const cacheKey = hashBytes(`${filesHash}\0${sourceManifest.entry.build}`).slice(
    'sha256:'.length,
    'sha256:'.length + 32,
  );
  const cacheTree = path.join(lineage.paths.state, 'build-cache', cacheKey, 'tree');
  const cached = existsSync(cacheTree);
  await copyArtifactTree({ from: cached ? cacheTree : source, to: dir, keepBuildOutput: cached });
  // The sealed manifest, never the cached tree's: that tree is what the Prime's own build left, and a hostile build could
  // rewrite its manifest to choose the start command of every later run of the same Prime.
  const manifest = sourceManifest;
  const storeDir = findStoreDir(findEngineRoot());
  const binds: SandboxBind[] = [{ host: dir, writable: true }];
  if (options.sandbox.kind === 'none') await symlink(storeDir, path.join(dir, 'node_modules'));
  else {
    await mkdir(path.join(dir, 'node_modules'));
    binds.push({ host: storeDir, inside: path.join(dir, 'node_modules') });
  }
  const started = Date.now();
  if (cached) return { generation, dir, manifest, binds, buildMs: Date.now() - started, buildCached: true };
  const result = await runSandboxed({
    sandbox: options.sandbox,
    argv: ['sh', '-c', manifest.entry.build],
    cwd: dir,
    binds,
    env: { PATH: `${dir}/node_modules/.bin:${defaultSandboxPath()}`, CI: '1' },
    timeoutMs: 180_000,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  if (options.signal?.aborted === true)
    throw new StoppedError(`building the Prime gen-${generation}`, options.signal.reason);
  if (result.exitCode !== 0) {
    await writeFile(path.join(options.runDir, 'prime-build.log'), `${result.stdoutTail}\n${result.stderrTail}`);
    throw new CambrianError({
      code: 'E_PRIME_BUILD',
      message: `building the Prime gen-${generation} (${manifest.entry.build}) failed with exit ${result.exitCode ?? result.signal ?? '?'}${result.timedOut ? ' (timed out)' : ''}: ${lastLine(result.stderrTail || result.stdoutTail)}`,
      hint: `run \`cambrian rig ${source}\` to see the full diagnostics`,
    });
  }
  await storeBuild({ dir, cacheTree }).catch(() => {});
  return { generation, dir, manifest, binds, buildMs: Date.now() - started, buildCached: false };
}

/** Keeps the built tree (without node_modules) for the next run of the same Prime; a race just loses the rename. */
async function storeBuild(options: { dir: string; cacheTree: string }): Promise<void> {
  const staging = `${options.cacheTree}.${process.pid}.${Date.now()}`;
  await copyArtifactTree({ from: options.dir, to: staging, keepBuildOutput: true });
  try {
    await rename(staging, options.cacheTree);
  } catch {
    await rm(staging, { recursive: true, force: true });
  }
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n');
  return lines.slice(-3).join(' | ').slice(0, 400);
}
