import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The Prime's HTTP API: `GET /health`, `GET /stats`, everything else 404. */
export async function startServer(options: {
  port: number;
  stats: () => Record<string, unknown>;
}): Promise<{ server: Server; port: number; close: () => Promise<void> }> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    let status = 404;
    let body: unknown = { ok: false, error: 'not found' };
    if (request.method === 'GET' && path === '/health') {
      status = 200;
      body = { ok: true };
    } else if (request.method === 'GET' && path === '/stats') {
      status = 200;
      body = options.stats();
    }
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(body));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, () => resolve());
  });
  const close = (): Promise<void> =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return { server, port: (server.address() as AddressInfo).port, close };
}
