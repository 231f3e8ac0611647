import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseLlmRequest } from './parse-llm-request.js';
import type { ProbeInbox } from './probe-inbox.js';
import { readRequestBody } from './read-request-body.js';
import { type LoopbackServer, sendJson, startLoopbackServer } from './start-loopback-server.js';
import { writeSseReply } from './write-sse-reply.js';

/** The fake Anthropic Messages API: authenticates the token, validates the body, hands the request to the script. */
export function startFakeLlm(options: {
  inbox: ProbeInbox;
  token: string;
  stepTimeoutMs: number;
}): Promise<LoopbackServer> {
  const { inbox } = options;
  const apiError = (response: ServerResponse, status: number, type: string, message: string): void =>
    sendJson(response, status, { type: 'error', error: { type, message } });
  const handler = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const method = request.method ?? '?';
    const pathname = new URL(request.url ?? '/', 'http://probe').pathname;
    if (method !== 'POST' || pathname !== '/v1/messages') {
      apiError(response, 404, 'not_found_error', `not found: ${method} ${pathname}`);
      inbox.push({ kind: 'invalid', description: `unexpected request ${method} ${pathname} to the LLM gateway` });
      return;
    }
    // @anthropic-ai/sdk 1.x sends the key as `authorization: Bearer …`; older SDKs (and contracts.md §4) use x-api-key.
    const authorized =
      request.headers['x-api-key'] === options.token || request.headers.authorization === `Bearer ${options.token}`;
    if (!authorized) {
      apiError(response, 401, 'authentication_error', 'invalid API key');
      request.resume();
      inbox.push({
        kind: 'invalid',
        description: 'an LLM request without the ANTHROPIC_API_KEY token (x-api-key or authorization: Bearer)',
      });
      return;
    }
    const body = await readRequestBody(request, { timeoutMs: options.stepTimeoutMs });
    if (!body.ok) {
      apiError(response, body.status, 'invalid_request_error', body.error);
      inbox.push({ kind: 'invalid', description: `an LLM request whose ${body.error}` });
      return;
    }
    const parsed = parseLlmRequest(body.text, request.headers);
    if (!parsed.ok) {
      apiError(response, 400, 'invalid_request_error', parsed.error);
      inbox.push({ kind: 'invalid', description: `an LLM request whose ${parsed.error}` });
      return;
    }
    await new Promise<void>((done) => {
      response.on('close', () => done());
      inbox.push({
        kind: 'llm',
        request: parsed.request,
        stream: async (reply) => {
          await writeSseReply(response, reply);
          done();
        },
        refuse: (message) => {
          apiError(response, 400, 'invalid_request_error', `reproduce probe: ${message}`);
          done();
        },
      });
    });
  };
  return startLoopbackServer({ handler, requestTimeoutMs: options.stepTimeoutMs * 2 });
}
