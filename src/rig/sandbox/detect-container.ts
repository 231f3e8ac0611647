import { existsSync } from 'node:fs';
import { EnvironmentError } from '../../errors.js';
import { loadContainerSeccompProfile } from './build-container-seccomp-profile.js';
import { type ContainerEngine, runEngine } from './container-engine.js';
import { sweepDeadContainers } from './container-sweep.js';
import { IMAGE_REPOSITORY, rigImageTag } from './rig-image.js';
import { runSandboxed } from './run-sandboxed.js';
import type { Sandbox } from './sandbox-types.js';

const START_HINT: Record<ContainerEngine, string> = {
  docker:
    'start dockerd (systemctl start docker; without systemd: dockerd --bridge=none --iptables=false --ip6tables=false &), or use --sandbox bwrap',
  podman:
    'see `podman info` for the cause (docs/sandbox.md has the set-up for root without systemd), or use --sandbox bwrap',
};

function unavailable(message: string, hint: string): EnvironmentError {
  return new EnvironmentError({ code: 'E_SANDBOX_UNAVAILABLE', message, hint });
}

/** The engine answers, or why not. */
async function checkEngine(engine: ContainerEngine): Promise<void> {
  const info = await runEngine({ engine, args: ['info', '--format', '{{json .}}'], timeoutMs: 20_000 });
  if (info.missing) {
    throw unavailable(
      `${engine} is not installed`,
      `sudo apt-get install -y ${engine === 'docker' ? 'docker.io' : 'podman runc'}, or use --sandbox bwrap`,
    );
  }
  if (!info.ok) {
    const why = info.stderr.trim().split('\n').slice(-1)[0] ?? '';
    throw unavailable(`${engine} is installed but its engine does not answer: ${why}`, START_HINT[engine]);
  }
  // Rootless podman on cgroup v1 cannot delegate memory and pids controllers and silently drops those limits.
  if (engine === 'podman' && process.getuid?.() !== 0 && !existsSync('/sys/fs/cgroup/cgroup.controllers')) {
    throw new EnvironmentError({
      code: 'E_SANDBOX_LIMITS',
      message: 'rootless podman on a cgroup v1 host would run the artifact without memory and pids limits',
      hint: 'run the rig as root, boot with cgroup v2 (systemd.unified_cgroup_hierarchy=1), or use --sandbox bwrap',
    });
  }
}

/** The image built for this machine's inputs exists; an older `cambrian-rig` image is reported as stale. */
async function checkImage(engine: ContainerEngine): Promise<string> {
  const tag = rigImageTag();
  const found = await runEngine({ engine, args: ['image', 'inspect', '--format', '{{.Id}}', tag], timeoutMs: 20_000 });
  if (found.ok) return tag;
  const others = await runEngine({
    engine,
    args: ['images', '--format', '{{.Repository}}:{{.Tag}}', IMAGE_REPOSITORY],
    timeoutMs: 20_000,
  });
  const stale = others.stdout.split('\n').filter((line) => line.includes(`${IMAGE_REPOSITORY}:`));
  throw new EnvironmentError({
    code: 'E_SANDBOX_IMAGE',
    message:
      stale.length > 0
        ? `the rig image is stale: ${engine} has ${stale.join(', ')}, this machine's Node and Debian need ${tag}`
        : `the rig image ${tag} is not built for ${engine}`,
    hint: `cambrian sandbox image --engine ${engine} (offline: Debian minbase from apt's mirror plus this Node, about two minutes)`,
  });
}

const detected = new Map<ContainerEngine, Promise<Sandbox>>();

/**
 * A container backend that really works: the engine answers, the current image exists, orphans of dead rigs are
 * removed, and a probe container with every one of the rig's flags runs `true`. Any failure is an EnvironmentError
 * (exit 2), so an engine problem is never reported as the artifact's failure.
 */
export function detectContainer(engine: ContainerEngine): Promise<Sandbox> {
  let pending = detected.get(engine);
  if (pending === undefined) {
    pending = probe(engine);
    detected.set(engine, pending);
    pending.catch(() => detected.delete(engine));
  }
  return pending;
}

async function probe(engine: ContainerEngine): Promise<Sandbox> {
  await checkEngine(engine);
  loadContainerSeccompProfile(engine);
  const image = await checkImage(engine);
  await sweepDeadContainers({ engine });
  const sandbox: Sandbox = { kind: engine, binary: engine, image, cgroups: null, warning: null };
  const result = await runSandboxed({ sandbox, argv: ['true'], cwd: '/', binds: [], env: {}, timeoutMs: 60_000 });
  if (result.exitCode !== 0) {
    throw unavailable(
      `${engine} cannot run the rig's container here (exit ${result.exitCode}): ${result.stderrTail.trim().split('\n').slice(-2).join(' ')}`,
      'cambrian sandbox doctor shows what each backend can do here and how to fix it',
    );
  }
  return sandbox;
}
