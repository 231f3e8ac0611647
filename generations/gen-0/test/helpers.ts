import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** The closing line of a file block, built by concatenation so no file of the Prime ever holds it as a line. */
export const END = '</file' + ':end>';

/** A reply holding `files` as blocks, with a little chatter outside the blocks. */
export function blocks(files: Record<string, string>): string {
  const parts = Object.entries(files).map(([file, content]) => `<file path="${file}">\n${content}${END}\n`);
  return `Here is the code.\n${parts.join('\n')}Done.\n`;
}

const FENCE = '```';

/** A spec with CRLF, non-ASCII text and no final newline, so a copy that is not byte-exact shows. */
export function specText(id = 'TEST-SPEC-001'): string {
  const entry = { build: 'tsc -p tsconfig.json', test: 'vitest run', start: 'node dist/src/main.js', health: '/health' };
  const contracts = [{ name: 'health', type: 'http', method: 'GET', path: '/health', expect: { status: 200 } }];
  return [
    '---',
    `id: ${id}`,
    'version: "1.2.3"',
    'title: A test spec',
    'kind: prime',
    '---',
    '# Test spec — ünïcode ✓\r',
    `${FENCE}entry`,
    JSON.stringify(entry),
    FENCE,
    `${FENCE}contracts`,
    JSON.stringify(contracts, null, 2),
    FENCE,
    'no final newline',
  ].join('\n');
}

