import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { EnvironmentError } from '../../errors.js';
import { buildContainerArgs } from './build-container-args.js';
import { loadContainerSeccompProfile } from './build-container-seccomp-profile.js';
import { type ContainerCgroup, createContainerCgroup, detectContainerCgroups } from './container-cgroup.js';
import { type ContainerEngine, removeArgs, runEngine } from './container-engine.js';
import type { SandboxBind } from './sandbox-types.js';

/** How spawnSandboxed starts, ends and cleans up one container run. */
export interface ContainerLaunch {
  /** The launcher to spawn, with a pipe on its stdin (see LAUNCH). */
  launcher: string[];
  /** The engine client's working folder (podman's conmon writes an `oom` file there). */
  cwd: string;
  /** Removes the container at once; resolves when the engine has removed it. */
  remove(): Promise<void>;
  /** For process exit handlers. */
  removeSync(): void;
  /**
   * The command in the container has ended, though the client may still be waiting for the engine's teardown (a few
   * hundred ms, seconds under load): a time limit that runs out now was met.
   */
  hasExited(): Promise<boolean>;
  /** After the launcher exited: was it an engine failure, which limits were hit; then everything is cleaned up. */
  finish(options: {
    killedByRig: boolean;
    /** The command ended by SIGKILL (exit 137 through the engine). */
    killedBySignal: boolean;
    stderrTail: string;
  }): Promise<{ memory: boolean; pids: boolean }>;
}

/**
 * Create, then start attached. The launcher keeps its stdin (a pipe from the rig) on fd 3 for a background reader:
 * when the rig dies, even by SIGKILL, the pipe closes and the reader removes the container, so no container outlives
 * its rig. When the rig ends a run itself it kills the launcher's group (reader included) and removes the container.
 * $0 is the engine client, $1 the container name, $2 the remove arguments; the rest is `create …`.
 */
const LAUNCH = [
  'e=$0; n=$1; r=$2; shift 2',
  '"$e" "$@" >/dev/null || exit 125',
  'exec 3<&0',
  // One `rm --force` can stop the container and still fail to remove it (podman, racing its own cleanup of the
  // stopped container under load: seen as an `Exited` container left behind in CI), so it is repeated while the
  // container still exists, up to five times a second apart.
  '{ read -r _; i=0; while [ $i -lt 5 ]; do "$e" $r "$n" && break; "$e" inspect "$n" || break; i=$((i+1)); sleep 1; done; } <&3 >/dev/null 2>&1 &',
  'exec "$e" start --attach "$n" <&- 3<&-',
].join('\n');

export function prepareContainerLaunch(options: {
  engine: ContainerEngine;
  binary: string | null;
  image: string;
  name: string;
  argv: readonly string[];
  cwd: string;
  binds: readonly SandboxBind[];
  env: Readonly<Record<string, string>>;
  memoryMb: number;
  pids: number;
  fileSizeBytes: number;
  tmpMb: number;
}): ContainerLaunch {
  const profile = loadContainerSeccompProfile(options.engine);
  const support = detectContainerCgroups();
  const cgroup: ContainerCgroup | null =
    support === null ? null : createContainerCgroup({ support, memoryMb: options.memoryMb, pids: options.pids });
  const engineCwd = mkdtempSync(path.join(os.tmpdir(), `cambrian-engine-${process.pid}-`));
  const binary = options.binary ?? options.engine;
  // The engine client reads the profile when it creates the container; the folder goes in finish().
  const seccompProfile = path.join(engineCwd, 'seccomp.json');
  writeFileSync(seccompProfile, profile);
  const create = buildContainerArgs({ ...options, cgroupParent: cgroup?.parent ?? null, seccompProfile });
  const remove = removeArgs(options.engine);
  const engine = { engine: options.engine, binary, cwd: engineCwd };

  async function removeContainer(): Promise<void> {
    await runEngine({ ...engine, args: [...remove, options.name], timeoutMs: 30_000 });
  }

  return {
    launcher: ['/bin/sh', '-c', LAUNCH, binary, options.name, remove.join(' '), ...create],
    cwd: engineCwd,
    remove: removeContainer,
    removeSync() {
      try {
        execFileSync(binary, [...remove, options.name], { stdio: 'ignore', cwd: engineCwd, timeout: 10_000 });
      } catch {
        // already gone
      }
    },
    async hasExited() {
      const state = await runEngine({
        ...engine,
        args: ['inspect', '--format', '{{.State.Status}}', options.name],
        timeoutMs: 10_000,
      });
      return state.ok && ['exited', 'stopped', 'dead'].includes(state.stdout.trim());
    },
    async finish({ killedByRig, killedBySignal, stderrTail }) {
      try {
        const state = await runEngine({
          ...engine,
          args: ['inspect', '--format', '{{.State.StartedAt}}', options.name],
          timeoutMs: 30_000,
        });
        await removeContainer();
        const started = state.ok && !state.stdout.trim().startsWith('0001-01-01');
        if (!started && !killedByRig) {
          // The artifact never ran: the engine failed (no image, a runtime error), which is never the artifact's fault.
          throw new EnvironmentError({
            code: 'E_SANDBOX_ENGINE',
            message: `${options.engine} could not start the rig's container: ${lastLines(stderrTail || state.stderr)}`,
            hint: `run \`cambrian sandbox doctor\` to see what ${options.engine} can do here, or use --sandbox bwrap`,
          });
        }
        if (cgroup === null) return { memory: false, pids: false };
        const hit = await cgroup.readLimitsHit();
        // Reaching the limit is a kill only when the kernel's SIGKILL ended the command (page cache is reclaimed).
        return { memory: hit.memory && killedBySignal && !killedByRig, pids: hit.pids };
      } finally {
        await cgroup?.destroy();
        await rm(engineCwd, { recursive: true, force: true });
      }
    },
  };
}

function lastLines(text: string): string {
  return text.trim().split('\n').slice(-3).join(' ').slice(0, 600) || 'no output';
}
