import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LoopbackServer {
  url: string;
  close(): Promise<void>;
}

/**
 * An HTTP server on 127.0.0.1 port 0 whose handler can never crash the probe: a throw is answered 500, and `close`
 * drops every connection, including a slow or hostile client's.
 */
export async function startLoopbackServer(options: {
  handler: (request: IncomingMessage, response: ServerResponse) => Promise<void>;
  requestTimeoutMs: number;
}): Promise<LoopbackServer> {
  const server = createServer((request, response) => {
    response.on('error', () => {});
    request.on('error', () => {});
    options.handler(request, response).catch((error: unknown) => {
      if (response.headersSent) {
        response.destroy();
        return;
      }
      sendJson(response, 500, { ok: false, error: `probe error: ${(error as Error).message}` });
    });
  });
  server.requestTimeout = options.requestTimeoutMs;
  server.headersTimeout = Math.min(options.requestTimeoutMs, 60_000);
  server.on('clientError', (_error, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  if (response.headersSent || response.destroyed) return;
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}
