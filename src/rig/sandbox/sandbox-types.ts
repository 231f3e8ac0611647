import type { CgroupSupport } from './cgroup-limits.js';

export type SandboxKind = 'bwrap' | 'docker' | 'podman' | 'none';
export type SandboxRequest = 'auto' | SandboxKind;

/** A sandbox backend that was found to work on this machine (see detectSandbox). */
export interface Sandbox {
  kind: SandboxKind;
  /** Absolute path of the launcher binary (bwrap, docker, podman); null for `none`. */
  binary: string | null;
  /** Container image for docker/podman. */
  image: string | null;
  /** cgroup v1 controllers the rig can write here (memory, pids), or null when limits fall back to rlimits. */
  cgroups: CgroupSupport | null;
  /** Printed on every run (the `none` backend). */
  warning: string | null;
}

export interface SandboxBind {
  /** Absolute host path (file or folder). */
  host: string;
  /** Path inside the sandbox; the host path when omitted. */
  inside?: string;
  /** Read-only unless true. */
  writable?: boolean;
}

export interface SandboxLimits {
  /** Memory of the whole process tree (cgroup v1 memory controller; docker --memory). */
  memoryMb?: number;
  /** Processes + threads of the whole tree (cgroup pids controller; else RLIMIT_NPROC, not enforced for root). */
  pids?: number;
  /** Largest file any process may write (RLIMIT_FSIZE). */
  fileSizeMb?: number;
  /** Node heap cap, passed as NODE_OPTIONS=--max-old-space-size. */
  heapMb?: number;
  /** Size of the tmpfs mounted at /tmp. */
  tmpMb?: number;
  /**
   * The rig's disk quota: size of the tmpfs mounted on its work folder (artifact copy, JUnit folder, probe workspace),
   * as root only (rig-layout.ts); spawnSandboxed itself does not use it.
   */
  diskMb?: number;
}

/** Lets a process without network reach a host server: the sandbox listens on 127.0.0.1:port and pipes to socketPath. */
export interface SandboxBridge {
  port: number;
  socketPath: string;
}

/**
 * The reverse of a bridge: once something inside listens on 127.0.0.1:port, the sandbox creates the unix socket
 * `socketPath` (a host path; its folder is bound writable, inside at `/run/cambrian/expose-<port>/`) that pipes to it.
 */
export interface SandboxExpose {
  port: number;
  socketPath: string;
}

export interface SandboxRunOptions {
  sandbox: Sandbox;
  /** Program and arguments, run inside; argv[0] is looked up on the sandbox PATH. */
  argv: readonly string[];
  /** Working directory inside the sandbox (usually the `inside` of a writable bind). */
  cwd: string;
  binds: readonly SandboxBind[];
  /** The whole environment inside, plus PATH, HOME=/tmp/home and the NODE_OPTIONS heap cap that the sandbox sets. */
  env: Readonly<Record<string, string>>;
  timeoutMs: number;
  limits?: SandboxLimits;
  bridges?: readonly SandboxBridge[];
  exposes?: readonly SandboxExpose[];
  signal?: AbortSignal;
  onStdout?: (chunk: Buffer) => void;
  onStderr?: (chunk: Buffer) => void;
  /** Bytes of stdout/stderr kept in the result's tails (default 8192); the rest is discarded while streaming. */
  tailBytes?: number;
}

export interface SandboxResult {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  /** Why the rig killed the tree or the kernel killed a process: `timeout`, `aborted`, `memory`, `file-size`. */
  killedFor?: string;
  /** Limits the tree ran into even when it survived them (`pids`: a fork was refused). */
  limitsHit: string[];
  stdoutTail: string;
  stderrTail: string;
  stdoutBytes: number;
  stderrBytes: number;
  durationMs: number;
}

export interface SandboxProcess {
  /** Host pid of the launcher (bwrap, docker, or the process itself for `none`). */
  pid: number;
  done: Promise<SandboxResult>;
  /** Kills the whole tree and waits until nothing of it is left. */
  kill(): Promise<void>;
}

export const DEFAULT_LIMITS: Required<SandboxLimits> = {
  memoryMb: 2048,
  pids: 512,
  fileSizeMb: 256,
  heapMb: 1024,
  tmpMb: 512,
  diskMb: 1024,
};
