import type net from 'node:net';
import { PROBE_BRIDGES } from './live-stage-types.js';
import { exposePort } from './loopback-bridge.js';

/**
 * Exposes the probe's loopback servers (named by URL in its env) as unix sockets in `socketDir`, one per
 * PROBE_BRIDGES entry, so the artifact's sandbox can bridge them onto its own loopback. Returns a closer.
 */
export async function exposeProbe(options: {
  env: Readonly<Record<string, string>>;
  socketDir: string;
}): Promise<() => Promise<void>> {
  const servers: net.Server[] = [];
  const close = async (): Promise<void> => {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  };
  try {
    for (const bridge of PROBE_BRIDGES) {
      const url = options.env[bridge.envKey];
      if (url === undefined) throw new Error(`the probe's environment names no ${bridge.envKey}`);
      const server = await exposePort({
        port: Number(new URL(url).port),
        socketPath: `${options.socketDir}/${bridge.socket}`,
      });
      if (server !== null) servers.push(server);
    }
  } catch (error) {
    await close();
    throw error;
  }
  return close;
}
