import type { MessagesRequest, StreamEvent } from '../backend.js';

/** The input side of a reply's usage; output tokens are counted as the reply is sent. */
export interface ReplyInputUsage {
  input_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
}

/** Tokens for a text at four bytes a token, the estimate every engine-side exemplar uses. */
export function estimateTokens(text: string): number {
  return Math.ceil(Buffer.byteLength(text) / 4);
}

/** The events that open one Messages API answer with one text block: `message_start` with its usage, then the block. */
export function* replyStartEvents(options: {
  id: string;
  model: string;
  usage: ReplyInputUsage;
}): Iterable<StreamEvent> {
  yield {
    type: 'message_start',
    message: {
      id: options.id,
      type: 'message',
      role: 'assistant',
      model: options.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: {
        input_tokens: options.usage.input_tokens,
        output_tokens: 1,
        cache_creation_input_tokens: options.usage.cache_creation_input_tokens,
        cache_read_input_tokens: options.usage.cache_read_input_tokens,
      },
    },
  } as unknown as StreamEvent;
  yield {
    type: 'content_block_start',
    index: 0,
    content_block: { type: 'text', text: '', citations: null },
  } as StreamEvent;
}

/** The events that close the text block and the answer. */
export function* replyEndEvents(options: {
  stopReason: 'end_turn' | 'max_tokens';
  outputTokens: number;
}): Iterable<StreamEvent> {
  yield { type: 'content_block_stop', index: 0 };
  yield {
    type: 'message_delta',
    delta: { stop_reason: options.stopReason, stop_sequence: null },
    usage: { output_tokens: options.outputTokens },
  } as StreamEvent;
  yield { type: 'message_stop' };
}

/**
 * A whole text reply as the stream events of one Messages API answer (one text block, `end_turn`), with usage estimated
 * at four bytes a token and no cache use: what the engine-side exemplars answer with.
 */
export function* textReplyEvents(options: {
  request: MessagesRequest;
  text: string;
  id: string;
}): Iterable<StreamEvent> {
  const { request, text } = options;
  const usage = {
    input_tokens: estimateTokens(JSON.stringify(request)),
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
  };
  yield* replyStartEvents({ id: options.id, model: request.model, usage });
  yield { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } };
  yield* replyEndEvents({ stopReason: 'end_turn', outputTokens: estimateTokens(text) });
}
