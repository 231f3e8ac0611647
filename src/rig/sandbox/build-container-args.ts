import { existsSync } from 'node:fs';
import { type ContainerEngine, OWNER_LABEL } from './container-engine.js';
import { LAUNCH_MARKER } from './launch-marker.js';
import type { SandboxBind } from './sandbox-types.js';

const PODMAN_INIT = '/usr/libexec/podman/catatonit';

/**
 * Inside the container, before the command: HOME exists (the image's root is read-only, /tmp is a fresh tmpfs), the
 * launch marker goes to stderr (the run's time limit starts there, see launch-marker.ts) and the file-size limit is
 * set with prlimit. Not `--ulimit`: with podman here any `--ulimit` replaces the default ulimits from
 * containers.conf, and the runtime then asks for limits root cannot grant.
 */
export function containerEntry(argv: readonly string[], fileSizeBytes: number): string[] {
  const script = [
    'mkdir -p "$HOME" 2>/dev/null',
    `echo ${LAUNCH_MARKER} >&2`,
    `exec prlimit --fsize=${fileSizeBytes}:${fileSizeBytes} -- "$@"`,
  ].join('; ');
  return ['/bin/sh', '-c', script, 'sh', ...argv];
}

/**
 * `docker create` / `podman create` arguments with the same guarantees as the bwrap backend: no network, read-only
 * root, tmpfs /tmp, no capabilities, no new privileges, the rig's seccomp profile (no reaching into another process,
 * build-container-seccomp-profile.ts), memory/pids limits (on the rig's parent cgroup when it has
 * one, else the engine's flags), file size via prlimit. Labelled with the owner's pid so orphans can be swept.
 */
export function buildContainerArgs(options: {
  engine: ContainerEngine;
  name: string;
  image: string;
  argv: readonly string[];
  cwd: string;
  binds: readonly SandboxBind[];
  env: Readonly<Record<string, string>>;
  /** The rig's parent cgroup holding the memory and pids limits; null: the engine's own flags set them. */
  cgroupParent: string | null;
  memoryMb: number;
  pids: number;
  fileSizeBytes: number;
  tmpMb: number;
  /** Path of the seccomp profile file the engine client reads. */
  seccompProfile: string;
}): string[] {
  const args = [
    'create',
    '--name',
    options.name,
    '--label',
    `${OWNER_LABEL}=${process.pid}`,
    '--network',
    'none',
    '--read-only',
    '--cap-drop',
    'ALL',
    '--security-opt',
    'no-new-privileges',
    '--security-opt',
    `seccomp=${options.seccompProfile}`,
    '--tmpfs',
    `/tmp:rw,exec,size=${options.tmpMb}m`,
    '--workdir',
    options.cwd,
    // Output reaches the rig through the attached client only: no engine log on disk (an artifact may print 50 MB).
    '--log-driver',
    'none',
  ];
  // An init as pid 1 reaps orphans; podman's needs catatonit, without it the command itself is pid 1.
  if (options.engine === 'docker' || existsSync(PODMAN_INIT)) args.push('--init');
  // podman adds `container` and TERM to the environment unless told not to (docker always adds HOSTNAME).
  if (options.engine === 'podman') args.push('--unsetenv-all');
  if (options.cgroupParent !== null) args.push('--cgroup-parent', options.cgroupParent);
  else {
    const memory = `${options.memoryMb}m`;
    args.push('--memory', memory, '--memory-swap', memory, '--pids-limit', String(options.pids));
  }
  for (const bind of options.binds) {
    args.push('--volume', `${bind.host}:${bind.inside ?? bind.host}:${bind.writable === true ? 'rw' : 'ro'}`);
  }
  for (const [key, value] of Object.entries(options.env)) args.push('--env', `${key}=${value}`);
  args.push(options.image, ...containerEntry(options.argv, options.fileSizeBytes));
  return args;
}
