import { existsSync, lstatSync, readlinkSync, realpathSync } from 'node:fs';
import path from 'node:path';
import type { SandboxBind } from './sandbox-types.js';

/** Pieces of /etc a Node program needs (TLS roots, name service, dynamic linker); nothing else of /etc is visible. */
const ETC_FILES = [
  '/etc/ssl',
  '/etc/ca-certificates',
  '/etc/alternatives',
  '/etc/hosts',
  '/etc/resolv.conf',
  '/etc/host.conf',
  '/etc/nsswitch.conf',
  '/etc/passwd',
  '/etc/group',
  '/etc/ld.so.cache',
  '/etc/ld.so.conf',
  '/etc/ld.so.conf.d',
  '/etc/localtime',
];
const TOP_LEVEL = ['/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];

/** The install prefix of the running node (e.g. /usr or ~/.nvm/versions/node/v20.x), bound so `node` runs inside. */
export function nodeInstallDir(): string {
  return path.dirname(path.dirname(realpathSync(process.execPath)));
}

/** The read-only system view: /usr, merged-/usr symlinks, a few /etc files, the node install; no /home, /work, /root. */
export function systemBindArgs(): string[] {
  const args = ['--ro-bind', '/usr', '/usr'];
  for (const dir of TOP_LEVEL) {
    if (!existsSync(dir)) continue;
    const stat = lstatSync(dir);
    if (stat.isSymbolicLink()) args.push('--symlink', readlinkSync(dir), dir);
    else args.push('--ro-bind', dir, dir);
  }
  for (const file of ETC_FILES) args.push('--ro-bind-try', file, file);
  const nodeDir = nodeInstallDir();
  if (nodeDir !== '/usr' && !nodeDir.startsWith('/usr/')) args.push('--ro-bind', nodeDir, nodeDir);
  return args;
}

/** The namespaces and privileges every sandboxed run drops; detection probes with exactly these. */
export const BWRAP_ISOLATION_ARGS: readonly string[] = [
  '--unshare-all',
  '--unshare-user',
  '--disable-userns',
  '--cap-drop',
  'ALL',
  '--die-with-parent',
  '--new-session',
];

/**
 * bwrap arguments for one run. Order matters: bwrap applies mounts in sequence, so binds under /tmp come after the
 * tmpfs. No network (--unshare-all), no capabilities (as root bwrap keeps them otherwise, and a process holding
 * CAP_SYS_ADMIN in its namespace can remount a read-only bind read-write), no nested user namespaces.
 */
export function buildBwrapArgs(options: {
  argv: readonly string[];
  cwd: string;
  binds: readonly SandboxBind[];
  env: Readonly<Record<string, string>>;
  tmpMb: number;
  /** A descriptor bwrap reads a seccomp program from (see buildSeccompFilter). */
  seccompFd?: number;
}): string[] {
  const args = [
    ...BWRAP_ISOLATION_ARGS,
    ...(options.seccompFd === undefined ? [] : ['--seccomp', String(options.seccompFd)]),
    '--hostname',
    'sandbox',
    ...systemBindArgs(),
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    '--size',
    String(options.tmpMb * 1024 * 1024),
    '--tmpfs',
    '/tmp',
    '--dir',
    '/tmp/home',
  ];
  for (const bind of options.binds) {
    args.push(bind.writable === true ? '--bind' : '--ro-bind', bind.host, bind.inside ?? bind.host);
  }
  // The root itself is bwrap's own tmpfs holding the mount points: make it read-only too (binds keep their mode).
  args.push('--remount-ro', '/', '--chdir', options.cwd, '--clearenv');
  for (const [key, value] of Object.entries(options.env)) args.push('--setenv', key, value);
  args.push('--', ...options.argv);
  return args;
}
