import http from 'node:http';

function sendJson(response: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

function readBody(request: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

async function handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://localhost');
  if (request.method === 'GET' && url.pathname === '/health') {
    sendJson(response, 200, { ok: true });
    return;
  }
  if (request.method === 'POST' && url.pathname === '/echo') {
    const body = await readBody(request);
    const type = request.headers['content-type'] ?? 'application/octet-stream';
    response.writeHead(200, { 'content-type': type, 'content-length': body.length });
    response.end(body);
    return;
  }
  if (request.method === 'GET' && url.pathname === '/echo') {
    sendJson(response, 200, { echo: url.searchParams.get('msg') ?? '' });
    return;
  }
  sendJson(response, 404, { ok: false, error: 'not found' });
}

/** The echo server of MINIMAL-SPEC-001, not listening yet. */
export function createEchoServer(): http.Server {
  return http.createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (response.headersSent) {
        response.destroy();
        return;
      }
      sendJson(response, 500, { ok: false, error: error instanceof Error ? error.message : String(error) });
    });
  });
}
