import { type ChildProcessByStdio, spawn } from 'node:child_process';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { findEngineRoot } from '../../version.js';
import { buildBwrapArgs, nodeInstallDir } from './build-bwrap-args.js';
import { buildSeccompFilter } from './build-seccomp-filter.js';
import { type CgroupSet, createCgroups } from './cgroup-limits.js';
import { LaunchMarkerScanner } from './launch-marker.js';
import { OutputTail } from './output-tail.js';
import {
  DEFAULT_LIMITS,
  type SandboxBind,
  type SandboxProcess,
  type SandboxResult,
  type SandboxRunOptions,
} from './sandbox-types.js';
import { type ContainerLaunch, prepareContainerLaunch } from './spawn-container.js';

/** PATH of the rig's own host commands (the launcher, mount). */
export const HOST_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const BRIDGE_INSIDE = '/run/cambrian/loopback-bridge.mjs';
const SECCOMP_FILTER = buildSeccompFilter();
/**
 * How long a container engine may take to create and start a container before the run's own time limit starts anyway
 * (it normally starts at the entry's launch marker, after 1–3 s here).
 */
const CONTAINER_LAUNCH_MS = 20_000;
// Joins the run's cgroups before exec, so the launcher and every descendant are limited from their first instruction.
const JOIN_CGROUPS = 'while [ "$1" != "--" ]; do echo $$ > "$1" || exit 125; shift; done; shift; exec "$@"';

/** Every tree still alive, killed synchronously if the engine exits on any path. */
const live = new Set<{ pid: number; cgroups: CgroupSet | null; removeSync?: () => void }>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const entry of live) {
      for (const target of entry.pid > 1 ? [-entry.pid, entry.pid] : []) {
        try {
          process.kill(target, 'SIGKILL');
        } catch {
          // gone
        }
      }
      entry.cgroups?.killSync();
      entry.removeSync?.();
    }
  });
}

/** PATH inside the sandbox unless `env.PATH` replaces it: the system folders and the bound node's bin/. */
export function defaultSandboxPath(): string {
  const nodeBinDir = path.join(nodeInstallDir(), 'bin');
  return nodeBinDir === '/usr/bin' ? HOST_PATH : `${nodeBinDir}:${HOST_PATH}`;
}

function insideEnv(options: SandboxRunOptions, heapMb: number): Record<string, string> {
  const nodeOptions = [`--max-old-space-size=${heapMb}`, options.env.NODE_OPTIONS ?? ''].join(' ').trim();
  return {
    PATH: defaultSandboxPath(),
    HOME: '/tmp/home',
    ...options.env,
    NODE_OPTIONS: nodeOptions,
  };
}

/** The bound folder inside which an expose creates its socket (a hostile fixture plants links there). */
export function exposeDirInside(port: number): string {
  return `/run/cambrian/expose-${port}`;
}

function bridgeBinds(options: SandboxRunOptions): { binds: SandboxBind[]; argv: string[] } {
  const bridges = options.bridges ?? [];
  const exposes = options.exposes ?? [];
  if (bridges.length === 0 && exposes.length === 0) return { binds: [], argv: [...options.argv] };
  const script = path.join(findEngineRoot(), 'dist', 'test-rig', 'src', 'loopback-bridge.js');
  const binds: SandboxBind[] = [{ host: script, inside: BRIDGE_INSIDE }];
  const argv = [options.sandbox.kind === 'bwrap' ? process.execPath : 'node', BRIDGE_INSIDE];
  for (const bridge of bridges) {
    const inside = `/run/cambrian/bridge-${bridge.port}.sock`;
    binds.push({ host: bridge.socketPath, inside, writable: true });
    argv.push('--bridge', `${bridge.port}=${inside}`);
  }
  for (const expose of exposes) {
    const inside = exposeDirInside(expose.port);
    binds.push({ host: path.dirname(expose.socketPath), inside, writable: true });
    argv.push('--expose', `${expose.port}=${inside}/${path.basename(expose.socketPath)}`);
  }
  argv.push('--', ...options.argv);
  return { binds, argv };
}

/**
 * For `none`, inside paths do not exist: map every path under a bind's `inside` back to its host path, also inside
 * PATH-like lists and `sh -c` scripts (longest inside path first, so nested binds win).
 */
function toHostPaths(binds: readonly SandboxBind[], text: string): string {
  const sorted = [...binds].sort((a, b) => (b.inside ?? b.host).length - (a.inside ?? a.host).length);
  let out = text;
  for (const bind of sorted) {
    const root = bind.inside ?? bind.host;
    if (root === bind.host) continue;
    out = out.replace(new RegExp(`${root.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?=/|:|$|\\s|")`, 'g'), bind.host);
  }
  return out;
}

