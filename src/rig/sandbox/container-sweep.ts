import { isProcessAlive } from '../../is-process-alive.js';
import { sweepDeadContainerCgroups } from './container-cgroup.js';
import { type ContainerEngine, OWNER_LABEL, removeArgs, runEngine } from './container-engine.js';

/** Containers the rig created, with the pid of the rig that owns each (running, created or exited alike). */
export async function listRigContainers(options: {
  engine: ContainerEngine;
  binary?: string | null;
}): Promise<Array<{ id: string; owner: number }>> {
  const listed = await runEngine({
    ...options,
    args: [
      'ps',
      '--all',
      '--no-trunc',
      '--filter',
      `label=${OWNER_LABEL}`,
      '--format',
      // docker's template has a Label function; podman's only the Labels map.
      options.engine === 'docker'
        ? `{{.ID}} {{.Label "${OWNER_LABEL}"}}`
        : `{{.ID}} {{index .Labels "${OWNER_LABEL}"}}`,
    ],
    timeoutMs: 30_000,
  });
  if (!listed.ok) return [];
  return listed.stdout
    .split('\n')
    .map((line) => line.trim().split(' '))
    .filter((parts) => parts.length === 2 && parts[0] !== '')
    .map(([id = '', owner = '']) => ({ id, owner: Number(owner) }));
}

const swept = new Set<string>();

/**
 * Removes the containers (and their parent cgroups) of rigs that died without cleaning up, once per engine and
 * process, as the bwrap backend sweeps work folders. A rig killed by SIGKILL normally removes its own through the
 * launcher's watchdog; this catches what a killed engine client or a machine crash left.
 */
export async function sweepDeadContainers(options: {
  engine: ContainerEngine;
  binary?: string | null;
}): Promise<number> {
  if (swept.has(options.engine)) return 0;
  swept.add(options.engine);
  const dead = (await listRigContainers(options)).filter(
    (container) => !Number.isInteger(container.owner) || container.owner <= 0 || !isProcessAlive(container.owner),
  );
  if (dead.length > 0) {
    await runEngine({ ...options, args: [...removeArgs(options.engine), ...dead.map((c) => c.id)], timeoutMs: 60_000 });
  }
  sweepDeadContainerCgroups();
  return dead.length;
}
