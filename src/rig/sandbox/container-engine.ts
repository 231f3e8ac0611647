import { execFile } from 'node:child_process';

export type ContainerEngine = 'docker' | 'podman';

/** Every container the rig creates carries the pid of the process that owns it, so a later rig can sweep orphans. */
export const OWNER_LABEL = 'cambrian.owner';
const CLEAN_ENV = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' };

export function isContainerEngine(kind: string): kind is ContainerEngine {
  return kind === 'docker' || kind === 'podman';
}

/** The engine's client and the arguments every call starts with. */
export function engineCommand(engine: ContainerEngine, binary?: string | null): string[] {
  return [binary ?? engine];
}

/** Removes containers at once, with no stop grace (podman otherwise waits 10 s for a SIGTERM that pid 1 ignores). */
export function removeArgs(engine: ContainerEngine): string[] {
  return engine === 'podman' ? ['rm', '--force', '--time', '0'] : ['rm', '--force'];
}

export interface EngineResult {
  ok: boolean;
  code: number | null;
  stdout: string;
  stderr: string;
  /** The client binary does not exist. */
  missing: boolean;
}

/**
 * Runs one engine client command with a clean environment. `cwd` matters for podman: conmon drops an `oom` file into
 * its working folder, so it must be a folder the rig owns and removes.
 */
export function runEngine(options: {
  engine: ContainerEngine;
  binary?: string | null;
  args: readonly string[];
  timeoutMs?: number;
  cwd?: string;
}): Promise<EngineResult> {
  const [file = options.engine, ...prefix] = engineCommand(options.engine, options.binary);
  return new Promise((resolve) => {
    execFile(
      file,
      [...prefix, ...options.args],
      {
        env: CLEAN_ENV,
        timeout: options.timeoutMs ?? 60_000,
        maxBuffer: 16 * 1024 * 1024,
        ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
      },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
        resolve({
          ok: error === null,
          code,
          stdout: stdout.toString(),
          stderr: stderr.toString(),
          missing: (error as NodeJS.ErrnoException | null)?.code === 'ENOENT',
        });
      },
    );
  });
}
