import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { EnvironmentError } from '../errors.js';
import { isProcessAlive } from '../is-process-alive.js';
import { findEngineRoot } from '../version.js';
import { mountDiskQuota, unmountDiskQuota, unmountKeepingContent } from './disk-quota.js';
import type { Sandbox, SandboxBind } from './sandbox/sandbox-types.js';
import { defaultSandboxPath } from './sandbox/spawn-sandboxed.js';

/** Where things are inside the sandbox (docs/contracts.md §8). */
export const INSIDE = {
  artifact: '/artifact',
  junitDir: '/tmp/cambrian',
  junitPath: '/tmp/cambrian/junit.xml',
  live: '/cambrian',
  workspace: '/tmp/workspace',
  /** The rig's own Vitest config (rig-vitest-config.ts), read-only. */
  vitestConfig: '/run/cambrian/vitest.config.cjs',
} as const;

export const ARTIFACT_PORT = 8401;

/** The host folders of one rig run: the artifact copy, the JUnit folder and the live stages' input. */
export interface RigLayout {
  engineRoot: string;
  storeDir: string;
  workRoot: string;
  /** Holds every folder the artifact can write (copy, JUnit, workspace): the disk quota's mount point. */
  quotaDir: string;
  copyDir: string;
  junitDir: string;
  liveDir: string;
  workspaceDir: string;
  /** Size of the tmpfs mounted on quotaDir (the run's disk quota), or null when it could not be mounted. */
  diskQuotaMb: number | null;
}

export function findStoreDir(engineRoot: string): string {
  const storeDir = path.join(engineRoot, 'test-rig', 'store', 'node_modules');
  if (!existsSync(storeDir)) {
    throw new EnvironmentError({
      code: 'E_RIG_STORE',
      message: `the organism package store is not installed (${storeDir} is missing)`,
      hint: 'npm ci --prefix test-rig/store (or run scripts/setup.sh)',
    });
  }
  return storeDir;
}

const WORK_PREFIX = 'cambrian-rig-';
/** In a rig's work folder while the rig runs; a folder whose owner is dead was left by a killed rig. */
const OWNER_FILE = 'owner.pid';
/** The mount point of the run's disk quota inside its work folder. */
const QUOTA_DIR = 'quota';

/**
 * Makes the run's work folder in the host's temp folder. Everything the artifact can write (its copy, the JUnit
 * folder, the probe workspace) lives under `quota/`, where as root a tmpfs of `diskMb` is mounted, so those writes are
 * capped in total; the rig's own files (owner, its Vitest config, the live stages' input) stay outside it, so an
 * artifact that fills its quota cannot make the rig's writes fail.
 */
export async function createRigLayout(options: { diskMb: number }): Promise<RigLayout> {
  const engineRoot = findEngineRoot();
  const storeDir = findStoreDir(engineRoot);
  await sweepDeadRigFolders();
  const workRoot = await mkdtemp(path.join(os.tmpdir(), WORK_PREFIX));
  await writeFile(path.join(workRoot, OWNER_FILE), String(process.pid));
  const quotaDir = path.join(workRoot, QUOTA_DIR);
  await mkdir(quotaDir);
  const mounted = await mountDiskQuota({ dir: quotaDir, sizeMb: options.diskMb });
  const layout = {
    engineRoot,
    storeDir,
    workRoot,
    quotaDir,
    copyDir: path.join(quotaDir, 'artifact'),
    junitDir: path.join(quotaDir, 'junit'),
    liveDir: path.join(workRoot, 'live'),
    workspaceDir: path.join(quotaDir, 'workspace'),
    diskQuotaMb: mounted ? options.diskMb : null,
  };
  await Promise.all([mkdir(layout.junitDir), mkdir(layout.liveDir), mkdir(layout.workspaceDir)]);
  return layout;
}

/**
 * A kept work folder (`--keep`) belongs to the user from now on: the quota's content moves to a plain folder at the
 * same path (no mount may outlive the rig), and no later rig may sweep it.
 */
export async function releaseRigLayout(layout: RigLayout): Promise<void> {
  await unmountKeepingContent(layout.quotaDir);
  await rm(path.join(layout.workRoot, OWNER_FILE), { force: true });
}

/** Deletes the run's work folder: unmounts the quota first, and never deletes through a mount it could not remove. */
export function removeRigLayout(layout: RigLayout): Promise<void> {
  return removeWorkFolder(layout.workRoot);
}

async function removeWorkFolder(dir: string): Promise<void> {
  await unmountDiskQuota(path.join(dir, QUOTA_DIR));
  await rm(dir, { recursive: true, force: true });
}

/** Removes the work folders of rigs that were killed (SIGKILL skips every cleanup), unmounting each; best effort. */
async function sweepDeadRigFolders(): Promise<void> {
  const names = await readdir(os.tmpdir()).catch(() => [] as string[]);
  for (const name of names) {
    if (!name.startsWith(WORK_PREFIX)) continue;
    const dir = path.join(os.tmpdir(), name);
    const owner = Number(await readFile(path.join(dir, OWNER_FILE), 'utf8').catch(() => 'NaN'));
    if (!Number.isInteger(owner) || owner <= 0 || isProcessAlive(owner)) continue;
    await removeWorkFolder(dir).catch(() => {});
  }
}

/**
 * Provides the store as the copy's node_modules: a mount point for the read-only bind, or for `none` (no mounts) a
 * symlink to the store.
 */
export async function provideNodeModules(layout: RigLayout, sandbox: Sandbox): Promise<void> {
  const target = path.join(layout.copyDir, 'node_modules');
  if (sandbox.kind === 'none') await symlink(layout.storeDir, target);
  else await mkdir(target);
}

export function artifactBinds(layout: RigLayout, sandbox: Sandbox): SandboxBind[] {
  const binds: SandboxBind[] = [
    { host: layout.copyDir, inside: INSIDE.artifact, writable: true },
    { host: layout.junitDir, inside: INSIDE.junitDir, writable: true },
  ];
  if (sandbox.kind !== 'none') binds.push({ host: layout.storeDir, inside: `${INSIDE.artifact}/node_modules` });
  return binds;
}

/**
 * The live stage runner's sandbox (the judge): the engine's built code (at its host path), its input, and the probe
 * workspace read-only (the artifact writes it in its own sandbox). All read-only.
 */
export function liveBinds(layout: RigLayout): SandboxBind[] {
  return [
    { host: path.join(layout.engineRoot, 'package.json') },
    { host: path.join(layout.engineRoot, 'dist') },
    { host: path.join(layout.engineRoot, 'node_modules') },
    { host: layout.liveDir, inside: INSIDE.live },
    { host: layout.workspaceDir, inside: INSIDE.workspace },
  ];
}

/** The environment of every artifact command (docs/contracts.md §1, §8); nothing from the engine's own environment. */
export function artifactEnv(): Record<string, string> {
  return {
    PATH: `${INSIDE.artifact}/node_modules/.bin:${defaultSandboxPath()}`,
    CAMBRIAN_JUNIT_PATH: INSIDE.junitPath,
    CAMBRIAN_PORT: String(ARTIFACT_PORT),
    CI: '1',
  };
}
