import { createPromptCache } from './prompt-cache.js';
import { type Reply, type ScriptedServer, startScriptedServer } from './scripted-server.js';

export interface AnthropicServer extends ScriptedServer {
  /** Reply with `text` (in deltas of `chunkSize`) and usage from the server's prompt-caching accounting (prompt-cache.ts). */
  cachedReply(text: string, chunkSize?: number): Reply;
}

/** Text split the way a model streams it: many small deltas, not one. */
export function chunksOf(text: string, size = 256): string[] {
  const chunks: string[] = [];
  for (let i = 0; i < text.length; i += size) chunks.push(text.slice(i, i + size));
  return chunks.length === 0 ? [''] : chunks;
}

function event(name: string, data: unknown): string {
  return `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * A local Anthropic Messages API (`POST /v1/messages`, streaming SSE) on 127.0.0.1:0. With `key`, a request whose
 * key (`x-api-key` or bearer token) differs gets Anthropic's 401 — whose message quotes the key it received, so tests can prove the backend
 * redacts it.
 */
export async function startAnthropicServer(
  options: { key?: string; replies?: Reply[]; now?: () => number } = {},
): Promise<AnthropicServer> {
  const cache = createPromptCache(options.now === undefined ? {} : { now: options.now });
  const server = await startScriptedServer({
    route: '/v1/messages',
    replies: options.replies ?? [],
    authorize(request) {
      // Anthropic accepts the key as x-api-key; SDK 1.x sends it as a bearer token.
      const bearer = String(request.headers.authorization ?? '').replace(/^Bearer /, '');
      const given = request.headers['x-api-key'] ?? bearer;
      if (options.key === undefined || given === options.key) return null;
      return {
        status: 401,
        body: {
          type: 'error',
          error: { type: 'authentication_error', message: `invalid x-api-key: ${String(given)}` },
        },
      };
    },
  });
  return {
    ...server,
    cachedReply(text: string, chunkSize?: number): Reply {
      return (request) => {
        // What this request writes becomes readable when its first event goes out, not before.
        const written = { readable: false };
        const usage = cache.account(request.body, written);
        const model = String(request.body.model);
        const output = Math.ceil(text.length / 4);
        return {
          began: () => {
            written.readable = true;
          },
          sse:
            event('message_start', {
              type: 'message_start',
              message: {
                id: `msg_${Math.random().toString(36).slice(2)}`,
                type: 'message',
                role: 'assistant',
                model,
                content: [],
                stop_reason: null,
                stop_sequence: null,
                usage: { ...usage, output_tokens: 1 },
              },
            }) +
            event('content_block_start', {
              type: 'content_block_start',
              index: 0,
              content_block: { type: 'text', text: '' },
            }) +
            chunksOf(text, chunkSize)
              .map((chunk) =>
                event('content_block_delta', {
                  type: 'content_block_delta',
                  index: 0,
                  delta: { type: 'text_delta', text: chunk },
                }),
              )
              .join('') +
            event('content_block_stop', { type: 'content_block_stop', index: 0 }) +
            event('message_delta', {
              type: 'message_delta',
              delta: { stop_reason: 'end_turn', stop_sequence: null },
              usage: { ...usage, output_tokens: output },
            }) +
            event('message_stop', { type: 'message_stop' }),
        };
      };
    },
  };
}
