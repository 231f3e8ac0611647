import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FakeSupervisorState } from './fake-supervisor-state.js';
import type { ProbeInbox } from './probe-inbox.js';
import { readRequestBody } from './read-request-body.js';
import { type LoopbackServer, sendJson, startLoopbackServer } from './start-loopback-server.js';

const SCRIPTED_POSTS = new Set(['/spawn', '/promote', '/rollback']);

/**
 * The fake Supervisor: `GET /versions` and `GET /stats` are answered from the state at once; `/spawn`, `/promote` and
 * `/rollback` go to the script, which decides the answer.
 */
export function startFakeSupervisor(options: {
  inbox: ProbeInbox;
  state: FakeSupervisorState;
  stepTimeoutMs: number;
}): Promise<LoopbackServer> {
  const { inbox, state } = options;
  const handler = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const method = request.method ?? '?';
    const pathname = new URL(request.url ?? '/', 'http://probe').pathname;
    if (method === 'GET' && pathname === '/versions') {
      const served = state.serveVersions();
      sendJson(response, 200, { ok: true, generations: served });
      inbox.push({ kind: 'versions', served });
      return;
    }
    if (method === 'GET' && pathname === '/stats') {
      sendJson(response, 200, state.stats());
      return;
    }
    if (method !== 'POST' || !SCRIPTED_POSTS.has(pathname)) {
      sendJson(response, 404, { ok: false, error: 'not found' });
      request.resume();
      inbox.push({ kind: 'invalid', description: `unexpected request ${method} ${pathname} to the Supervisor` });
      return;
    }
    const body = await readRequestBody(request, { timeoutMs: options.stepTimeoutMs });
    if (!body.ok) {
      sendJson(response, body.status, { ok: false, error: body.error });
      inbox.push({ kind: 'invalid', description: `POST ${pathname} whose ${body.error}` });
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(body.text);
    } catch (error) {
      sendJson(response, 400, { ok: false, error: `body is not JSON: ${(error as Error).message}` });
      inbox.push({ kind: 'invalid', description: `POST ${pathname} whose body is not JSON: ${preview(body.text)}` });
      return;
    }
    await new Promise<void>((done) => {
      response.on('close', () => done());
      inbox.push({
        kind: 'supervisor',
        method,
        path: pathname,
        body: json,
        reply: (status, answer) => {
          sendJson(response, status, answer);
          done();
        },
        refuse: (message, status = 409) => {
          sendJson(response, status, { ok: false, error: `reproduce probe: ${message}` });
          done();
        },
      });
    });
  };
  return startLoopbackServer({ handler, requestTimeoutMs: options.stepTimeoutMs * 2 });
}

function preview(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
}
