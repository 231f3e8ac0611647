import type OpenAI from 'openai';
import type { MessagesRequest, StreamEvent } from './backend.js';
import { BackendError } from './backend.js';

type ChatRequest = OpenAI.Chat.ChatCompletionCreateParamsStreaming;
type ChatMessage = OpenAI.Chat.ChatCompletionMessageParam;

/** Anthropic text blocks (or a plain string) → one string; anything but text cannot be expressed, so it is refused. */
function textOf(content: unknown, where: string): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) {
    throw new BackendError({ status: 400, type: 'invalid_request_error', message: `${where}: expected text content` });
  }
  return content
    .map((block: unknown, index) => {
      const b = block as { type?: unknown; text?: unknown };
      if (b.type !== 'text' || typeof b.text !== 'string') {
        throw new BackendError({
          status: 400,
          type: 'invalid_request_error',
          message: `${where}[${index}] is a ${String(b.type)} block: the openai provider takes text blocks only`,
        });
      }
      return b.text;
    })
    .join('\n\n');
}

/** Translates an Anthropic Messages request into a streaming chat.completions request. */
export function toChatRequest(request: MessagesRequest, model: string): ChatRequest {
  const messages: ChatMessage[] = [];
  if (request.system !== undefined) {
    const system = textOf(request.system, 'system');
    if (system !== '') messages.push({ role: 'system', content: system });
  }
  request.messages.forEach((message, index) => {
    const role = message.role;
    if (role !== 'user' && role !== 'assistant') {
      throw new BackendError({
        status: 400,
        type: 'invalid_request_error',
        message: `messages[${index}].role is ${String(role)}: the openai provider takes user and assistant messages`,
      });
    }
    messages.push({ role, content: textOf(message.content, `messages[${index}].content`) });
  });
  const chat: ChatRequest = {
    model,
    messages,
    max_tokens: request.max_tokens,
    stream: true,
    stream_options: { include_usage: true },
  };
  const { temperature, top_p, stop_sequences } = request as {
    temperature?: number;
    top_p?: number;
    stop_sequences?: string[];
  };
  if (typeof temperature === 'number') chat.temperature = temperature;
  if (typeof top_p === 'number') chat.top_p = top_p;
  if (Array.isArray(stop_sequences)) chat.stop = stop_sequences;
  return chat;
}

const STOP_REASONS: Record<string, string> = {
  stop: 'end_turn',
  length: 'max_tokens',
  content_filter: 'refusal',
  tool_calls: 'tool_use',
  function_call: 'tool_use',
};

export interface ChatStreamTranslator {
  /** Anthropic events for one chat.completions chunk (possibly none). */
  push(chunk: OpenAI.Chat.ChatCompletionChunk): StreamEvent[];
  /** The closing events; throws a BackendError when the stream ended without a finish reason (cut mid-reply). */
  end(): StreamEvent[];
}

/**
 * A pure, chunk-safe translator from chat.completions chunks to Anthropic stream events: message_start on the first
 * chunk, one text block, message_delta with the mapped stop reason and the usage (OpenAI reports usage last, so
 * message_start carries zeros and message_delta the real numbers, as Anthropic's cumulative message_delta usage does).
 */
export function createChatStreamTranslator(options: { model: string }): ChatStreamTranslator {
  let started = false;
  let blockOpen = false;
  let finishReason: string | null = null;
  let usage: OpenAI.CompletionUsage | null = null;

  const start = (chunk: OpenAI.Chat.ChatCompletionChunk | null): StreamEvent[] => {
    if (started) return [];
    started = true;
    const message = {
      id: `msg_${chunk?.id ?? 'openai'}`,
      type: 'message',
      role: 'assistant',
      model: chunk?.model || options.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: null, cache_read_input_tokens: null },
    };
    return [{ type: 'message_start', message } as unknown as StreamEvent];
  };
  const openBlock = (): StreamEvent[] => {
    if (blockOpen) return [];
    blockOpen = true;
    return [
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } } as unknown as StreamEvent,
    ];
  };

  return {
    push(chunk) {
      const events = start(chunk);
      if (chunk.usage != null) usage = chunk.usage;
      for (const choice of chunk.choices) {
        const text = choice.delta?.content;
        if (typeof text === 'string' && text !== '') {
          events.push(...openBlock());
          events.push({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } } as StreamEvent);
        }
        if (choice.finish_reason != null) finishReason = choice.finish_reason;
      }
      return events;
    },
    end() {
      if (finishReason === null) {
        throw new BackendError({
          status: 502,
          type: 'api_error',
          message: 'the openai provider stream ended without a finish_reason (cut mid-reply)',
        });
      }
      const events = [...start(null), ...openBlock()];
      events.push({ type: 'content_block_stop', index: 0 } as StreamEvent);
      const cached = usage?.prompt_tokens_details?.cached_tokens ?? 0;
      const written = usage?.prompt_tokens_details?.cache_write_tokens ?? 0;
      // Anthropic's input_tokens excludes the cached part; OpenAI's prompt_tokens includes it.
      const deltaUsage = {
        input_tokens: Math.max(0, (usage?.prompt_tokens ?? 0) - cached - written),
        output_tokens: usage?.completion_tokens ?? 0,
        cache_read_input_tokens: cached,
        cache_creation_input_tokens: written,
      };
      events.push({
        type: 'message_delta',
        delta: { stop_reason: STOP_REASONS[finishReason] ?? 'end_turn', stop_sequence: null },
        usage: deltaUsage,
      } as unknown as StreamEvent);
      events.push({ type: 'message_stop' } as StreamEvent);
      return events;
    },
  };
}
