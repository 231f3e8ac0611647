import { execFile } from 'node:child_process';
import { EnvironmentError } from '../../errors.js';
import { BWRAP_ISOLATION_ARGS } from './build-bwrap-args.js';
import { detectCgroups } from './cgroup-limits.js';
import { detectContainer } from './detect-container.js';
import type { Sandbox, SandboxKind, SandboxRequest } from './sandbox-types.js';

const PROBE_TIMEOUT_MS = 10_000;
const CLEAN_ENV = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' };

const NONE_WARNING =
  'sandbox "none": the artifact runs on this host with your user\'s rights, a clean environment and time/memory/pid limits only; it can read and write your files and reach the network. Use it only for code you trust.';

function tryRun(file: string, args: string[]): Promise<{ ok: boolean; output: string; missing: boolean }> {
  return new Promise((resolve) => {
    execFile(file, args, { env: CLEAN_ENV, timeout: PROBE_TIMEOUT_MS }, (error, stdout, stderr) => {
      const missing = (error as NodeJS.ErrnoException | null)?.code === 'ENOENT';
      resolve({ ok: error === null, output: `${stdout}${stderr}`.trim(), missing });
    });
  });
}

async function probeBwrap(): Promise<{ ok: boolean; output: string; missing: boolean }> {
  // The exact namespaces and flags the rig uses, so "detected" means "works".
  return tryRun('bwrap', [
    ...BWRAP_ISOLATION_ARGS,
    '--ro-bind',
    '/usr',
    '/usr',
    '--symlink',
    'usr/bin',
    '/bin',
    '--symlink',
    'usr/lib',
    '/lib',
    '--symlink',
    'usr/lib64',
    '/lib64',
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    '--',
    '/usr/bin/true',
  ]);
}

async function detectBwrap(): Promise<Sandbox> {
  const probe = await probeBwrap();
  if (probe.ok) return { kind: 'bwrap', binary: 'bwrap', image: null, cgroups: detectCgroups(), warning: null };
  throw new EnvironmentError({
    code: 'E_SANDBOX_UNAVAILABLE',
    message: probe.missing
      ? 'bubblewrap (bwrap) is not installed'
      : `bwrap is installed but cannot create its namespaces: ${probe.output.split('\n')[0] ?? ''}`,
    hint: probe.missing
      ? 'sudo apt-get install -y bubblewrap'
      : 'allow unprivileged user namespaces (sudo sysctl -w kernel.unprivileged_userns_clone=1 user.max_user_namespaces=10000) or run the rig as root',
  });
}

/**
 * Finds a sandbox that really works here. `auto`: bwrap if it can create the rig's namespaces, else docker or podman
 * if their engine answers, else an EnvironmentError whose hint is the command that fixes it. `none` only when asked.
 */
export async function detectSandbox(kind: SandboxRequest): Promise<Sandbox> {
  if (kind === 'none') {
    return { kind: 'none', binary: null, image: null, cgroups: detectCgroups(), warning: NONE_WARNING };
  }
  if (kind === 'bwrap') return detectBwrap();
  if (kind === 'docker' || kind === 'podman') return detectContainer(kind);
  try {
    return await detectBwrap();
  } catch (bwrapError) {
    for (const engine of ['docker', 'podman'] as const) {
      try {
        return await detectContainer(engine);
      } catch {
        // try the next one
      }
    }
    throw bwrapError;
  }
}

export const SANDBOX_KINDS: readonly SandboxRequest[] = ['auto', 'bwrap', 'docker', 'podman', 'none'];

export function isSandboxRequest(value: string): value is SandboxRequest {
  return (SANDBOX_KINDS as readonly string[]).includes(value);
}

export type { Sandbox, SandboxKind };