export async function makeTempDir(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'prime-test-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

async function readBody(request: import('node:http').IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text === '' ? null : JSON.parse(text);
}

/** What the fake LLM does with one request. */
export type LlmAnswer =
  | { type: 'reply'; text: string; stopReason?: string; chunkSize?: number; usage?: { input: number; output: number } }
  | { type: 'status'; status: number; body?: unknown; headers?: Record<string, string> }
  /** Streams the first part of `text`, then drops the connection (`drop`) or ends the response without message_stop. */
  | { type: 'cut'; text: string; how: 'drop' | 'end' }
  /** Streams `text`, then an `error` event (overloaded). */
  | { type: 'error-event'; text: string };

export interface LlmRequest {
  headers: IncomingHttpHeaders;
  body: {
    model: string;
    max_tokens: number;
    stream: boolean;
    system: string;
    messages: { role: string; content: string | { type: string; text: string; cache_control?: unknown }[] }[];
  };
}

function sse(response: ServerResponse, event: string, data: unknown): void {
  response.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

function streamStart(response: ServerResponse, model: string, input: number): void {
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const message = { id: 'msg_test', type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null };
  const usage = { input_tokens: input, output_tokens: 1, cache_read_input_tokens: 3, cache_creation_input_tokens: 2 };
  sse(response, 'message_start', { type: 'message_start', message: { ...message, usage } });
  sse(response, 'content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
}

function streamText(response: ServerResponse, text: string, chunkSize: number): void {
  for (let start = 0; start < text.length; start += chunkSize) {
    const delta = { type: 'text_delta', text: text.slice(start, start + chunkSize) };
    sse(response, 'content_block_delta', { type: 'content_block_delta', index: 0, delta });
  }
}

/** A real HTTP server speaking the Anthropic Messages streaming protocol; `answer` decides per request. */
export async function startFakeLlm(answer: (request: LlmRequest, index: number) => LlmAnswer | Promise<LlmAnswer>) {
  const requests: LlmRequest[] = [];
  const server = createServer(async (request, response) => {
    const body = (await readBody(request)) as LlmRequest['body'];
    const seen: LlmRequest = { headers: request.headers, body };
    requests.push(seen);
    const reply = await answer(seen, requests.length - 1);
    if (reply.type === 'status') {
      response.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
      response.end(JSON.stringify(reply.body ?? { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }));
      return;
    }
    streamStart(response, body.model, reply.type === 'reply' ? (reply.usage?.input ?? 100) : 100);
    if (reply.type === 'cut') {
      streamText(response, reply.text.slice(0, Math.floor(reply.text.length / 2)), 5);
      if (reply.how === 'drop') response.destroy();
      else response.end();
      return;
    }
    if (reply.type === 'error-event') {
      streamText(response, reply.text, 5);
      sse(response, 'error', { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
      response.end();
      return;
    }
    streamText(response, reply.text, reply.chunkSize ?? 7);
    sse(response, 'content_block_stop', { type: 'content_block_stop', index: 0 });
    const usage = { output_tokens: reply.usage?.output ?? 50 };
    sse(response, 'message_delta', { type: 'message_delta', delta: { stop_reason: reply.stopReason ?? 'end_turn', stop_sequence: null }, usage });
    sse(response, 'message_stop', { type: 'message_stop' });
    response.end();
  });
  const url = await listen(server);
  return { url, requests, close: () => close(server) };
}

/** The text of a request's first user message, both blocks joined, and its task block alone. */
export function taskOf(request: LlmRequest): string {
  const first = request.body.messages[0]?.content;
  return Array.isArray(first) ? (first[1]?.text ?? '') : String(first);
}

/** sha256 over sorted paths (manifest.json excluded): path bytes, NUL, file bytes. Written independently of src/. */
export async function recomputeArtifactHash(dir: string, files: string[]): Promise<string> {
  const hash = createHash('sha256');
  for (const file of files.filter((name) => name !== 'manifest.json').sort()) {
    hash.update(file, 'utf8');
    hash.update(new Uint8Array([0]));
    hash.update(await readFile(path.join(dir, file)));
  }
  return `sha256:${hash.digest('hex')}`;
}

export type Verdict = { status: 'viable' } | { status: 'non-viable'; diagnostics: Record<string, unknown> };

interface SupervisorCall {
  method: string;
  path: string;
  body: unknown;
}

/**
 * A real HTTP server playing the Supervisor: records, spawn (which re-verifies the artifact hash on disk like the
 * real one), a verdict from `verdicts` after the first poll, promote and rollback with the real state rules.
 */
export async function startFakeSupervisor(options: {
  workspace: string;
  specHash: string;
  verdicts: Verdict[];
  records?: Record<string, unknown>[];
  /** Generation numbers that answer 409 on spawn, as if someone else had just used them. */
  taken?: number[];
  /** Verdicts stay pending until `releaseVerdicts()` is called. */
  holdVerdicts?: boolean;
}) {
  let held = options.holdVerdicts ?? false;
  const records: Record<string, unknown>[] = [...(options.records ?? [])];
  const calls: SupervisorCall[] = [];
  const verdicts = [...options.verdicts];
  const taken = new Set(options.taken ?? []);
  const send = (response: ServerResponse, status: number, body: unknown): void => {
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(body));
  };
  const server = createServer(async (request, response) => {
    const body = (await readBody(request)) as Record<string, unknown> | null;
    calls.push({ method: request.method ?? '', path: request.url ?? '', body });
    const find = (generation: unknown) => records.find((record) => record.generation === generation);
    if (request.method === 'GET' && request.url === '/versions') {
      for (const record of records) {
        if (!held && record.outcome === 'in_progress' && record.pending !== undefined) {
          record.outcome = 'tested';
          const verdict = record.pending as Verdict;
          record.viability = { generation: record.generation, status: verdict.status, failure_stage: verdict.status === 'viable' ? null : (verdict.diagnostics.stage ?? null), checks: {}, fitness: {}, completed_at: new Date().toISOString(), ...(verdict.status === 'non-viable' ? { diagnostics: verdict.diagnostics } : {}) };
          delete record.pending;
        }
      }
      send(response, 200, { ok: true, generations: records.map(({ pending: _pending, ...rest }) => rest) });
      return;
    }
    if (request.method === 'POST' && request.url === '/spawn' && body !== null) {
      const generation = body.generation as number;
      if (taken.delete(generation) || find(generation) !== undefined) {
        records.push({ generation, outcome: 'failed', viability: null });
        return send(response, 409, { ok: false, error: `generation ${generation} is already used` });
      }
      if (body['spec-hash'] !== options.specHash || body['artifact-path'] !== `gen-${generation}`) {
        return send(response, 400, { ok: false, error: 'bad spawn body' });
      }
      const dir = path.join(options.workspace, `gen-${generation}`);
      const manifest = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')) as { files: string[]; 'artifact-hash': string; generation: number };
      if (manifest.generation !== generation || (await recomputeArtifactHash(dir, manifest.files)) !== manifest['artifact-hash']) {
        return send(response, 422, { ok: false, error: 'artifact hash does not verify' });
      }
      records.push({ generation, outcome: 'in_progress', viability: null, pending: verdicts.shift() ?? { status: 'viable' } });
      return send(response, 202, { ok: true, generation, outcome: 'in_progress' });
    }
    if (request.method === 'POST' && (request.url === '/promote' || request.url === '/rollback') && body !== null) {
      const record = find(body.generation);
      if (record === undefined) return send(response, 404, { ok: false, error: 'unknown generation' });
      const viable = (record.viability as { status?: string } | null)?.status === 'viable';
      if (record.outcome !== 'tested' || (request.url === '/promote' && !viable)) {
        return send(response, 409, { ok: false, error: `generation is ${String(record.outcome)}` });
      }
      record.outcome = request.url === '/promote' ? 'promoted' : 'failed';
      return send(response, 200, { ok: true, generation: record.generation, outcome: record.outcome });
    }
    send(response, 404, { ok: false, error: 'not found' });
  });
  const url = await listen(server);
  const releaseVerdicts = (): void => {
    held = false;
  };
  return { url, calls, records, releaseVerdicts, close: () => close(server) };
}
