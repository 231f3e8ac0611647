import type { MessagesRequest, StreamEvent } from '../backend.js';

/**
 * A whole text reply as the stream events of one Messages API answer (one text block, `end_turn`), with usage estimated
 * at four bytes a token: what the engine-side exemplars answer with.
 */
export function* textReplyEvents(options: {
  request: MessagesRequest;
  text: string;
  id: string;
}): Iterable<StreamEvent> {
  const { request, text } = options;
  yield {
    type: 'message_start',
    message: {
      id: options.id,
      type: 'message',
      role: 'assistant',
      model: request.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: {
        input_tokens: Math.ceil(Buffer.byteLength(JSON.stringify(request)) / 4),
        output_tokens: 1,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
      },
    },
  } as unknown as StreamEvent;
  yield {
    type: 'content_block_start',
    index: 0,
    content_block: { type: 'text', text: '', citations: null },
  } as StreamEvent;
  yield { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } };
  yield { type: 'content_block_stop', index: 0 };
  yield {
    type: 'message_delta',
    delta: { stop_reason: 'end_turn', stop_sequence: null },
    usage: { output_tokens: Math.ceil(Buffer.byteLength(text) / 4) },
  } as StreamEvent;
  yield { type: 'message_stop' };
}
