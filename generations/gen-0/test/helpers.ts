import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** The closing line of a file block, built by concatenation so no file of the Prime ever holds it as a line. */
export const END = '</file' + ':end>';
const FENCE = '```';

/** A reply holding `files` as blocks, with some chatter outside the blocks. */
export function blocks(files: Record<string, string>): string {
  const parts = Object.entries(files).map(([file, content]) => `<file path="${file}">\n${content}${END}\n`);
  return `Here is the code.\n${parts.join('\n')}Done.\n`;
}

/** A spec with CRLF, non-ASCII text and no final newline, so a copy that is not byte-exact shows. */
export function specText(): string {
  const entry = { build: 'tsc -p tsconfig.json', test: 'vitest run', start: 'node dist/src/main.js', health: '/health' };
  const contracts = [{ name: 'health', type: 'http', method: 'GET', path: '/health', expect: { status: 200 } }];
  return ['---', 'id: TEST-SPEC-001', 'version: "1.2.3"', 'kind: prime', '---', '# Test spec — ünïcode ✓\r', `${FENCE}entry`,
    JSON.stringify(entry), FENCE, `${FENCE}contracts`, JSON.stringify(contracts, null, 2), FENCE, 'no final newline'].join('\n');
}

export async function makeTempDir(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'prime-test-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Starts `server` on 127.0.0.1, port 0; returns its URL and a close function that also drops open connections. */
async function listen(server: Server): Promise<{ url: string; close: () => Promise<void> }> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const close = (): Promise<void> => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(() => resolve()));
  };
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close };
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return chunks.length === 0 ? null : JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

/** What the fake LLM does with one request. */
export type LlmAnswer =
  | { type: 'reply'; text: string; stopReason?: string; usage?: { input: number; output: number } }
  | { type: 'status'; status: number; body?: unknown; headers?: Record<string, string> }
  /** Half of `text`, then a dropped connection or an end without message_stop. */
  | { type: 'cut'; text: string; how: 'drop' | 'end' }
  /** Streams `text`, then an `error` event. */
  | { type: 'error-event'; text: string }
  /** Streams `text`, then sends nothing more and keeps the connection open: the silence timer must cut it. */
  | { type: 'silent'; text: string };

export interface LlmRequest {
  headers: IncomingHttpHeaders;
  body: { model: string; max_tokens: number; stream: boolean; system: string; messages: { role: string; content: unknown }[] };
}

/** A real HTTP server speaking the Anthropic Messages streaming protocol (SSE); `answer` decides per request. */
export async function startFakeLlm(answer: (request: LlmRequest, index: number) => LlmAnswer | Promise<LlmAnswer>) {
  const requests: LlmRequest[] = [];
  const server = createServer(async (request, response) => {
    const seen = { headers: request.headers, body: (await readJson(request)) as LlmRequest['body'] };
    requests.push(seen);
    const reply = await answer(seen, requests.length - 1);
    if (reply.type === 'status') {
      const body = reply.body ?? { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } };
      return sendJson(response, reply.status, body, reply.headers);
    }
    const event = (type: string, data: Record<string, unknown>): boolean => response.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
    const text = (value: string): void => {
      // Small uneven deltas, like a real model.
      for (let start = 0, size = 5; start < value.length; start += size, size = (size % 9) + 3) {
        event('content_block_delta', { index: 0, delta: { type: 'text_delta', text: value.slice(start, start + size) } });
      }
    };
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    const usage = { input_tokens: reply.type === 'reply' ? (reply.usage?.input ?? 100) : 100, output_tokens: 1, cache_read_input_tokens: 3, cache_creation_input_tokens: 2 };
    event('message_start', { message: { id: 'msg_1', type: 'message', role: 'assistant', model: seen.body.model, content: [], stop_reason: null, stop_sequence: null, usage } });
    event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
    if (reply.type === 'cut') {
      text(reply.text.slice(0, reply.text.length >> 1));
      return reply.how === 'drop' ? response.destroy() : response.end();
    }
    text(reply.text);
    if (reply.type === 'silent') return;
    if (reply.type === 'error-event') {
      event('error', { error: { type: 'overloaded_error', message: 'Overloaded' } });
      return response.end();
    }
    event('content_block_stop', { index: 0 });
    event('message_delta', { delta: { stop_reason: reply.stopReason ?? 'end_turn', stop_sequence: null }, usage: { output_tokens: reply.usage?.output ?? 50 } });
    event('message_stop', {});
    response.end();
  });
  return { ...(await listen(server)), requests };
}

