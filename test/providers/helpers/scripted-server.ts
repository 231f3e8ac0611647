import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

/** What the server received: path, headers and the parsed JSON body. */
export interface ReceivedRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}

/** A gate a streaming reply waits at, so a test can observe what arrived before the rest is sent. */
export interface Gate {
  /** Resolves when the reply reached the gate. */
  reached: Promise<void>;
  open(): void;
  /** Called by the server: announce arrival, then wait until the test opens the gate. */
  wait(): Promise<void>;
}

export function createGate(): Gate {
  let arrive = () => {};
  let open = () => {};
  const reached = new Promise<void>((resolve) => {
    arrive = resolve;
  });
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return {
    reached,
    open: () => open(),
    wait: () => {
      arrive();
      return opened;
    },
  };
}

export type Reply =
  | {
      /** Raw SSE text; each event (separated by a blank line) is written and flushed on its own. */
      sse: string;
      /** How the response ends after the last event: normally, or the socket torn down (a cut connection). */
      end?: 'close' | 'destroy';
      /** Called once the first event was written: the response has begun. */
      began?: () => void;
      /** Wait at this gate after this many events. */
      gate?: { afterEvents: number; gate: Gate };
      headers?: Record<string, string>;
    }
  | { status: number; body: unknown; headers?: Record<string, string> }
  | ((request: ReceivedRequest) => Reply);

export interface ScriptedServer {
  url: string;
  requests: ReceivedRequest[];
  /** Replies in the order requests arrive; a request with no reply left gets a 500 that says so. */
  replies: Reply[];
  close(): Promise<void>;
}

const FIXTURES = fileURLToPath(new URL('../../fixtures/sse/', import.meta.url));

/** An SSE transcript from test/fixtures/sse/ (e.g. `anthropic/stream-basic.sse`). */
export function readSseFixture(name: string): string {
  return readFileSync(`${FIXTURES}${name}`, 'utf8');
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

async function writeReply(res: ServerResponse, reply: Reply, request: ReceivedRequest): Promise<void> {
  if (typeof reply === 'function') return writeReply(res, reply(request), request);
  if ('status' in reply) {
    res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
    res.end(JSON.stringify(reply.body));
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...reply.headers });
  res.flushHeaders();
  const events = reply.sse.split(/\n\n/).filter((event) => event.trim() !== '');
  for (const [index, event] of events.entries()) {
    if (reply.gate !== undefined && index === reply.gate.afterEvents) {
      await reply.gate.gate.wait();
    }
    res.write(`${event}\n\n`);
    if (index === 0) reply.began?.();
    // Separate writes, separate ticks: the client sees a real stream, not one buffered body.
    await tick();
  }
  if (reply.end === 'destroy') {
    res.socket?.destroy();
    return;
  }
  res.end();
}

/**
 * A real HTTP server on 127.0.0.1, port 0, answering POSTs to `route` with scripted replies (SSE transcripts or JSON
 * errors), after `authorize` had its say. The provider tests point the real SDKs at it.
 */
export async function startScriptedServer(options: {
  route: string;
  authorize: (request: ReceivedRequest) => Reply | null;
  replies?: Reply[];
}): Promise<ScriptedServer> {
  const requests: ReceivedRequest[] = [];
  const replies: Reply[] = [...(options.replies ?? [])];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = (req.url ?? '').split('?')[0] ?? '';
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      } catch {
        // left empty: the route check below answers
      }
      const request: ReceivedRequest = { path, headers: req.headers, body };
      if (req.method !== 'POST' || path !== options.route) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { type: 'not_found_error', message: `no route ${req.method} ${path}` } }));
        return;
      }
      requests.push(request);
      const reply = options.authorize(request) ??
        replies.shift() ?? { status: 500, body: { error: { type: 'api_error', message: 'no scripted reply left' } } };
      writeReply(res, reply, request).catch(() => res.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    replies,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
