import { execFileSync } from 'node:child_process';
import { detectCgroups } from '../../src/rig/sandbox/cgroup-limits.js';
import { detectContainerCgroups } from '../../src/rig/sandbox/container-cgroup.js';
import { detectSandbox } from '../../src/rig/sandbox/detect-sandbox.js';
import type { Sandbox } from '../../src/rig/sandbox/sandbox-types.js';

/**
 * The backends a rig suite runs under. bwrap always. docker and podman fail closed: with
 * CAMBRIAN_TEST_CONTAINERS=required (CI sets it) they must work, and a broken engine fails the suite; without it a
 * machine that lacks an engine or its image skips them, and the suite's title says why.
 */
export interface BackendUnderTest {
  kind: 'bwrap' | 'docker' | 'podman';
  /** Null when the backend works here. */
  skipReason: string | null;
  /** Memory and pids limit hits are reported under this backend (writable cgroup v1 controllers). */
  reportsLimits: boolean;
  /** The detected sandbox; call only in tests that are not skipped. */
  sandbox(): Promise<Sandbox>;
}

export const CONTAINERS_REQUIRED = process.env.CAMBRIAN_TEST_CONTAINERS === 'required';
/**
 * With CAMBRIAN_TEST_LIMITS=required (CI sets it: CI runs as root with writable cgroup v1 controllers) the tests of
 * memory and pids limits and of the disk quota run even where the machine seems unable to, and fail saying why.
 */
export const LIMITS_REQUIRED = process.env.CAMBRIAN_TEST_LIMITS === 'required';

function isInstalled(binary: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${binary}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function skipReasonFor(kind: 'docker' | 'podman'): Promise<string | null> {
  if (CONTAINERS_REQUIRED) return null;
  if (!isInstalled(kind)) return `${kind} is not installed (CAMBRIAN_TEST_CONTAINERS=required makes this a failure)`;
  try {
    await detectSandbox(kind);
    return null;
  } catch (error) {
    return `${kind} cannot run the rig here: ${(error as Error).message} (CAMBRIAN_TEST_CONTAINERS=required makes this a failure)`;
  }
}

export async function backendsUnderTest(): Promise<BackendUnderTest[]> {
  const backends: BackendUnderTest[] = [
    {
      kind: 'bwrap',
      skipReason: null,
      reportsLimits: detectCgroups()?.memory != null && detectCgroups()?.pids != null,
      sandbox: () => detectSandbox('bwrap'),
    },
  ];
  for (const kind of ['docker', 'podman'] as const) {
    backends.push({
      kind,
      skipReason: await skipReasonFor(kind),
      reportsLimits: detectContainerCgroups() !== null,
      sandbox: () => detectSandbox(kind),
    });
  }
  return backends;
}

/** The suite title: the backend, and why it is skipped when it is. */
export function backendTitle(backend: BackendUnderTest): string {
  return backend.skipReason === null ? backend.kind : `${backend.kind} (skipped: ${backend.skipReason})`;
}
