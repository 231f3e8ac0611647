import net from 'node:net';
import type { Gateway } from '../gateway/create-gateway.js';
import type { Sandbox, SandboxBridge } from '../rig/sandbox/sandbox-types.js';
import { defaultSandboxPath, spawnSandboxed } from '../rig/sandbox/spawn-sandboxed.js';
import type { Supervisor } from './create-supervisor.js';
import type { PreparedPrime } from './prepare-prime.js';

/** Ports inside the sandbox where the bridges expose the Supervisor and the gateway (contracts §1 default 8400). */
export const SUPERVISOR_PORT_INSIDE = 8400;
export const GATEWAY_PORT_INSIDE = 8410;

export interface PrimeEnding {
  code: number | null;
  signal: string | null;
  /** Why the engine stopped it (signal, timeout), or null when it exited on its own. */
  stopped: string | null;
}

/**
 * Runs the prepared Prime in the sandbox until it exits. Its environment is contracts §1 and nothing else: the
 * gateway token as ANTHROPIC_API_KEY (never a provider key), the bridged URLs, the spec read-only, the workspace
 * writable. With the `none` sandbox there is no network namespace, so it gets the loopback URLs directly.
 */
export async function launchPrime(options: {
  prime: PreparedPrime;
  sandbox: Sandbox;
  supervisor: Supervisor;
  gateway: Gateway;
  workspace: string;
  specFile: string;
  models: { model: string; escalationModel: string };
  maxGens: number;
  maxRetries: number;
  extraEnv?: Record<string, string>;
  timeoutMs: number;
  signal?: AbortSignal;
  onOutput?: (stream: 'stdout' | 'stderr', text: string) => void;
}): Promise<PrimeEnding> {
  const { prime, sandbox, supervisor, gateway } = options;
  const bridged = sandbox.kind !== 'none' && supervisor.socketPath !== null && gateway.socketPath !== null;
  const bridges: SandboxBridge[] = bridged
    ? [
        { port: SUPERVISOR_PORT_INSIDE, socketPath: supervisor.socketPath as string },
        { port: GATEWAY_PORT_INSIDE, socketPath: gateway.socketPath as string },
      ]
    : [];
  const extra: Record<string, string> = {};
  for (const [key, value] of Object.entries(options.extraEnv ?? {})) {
    // Only the Prime's own configuration passes: never a provider key or anything else of the engine's.
    if (key.startsWith('CAMBRIAN_')) extra[key] = value;
  }
  const env: Record<string, string> = {
    PATH: `${prime.dir}/node_modules/.bin:${defaultSandboxPath()}`,
    CI: '1',
    CAMBRIAN_POLL_INTERVAL_MS: '100',
    ...extra,
    // Without a network namespace the Prime shares the host's ports with the rig's artifacts (which use 8401).
    CAMBRIAN_PORT: sandbox.kind === 'none' ? String(await findFreePort()) : '8401',
    CAMBRIAN_GENERATION: String(prime.generation),
    CAMBRIAN_SUPERVISOR_URL: bridged ? `http://127.0.0.1:${SUPERVISOR_PORT_INSIDE}` : supervisor.url,
    ANTHROPIC_BASE_URL: bridged ? `http://127.0.0.1:${GATEWAY_PORT_INSIDE}` : gateway.url,
    ANTHROPIC_API_KEY: gateway.token,
    CAMBRIAN_SPEC_PATH: options.specFile,
    CAMBRIAN_WORKSPACE: options.workspace,
    CAMBRIAN_MODEL: options.models.model,
    CAMBRIAN_ESCALATION_MODEL: options.models.escalationModel,
    CAMBRIAN_MAX_GENS: String(options.maxGens),
    CAMBRIAN_MAX_RETRIES: String(options.maxRetries),
    CAMBRIAN_EXIT_WHEN_DONE: '1',
  };
  const child = spawnSandboxed({
    sandbox,
    argv: ['sh', '-c', prime.manifest.entry.start],
    cwd: prime.dir,
    binds: [...prime.binds, { host: options.workspace, writable: true }, { host: options.specFile }],
    env,
    timeoutMs: options.timeoutMs,
    bridges,
    tailBytes: 16_384,
    onStdout: (chunk) => options.onOutput?.('stdout', chunk.toString('utf8')),
    onStderr: (chunk) => options.onOutput?.('stderr', chunk.toString('utf8')),
  });
  let stopped: string | null = null;
  const onAbort = (): void => {
    stopped = `stopped by ${String(options.signal?.reason ?? 'a signal')}`;
    void child.kill();
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted === true) onAbort();
  try {
    const result = await child.done;
    if (result.timedOut) stopped = `the Prime ran past ${Math.round(options.timeoutMs / 60_000)} min`;
    return { code: result.exitCode, signal: result.signal, stopped };
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    await child.kill().catch(() => {});
  }
}

function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