/** The task block (the last text block) of a request's first user message. */
export function taskOf(request: LlmRequest): string {
  const first = request.body.messages[0]?.content as { text: string }[];
  return first.at(-1)?.text ?? '';
}

/** sha256 over sorted paths (manifest.json excluded): path bytes, NUL, file bytes. Written apart from src/. */
export async function recomputeArtifactHash(dir: string, files: string[]): Promise<string> {
  const hash = createHash('sha256');
  for (const file of files.filter((name) => name !== 'manifest.json').sort()) {
    hash.update(file, 'utf8').update(new Uint8Array([0])).update(await readFile(path.join(dir, file)));
  }
  return `sha256:${hash.digest('hex')}`;
}

export type Verdict = { status: 'viable' } | { status: 'non-viable'; diagnostics: Record<string, unknown> };
type SupervisorRecord = { generation: number; outcome: string; viability: unknown; verdict?: Verdict };

/**
 * A real HTTP server playing the Supervisor: `/versions`, `/spawn` (re-verifying the artifact hash on disk),
 * a verdict from `verdicts` at the first poll after a spawn, `/promote` and `/rollback` with the real state rules.
 */
export async function startFakeSupervisor(options: {
  workspace: string;
  specHash: string;
  verdicts: Verdict[];
  records?: SupervisorRecord[];
  /** Numbers that answer 409 on spawn, as if someone else had just used them. */
  taken?: number[];
  /** Verdicts stay pending (the record `in_progress`) until `releaseVerdicts()`. */
  holdVerdicts?: boolean;
  /** The first this-many requests, whatever they are, answer 503, as a restarting Supervisor does. */
  failFirst?: number;
}) {
  const records: SupervisorRecord[] = [...(options.records ?? [])];
  const calls: { method: string; path: string; body: unknown }[] = [];
  const taken = new Set(options.taken ?? []);
  let held = options.holdVerdicts ?? false;
  let failuresLeft = options.failFirst ?? 0;
  const server = createServer(async (request, response) => {
    const body = (await readJson(request)) as Record<string, unknown> | null;
    const route = `${request.method} ${request.url}`;
    calls.push({ method: request.method ?? '', path: request.url ?? '', body });
    if (failuresLeft > 0) {
      failuresLeft -= 1;
      return sendJson(response, 503, { ok: false, error: 'the Supervisor is restarting' });
    }
    const record = records.find((item) => item.generation === body?.generation);
    if (route === 'GET /versions') {
      for (const item of records) {
        if (held || item.verdict === undefined) continue;
        const { status, ...rest } = item.verdict;
        const stage = 'diagnostics' in rest ? rest.diagnostics.stage : null;
        item.viability = { generation: item.generation, status, failure_stage: stage, checks: {}, fitness: {}, completed_at: new Date().toISOString(), ...rest };
        item.outcome = 'tested';
        delete item.verdict;
      }
      return sendJson(response, 200, { ok: true, generations: records.map(({ verdict: _, ...item }) => item) });
    }
    if (route === 'POST /spawn' && body !== null) {
      const generation = body.generation as number;
      if (taken.delete(generation) || record !== undefined) {
        records.push({ generation, outcome: 'failed', viability: null });
        return sendJson(response, 409, { ok: false, error: `generation ${generation} is already used` });
      }
      const dir = path.join(options.workspace, `gen-${generation}`);
      const manifest = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8'));
      const verifies = manifest.generation === generation && (await recomputeArtifactHash(dir, manifest.files)) === manifest['artifact-hash'];
      if (body['spec-hash'] !== options.specHash || body['artifact-path'] !== `gen-${generation}` || !verifies) {
        return sendJson(response, 422, { ok: false, error: 'spawn body or artifact hash does not verify' });
      }
      records.push({ generation, outcome: 'in_progress', viability: null, verdict: options.verdicts.shift() ?? { status: 'viable' } });
      return sendJson(response, 202, { ok: true, generation, outcome: 'in_progress' });
    }
    if ((route === 'POST /promote' || route === 'POST /rollback') && record !== undefined) {
      const promote = route === 'POST /promote';
      if (record.outcome !== 'tested' || (promote && (record.viability as { status: string }).status !== 'viable')) {
        return sendJson(response, 409, { ok: false, error: `generation is ${record.outcome}` });
      }
      record.outcome = promote ? 'promoted' : 'failed';
      return sendJson(response, 200, { ok: true, generation: record.generation, outcome: record.outcome });
    }
    sendJson(response, 404, { ok: false, error: 'not found' });
  });
  const releaseVerdicts = (): void => {
    held = false;
  };
  return { ...(await listen(server)), calls, records, releaseVerdicts };
}