let nameCounter = 0;

/**
 * Starts `argv` in the sandbox and returns at once: `done` settles when the process ended and the whole tree is gone;
 * `kill()` ends it early. Limits apply to the whole tree; the environment inside is exactly `env` plus PATH, HOME and
 * the heap cap.
 */
export function spawnSandboxed(options: SandboxRunOptions): SandboxProcess {
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const started = Date.now();
  const { sandbox } = options;
  const env = insideEnv(options, limits.heapMb);
  const bridged = bridgeBinds(options);
  const binds = [...bridged.binds, ...options.binds];
  const fileSizeBytes = limits.fileSizeMb * 1024 * 1024;
  const containerName = `cambrian-rig-${process.pid}-${nameCounter++}`;

  const cgroups =
    sandbox.cgroups === null || sandbox.kind === 'docker' || sandbox.kind === 'podman'
      ? null
      : createCgroups({ support: sandbox.cgroups, memoryMb: limits.memoryMb, pids: limits.pids });
  // RLIMIT_NPROC counts per user and is ignored for root, so it is only a fallback when no pids cgroup exists.
  const rlimits = [`--fsize=${fileSizeBytes}`];
  if (cgroups === null || sandbox.cgroups?.pids === null) rlimits.push(`--nproc=${limits.pids}`);

  let launcher: string[];
  let spawnEnv: Record<string, string> = { PATH: HOST_PATH };
  let spawnCwd: string | undefined;
  let container: ContainerLaunch | null = null;
  // bwrap reads the seccomp program from fd 3, a pipe the engine fills right after the spawn.
  const seccomp = sandbox.kind === 'bwrap' ? SECCOMP_FILTER : null;
  if (sandbox.kind === 'bwrap') {
    const bwrapArgs = buildBwrapArgs({
      argv: bridged.argv,
      cwd: options.cwd,
      binds,
      env,
      tmpMb: limits.tmpMb,
      ...(seccomp === null ? {} : { seccompFd: 3 }),
    });
    launcher = ['prlimit', ...rlimits, '--', sandbox.binary ?? 'bwrap', ...bwrapArgs];
  } else if (sandbox.kind === 'none') {
    const argv = bridged.argv.map((arg) => toHostPaths(binds, arg));
    launcher = ['setpriv', '--pdeathsig', 'KILL', '--', 'prlimit', ...rlimits, '--', ...argv];
    spawnEnv = Object.fromEntries(Object.entries(env).map(([key, value]) => [key, toHostPaths(binds, value)]));
    spawnCwd = toHostPaths(binds, options.cwd);
  } else {
    container = prepareContainerLaunch({
      engine: sandbox.kind,
      binary: sandbox.binary,
      image: sandbox.image ?? 'cambrian-rig',
      name: containerName,
      argv: bridged.argv,
      cwd: options.cwd,
      binds,
      env,
      memoryMb: limits.memoryMb,
      pids: limits.pids,
      fileSizeBytes,
      tmpMb: limits.tmpMb,
    });
    launcher = container.launcher;
    spawnCwd = container.cwd;
  }

  const child = spawn('/bin/sh', ['-c', JOIN_CGROUPS, 'sh', ...(cgroups?.procsFiles ?? []), '--', ...launcher], {
    env: spawnEnv,
    cwd: spawnCwd,
    detached: true,
    // A container's launcher watches its stdin: the pipe closing (the rig died) removes the container. bwrap reads the
    // seccomp program from fd 3, a pipe the engine fills right after the spawn.
    stdio: [container === null ? 'ignore' : 'pipe', 'pipe', 'pipe', seccomp === null ? 'ignore' : 'pipe'],
  }) as unknown as ChildProcessByStdio<Writable | null, Readable, Readable>;
  if (seccomp !== null) {
    const program = child.stdio[3] as Writable | null;
    program?.on('error', () => undefined); // a launcher that failed to start: reported below
    program?.end(seccomp);
  }
  const pid = child.pid ?? -1;
  const entry = { pid, cgroups, ...(container === null ? {} : { removeSync: container.removeSync }) };
  live.add(entry);
  installExitHook();

  const tailBytes = options.tailBytes ?? 8192;
  const stdout = new OutputTail(tailBytes);
  const stderr = new OutputTail(tailBytes);
  child.stdout.on('data', (chunk: Buffer) => {
    stdout.push(chunk);
    options.onStdout?.(chunk);
  });
  const onStderr = (chunk: Buffer): void => {
    if (chunk.length === 0) return;
    stderr.push(chunk);
    options.onStderr?.(chunk);
  };
  // A container's time limit restarts when its entry says the command starts (see launch-marker.ts).
  let ended = false;
  const scanner =
    container === null
      ? null
      : new LaunchMarkerScanner(() => {
          if (!ended) armTimer(options.timeoutMs);
        });
  child.stderr.on('data', (chunk: Buffer) => onStderr(scanner === null ? chunk : scanner.push(chunk)));

  // Registered now: the streams may close before the exit handling below gets to wait for them.
  const streamsClosed = Promise.all([
    new Promise((resolve) => child.stdout.once('close', resolve)),
    new Promise((resolve) => child.stderr.once('close', resolve)),
  ]);

  let killedFor: string | undefined;
  let timedOut = false;
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => {
    child.once('error', (error) => {
      stderr.push(Buffer.from(`cannot start the sandbox launcher: ${error.message}\n`));
      resolve({ code: 127, signal: null });
    });
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });

  function killLauncher(): void {
    // Never signal pid 0, 1 or -1 (a launcher that failed to spawn has no pid): that would hit everything.
    for (const target of pid > 1 ? [-pid, pid] : []) {
      try {
        process.kill(target, 'SIGKILL');
      } catch {
        // gone
      }
    }
  }
  async function killTree(): Promise<void> {
    killLauncher();
    await container?.remove();
  }

  let timer: NodeJS.Timeout | undefined;
  function armTimer(ms: number): void {
    clearTimeout(timer);
    timer = setTimeout(() => void onTimeout(), ms);
  }
  async function onTimeout(): Promise<void> {
    // A container whose command already ended met its limit; only the engine's teardown is still running. It gets
    // CONTAINER_LAUNCH_MS more before it is removed anyway.
    if (container !== null && !ended && (await container.hasExited())) {
      if (!ended) timer = setTimeout(() => void killTree(), CONTAINER_LAUNCH_MS);
      return;
    }
    if (ended) return;
    timedOut = true;
    killedFor ??= 'timeout';
    await killTree();
  }
  armTimer(container === null ? options.timeoutMs : options.timeoutMs + CONTAINER_LAUNCH_MS);
  const onAbort = (): void => {
    killedFor ??= 'aborted';
    void killTree();
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted === true) onAbort();

  const done = (async (): Promise<SandboxResult> => {
    const exit = await exited;
    ended = true;
    clearTimeout(timer);
    // What the engine printed without ever starting the command (its error) belongs in the tail.
    if (scanner !== null) onStderr(scanner.flush());
    options.signal?.removeEventListener('abort', onAbort);
    let hit = cgroups === null ? { memory: false, pids: false } : await cgroups.readLimitsHit();
    // The launcher is gone; nothing it started may outlive it.
    if (container === null) await killTree();
    else {
      killLauncher();
      hit = await container.finish({
        killedByRig: killedFor !== undefined,
        killedBySignal: exit.code === 128 + 9,
        stderrTail: stderr.text(),
      });
    }
    const survivors = cgroups === null ? [] : await cgroups.destroy();
    live.delete(entry);
    let graceTimer: NodeJS.Timeout | undefined;
    await Promise.race([
      streamsClosed,
      new Promise((resolve) => {
        graceTimer = setTimeout(resolve, 2000);
      }),
    ]);
    clearTimeout(graceTimer);
    if (scanner !== null) onStderr(scanner.flush());
    child.stdin?.destroy();
    if (!child.stdout.closed) child.stdout.destroy();
    if (!child.stderr.closed) child.stderr.destroy();
    const limitsHit: string[] = [];
    if (hit.memory) {
      limitsHit.push('memory');
      killedFor ??= 'memory';
    }
    if (hit.pids) limitsHit.push('pids');
    // bwrap reports a command killed by signal N as exit 128+N; SIGXFSZ is 25.
    if (exit.signal === 'SIGXFSZ' || exit.code === 128 + 25) {
      limitsHit.push('file-size');
      killedFor ??= 'file-size';
    }
    if (survivors.length > 0) stderr.push(Buffer.from(`sandbox: ${survivors.length} processes would not die\n`));
    return {
      exitCode: exit.code,
      signal: exit.signal,
      timedOut,
      ...(killedFor === undefined ? {} : { killedFor }),
      limitsHit,
      stdoutTail: stdout.text(),
      stderrTail: stderr.text(),
      stdoutBytes: stdout.total,
      stderrBytes: stderr.total,
      durationMs: Date.now() - started,
    };
  })();

  return {
    pid,
    done,
    async kill() {
      killedFor ??= 'killed';
      await killTree();
      await done;
    },
  };
}
