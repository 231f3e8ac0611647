import { chmod, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type RequestHandler = (request: http.IncomingMessage, response: http.ServerResponse) => void;

/** One handler served on 127.0.0.1 (port 0) and, when asked, on a unix socket the sandbox bridges reach. */
export interface LoopbackServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  socketPath: string | null;
  close(): Promise<void>;
}

export async function listenLoopback(options: {
  handler: RequestHandler;
  socketPath?: string;
}): Promise<LoopbackServer> {
  const servers: http.Server[] = [];
  const tcp = http.createServer(options.handler);
  // Long SSE replies at a slow pace must not be cut by Node's default request timeout.
  tcp.requestTimeout = 0;
  await listen(tcp, (server, done) => server.listen(0, '127.0.0.1', done));
  servers.push(tcp);
  let socketPath: string | null = null;
  if (options.socketPath !== undefined) {
    const unix = http.createServer(options.handler);
    unix.requestTimeout = 0;
    const target = options.socketPath;
    await rm(target, { force: true });
    try {
      await listen(unix, (server, done) => server.listen(target, done));
    } catch (error) {
      await closeServer(tcp);
      throw error;
    }
    await chmod(target, 0o600);
    servers.push(unix);
    socketPath = target;
  }
  const port = (tcp.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    socketPath,
    async close() {
      await Promise.all(servers.map(closeServer));
      if (socketPath !== null) await rm(socketPath, { force: true });
    },
  };
}

function listen(server: http.Server, start: (server: http.Server, done: () => void) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    start(server, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** Reads a request body up to `limit` bytes. */
export function readBody(request: http.IncomingMessage, limit = 64 * 1024 * 1024): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new Error(`request body larger than ${limit} bytes`));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

export function sendJson(
  response: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  response.end(text);
}

/** The first value of a request header, or null when it is absent. */
export function headerValue(value: string | string[] | undefined): string | null {
  if (value === undefined) return null;
  return Array.isArray(value) ? (value[0] ?? null) : value;
}
