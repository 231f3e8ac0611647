import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { EnvironmentError } from '../../errors.js';
import { findEngineRoot } from '../../version.js';
import { DENIED_SYSCALLS } from './build-seccomp-filter.js';
import type { ContainerEngine } from './container-engine.js';

/**
 * podman's default profile as containers-common ships it, a local override in /etc first. docker's default
 * is compiled into dockerd and cannot be read, so the rig ships moby's own (docker-default-seccomp.json, from
 * github.com/moby/profiles/seccomp v0.2.3, Apache-2.0). Not containers-common's for docker: that one allows unshare,
 * clone with namespace flags, mount and keyctl without CAP_SYS_ADMIN, which docker's refuses (measured: `unshare -U`
 * works in a docker container given it).
 */
export const PODMAN_PROFILE_PATHS = ['/etc/containers/seccomp.json', '/usr/share/containers/seccomp.json'];

function dockerProfilePath(): string {
  return path.join(findEngineRoot(), 'src', 'rig', 'sandbox', 'docker-default-seccomp.json');
}

const profileSchema = z
  .object({
    defaultAction: z.string(),
    syscalls: z.array(z.object({ names: z.array(z.string()), action: z.string() }).passthrough()),
  })
  .passthrough();

/**
 * The engine's default seccomp profile with ptrace, process_vm_readv/writev, kcmp and pidfd_getfd answered with EPERM,
 * as the bwrap backend's filter does (build-seccomp-filter.ts). podman's default allows pidfd_getfd and
 * process_vm_readv, docker's allows ptrace: under the live stages' split nothing may reach into another process even
 * when it can see one. The names are dropped from every other rule first (libseccomp refuses two actions for one
 * call), and the profile's archMap makes libseccomp deny them under every ABI it allows (i386, x32) too.
 */
export function buildContainerSeccompProfile(base: unknown, source: string): string {
  const parsed = profileSchema.safeParse(base);
  if (!parsed.success) {
    throw new EnvironmentError({
      code: 'E_SANDBOX_UNAVAILABLE',
      message: `${source} is not a seccomp profile the rig understands: ${parsed.error.issues[0]?.message ?? 'invalid'}`,
      hint: 'restore it from its package (containers-common for podman, this engine for docker), or use --sandbox bwrap',
    });
  }
  const denied = new Set<string>(DENIED_SYSCALLS);
  const syscalls: Array<Record<string, unknown>> = parsed.data.syscalls
    .map((rule) => ({ ...rule, names: rule.names.filter((name) => !denied.has(name)) }))
    .filter((rule) => rule.names.length > 0);
  syscalls.push({
    names: [...DENIED_SYSCALLS],
    action: 'SCMP_ACT_ERRNO',
    errnoRet: 1,
    comment: 'cambrian: nothing reaches into another process (docs/sandbox.md)',
  });
  return `${JSON.stringify({ ...parsed.data, syscalls })}\n`;
}

const cached = new Map<ContainerEngine, string>();

/** The derived profile's text for an engine, read once per process; fails closed when podman's base is missing. */
export function loadContainerSeccompProfile(engine: ContainerEngine): string {
  const known = cached.get(engine);
  if (known !== undefined) return known;
  const source = engine === 'docker' ? dockerProfilePath() : PODMAN_PROFILE_PATHS.find((file) => existsSync(file));
  if (source === undefined) {
    throw new EnvironmentError({
      code: 'E_SANDBOX_UNAVAILABLE',
      message: `podman's default seccomp profile is missing (looked for ${PODMAN_PROFILE_PATHS.join(', ')}), so the rig has none to derive its own from`,
      hint: 'sudo apt-get install -y containers-common, or use --sandbox bwrap',
    });
  }
  let base: unknown;
  try {
    base = JSON.parse(readFileSync(source, 'utf8'));
  } catch (error) {
    throw new EnvironmentError({
      code: 'E_SANDBOX_UNAVAILABLE',
      message: `${source} cannot be read as JSON: ${(error as Error).message}`,
      hint: 'restore it from its package (containers-common for podman, this engine for docker), or use --sandbox bwrap',
      cause: error,
    });
  }
  const profile = buildContainerSeccompProfile(base, source);
  cached.set(engine, profile);
  return profile;
}
