import { detectCgroups } from './cgroup-limits.js';
import { detectContainerCgroups } from './container-cgroup.js';
import { detectSandbox } from './detect-sandbox.js';
import { runSandboxed } from './run-sandboxed.js';
import type { SandboxKind } from './sandbox-types.js';

export interface BackendReport {
  backend: SandboxKind;
  available: boolean;
  /** Why not, and the command that fixes it. */
  problem?: string;
  fix?: string;
  /** Median wall time of starting `true` with the rig's flags, three runs. */
  startMs?: number;
  enforced?: Record<string, boolean>;
}

/** Run inside: prints what the sandbox lets through, one fact per line. */
const CHECK = [
  'tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " " | tr "\\n" " "; echo',
  '(echo x > /cambrian-doctor-probe) 2>/dev/null && echo root-writable || echo root-read-only',
  'ulimit -f',
  'grep -c "^CapEff:.*0000000000000000" /proc/self/status',
].join('; ');

async function checkBackend(backend: 'bwrap' | 'docker' | 'podman'): Promise<BackendReport> {
  let sandbox: Awaited<ReturnType<typeof detectSandbox>>;
  try {
    sandbox = await detectSandbox(backend);
  } catch (error) {
    const hint = (error as { hint?: string }).hint;
    return {
      backend,
      available: false,
      problem: (error as Error).message,
      ...(hint === undefined ? {} : { fix: hint }),
    };
  }
  const times: number[] = [];
  for (let run = 0; run < 3; run++) {
    const started = Date.now();
    await runSandboxed({ sandbox, argv: ['true'], cwd: '/', binds: [], env: {}, timeoutMs: 60_000 });
    times.push(Date.now() - started);
  }
  const facts = await runSandboxed({
    sandbox,
    argv: ['sh', '-c', CHECK],
    cwd: '/',
    binds: [],
    env: {},
    timeoutMs: 60_000,
  });
  const [net = '', root = '', fsize = '', noCaps = ''] = facts.stdoutTail.split('\n');
  const cgroups = backend === 'bwrap' ? detectCgroups() : detectContainerCgroups();
  return {
    backend,
    available: true,
    startMs: times.sort((a, b) => a - b)[1] ?? 0,
    enforced: {
      'no network (only lo)': net.trim() === 'lo',
      'read-only root': root === 'root-read-only',
      'file size': fsize.trim() !== 'unlimited',
      'no capabilities': noCaps.trim() === '1',
      'memory limit of the tree': backend === 'bwrap' ? cgroups?.memory != null : true,
      'memory/pids reported when hit': cgroups?.memory != null && cgroups.pids != null,
    },
  };
}

/** `cambrian sandbox doctor`: every backend, checked by running it here. */
export async function runSandboxDoctor(): Promise<BackendReport[]> {
  const reports: BackendReport[] = [];
  for (const backend of ['bwrap', 'docker', 'podman'] as const) reports.push(await checkBackend(backend));
  return reports;
}
