import path from 'node:path';
import { PROBE_BRIDGES } from '../../test-rig/src/live-stage-types.js';
import type { Manifest } from '../artifact/manifest-schema.js';
import { ARTIFACT_PORT, artifactBinds, artifactEnv, INSIDE, type RigLayout } from './rig-layout.js';
import type { Sandbox, SandboxLimits, SandboxProcess } from './sandbox/sandbox-types.js';
import { spawnSandboxed } from './sandbox/spawn-sandboxed.js';

/**
 * The judged side of the live stages: the artifact's start command in a sandbox of its own, with the artifact copy
 * and the probe workspace writable and the trusted spec read-only. Its port leaves the sandbox only as the socket
 * `artifactSocket` (created once the port accepts); the probe's servers (sockets in `probeSockets`) appear on its
 * loopback at the ports PROBE_BRIDGES names. With `none` there is one network, so the probe's URLs are used as given.
 */
export function spawnStartCommand(options: {
  layout: RigLayout;
  sandbox: Sandbox;
  manifest: Manifest;
  specName: string;
  probeEnv: Readonly<Record<string, string>>;
  probeSockets: string;
  artifactSocket: string;
  timeoutMs: number;
  limits: SandboxLimits | undefined;
  signal: AbortSignal | undefined;
}): SandboxProcess {
  const { layout, sandbox, manifest, probeEnv } = options;
  const bridged = sandbox.kind !== 'none' && PROBE_BRIDGES.every((bridge) => bridge.envKey in probeEnv);
  const env: Record<string, string> = { ...artifactEnv(), ...probeEnv };
  // The start command gets the rig's environment minus what only the test command needs (docs/contracts.md §1).
  delete env.CAMBRIAN_JUNIT_PATH;
  if (bridged) for (const bridge of PROBE_BRIDGES) env[bridge.envKey] = `http://127.0.0.1:${bridge.port}`;
  env.CAMBRIAN_PORT = String(ARTIFACT_PORT);
  env.CAMBRIAN_GENERATION = String(manifest.generation);
  return spawnSandboxed({
    sandbox,
    timeoutMs: options.timeoutMs,
    ...(options.limits === undefined ? {} : { limits: options.limits }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    argv: ['sh', '-c', manifest.entry.start],
    cwd: INSIDE.artifact,
    binds: [
      ...artifactBinds(layout, sandbox),
      { host: path.join(layout.liveDir, options.specName), inside: `${INSIDE.live}/${options.specName}` },
      { host: layout.workspaceDir, inside: INSIDE.workspace, writable: true },
    ],
    env,
    bridges: bridged
      ? PROBE_BRIDGES.map((bridge) => ({
          port: bridge.port,
          socketPath: path.join(options.probeSockets, bridge.socket),
        }))
      : [],
    exposes: [{ port: ARTIFACT_PORT, socketPath: options.artifactSocket }],
  });
}
