import type { SandboxBind } from './sandbox-types.js';

/**
 * `docker run` / `podman run` arguments with the same guarantees as the bwrap backend: no network, read-only root,
 * tmpfs /tmp, no capabilities, memory/pids/file-size limits enforced by the engine. UNTESTED on this machine (no
 * container engine runs here); see docs/sandbox.md.
 */
export function buildContainerArgs(options: {
  name: string;
  image: string;
  argv: readonly string[];
  cwd: string;
  binds: readonly SandboxBind[];
  env: Readonly<Record<string, string>>;
  memoryMb: number;
  pids: number;
  fileSizeBytes: number;
  tmpMb: number;
}): string[] {
  const args = [
    'run',
    '--rm',
    '--name',
    options.name,
    '--network',
    'none',
    '--read-only',
    '--cap-drop',
    'ALL',
    '--security-opt',
    'no-new-privileges',
    '--init',
    '--pids-limit',
    String(options.pids),
    '--memory',
    `${options.memoryMb}m`,
    '--memory-swap',
    `${options.memoryMb}m`,
    '--ulimit',
    `fsize=${options.fileSizeBytes}:${options.fileSizeBytes}`,
    '--tmpfs',
    `/tmp:rw,exec,size=${options.tmpMb}m`,
    '--workdir',
    options.cwd,
  ];
  for (const bind of options.binds) {
    args.push('--volume', `${bind.host}:${bind.inside ?? bind.host}:${bind.writable === true ? 'rw' : 'ro'}`);
  }
  for (const [key, value] of Object.entries(options.env)) args.push('--env', `${key}=${value}`);
  args.push(options.image, ...options.argv);
  return args;
}
