import type { Reply } from './scripted-server.js';

/** 80 characters, 20 tokens at 4 characters a token: the reply's unit. */
const LINE = `${'x'.repeat(79)}\n`;
const TOKENS_PER_LINE = LINE.length / 4;

/** The characters of every text part of a request (system, messages): what a tokenizer counts, not the JSON around it. */
function promptTokens(body: Record<string, unknown>): number {
  const texts: string[] = [];
  const walk = (value: unknown, key: string | null): void => {
    if (typeof value === 'string' && (key === 'text' || key === 'content' || key === 'system')) texts.push(value);
    else if (Array.isArray(value)) for (const item of value) walk(item, null);
    else if (value !== null && typeof value === 'object')
      for (const [name, inner] of Object.entries(value)) walk(inner, name);
  };
  walk(body.system, 'system');
  walk(body.messages, null);
  return Math.ceil(Buffer.byteLength(texts.join(''), 'utf8') / 4);
}

/** How much a model that wants to write `tokens` writes under this request's cap, in whole lines. */
function written(tokens: number, cap: unknown): { lines: number; cut: boolean } {
  const limit = typeof cap === 'number' ? cap : Number.POSITIVE_INFINITY;
  const output = Math.min(tokens, limit);
  return { lines: Math.floor(output / TOKENS_PER_LINE), cut: tokens > limit };
}

function event(name: string, data: unknown): string {
  return `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * An Anthropic reply from a model that would write `tokens` output tokens and stops where the request's max_tokens
 * says (stop_reason `max_tokens`), billing exactly what it wrote; input counted ≈ the prompt's text bytes / 4.
 */
export function longAnthropicReply(tokens: number): Reply {
  return (request) => {
    const { lines, cut } = written(tokens, request.body.max_tokens);
    const input = promptTokens(request.body);
    const model = String(request.body.model);
    const deltas = Array.from({ length: Math.ceil(lines / 50) }, (_, i) =>
      event('content_block_delta', {
        type: 'content_block_delta',
        index: 0,
        delta: { type: 'text_delta', text: LINE.repeat(Math.min(50, lines - i * 50)) },
      }),
    );
    const start = {
      type: 'message_start',
      message: {
        ...{ id: 'msg_long', type: 'message', role: 'assistant', model, content: [] },
        ...{ stop_reason: null, stop_sequence: null, usage: { input_tokens: input, output_tokens: 1 } },
      },
    };
    return {
      sse:
        event('message_start', start) +
        event('content_block_start', {
          type: 'content_block_start',
          index: 0,
          content_block: { type: 'text', text: '' },
        }) +
        deltas.join('') +
        event('content_block_stop', { type: 'content_block_stop', index: 0 }) +
        event('message_delta', {
          type: 'message_delta',
          delta: { stop_reason: cut ? 'max_tokens' : 'end_turn', stop_sequence: null },
          usage: { output_tokens: lines * TOKENS_PER_LINE },
        }) +
        event('message_stop', { type: 'message_stop' }),
    };
  };
}

/** The same model behind an OpenAI-compatible chat.completions server: finish_reason `length` when cut. */
export function longChatReply(tokens: number): Reply {
  return (request) => {
    const { lines, cut } = written(tokens, request.body.max_tokens ?? request.body.max_completion_tokens);
    const prompt = promptTokens(request.body);
    const base = { id: 'chatcmpl-long', object: 'chat.completion.chunk', created: 1_763_800_000 };
    const chunk = (choices: unknown[], usage: unknown = null) =>
      `data: ${JSON.stringify({ ...base, model: String(request.body.model), choices, usage })}\n\n`;
    let sse = chunk([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]);
    for (let i = 0; i < lines; i += 50) {
      sse += chunk([{ index: 0, delta: { content: LINE.repeat(Math.min(50, lines - i)) }, finish_reason: null }]);
    }
    sse += chunk([{ index: 0, delta: {}, finish_reason: cut ? 'length' : 'stop' }]);
    const completion = lines * TOKENS_PER_LINE;
    sse += chunk([], { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion });
    return { sse: `${sse}data: [DONE]\n\n` };
  };
}
