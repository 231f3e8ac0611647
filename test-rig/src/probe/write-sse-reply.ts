import type { ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

/** A scripted assistant reply, streamed as Anthropic's SSE events in small text deltas. */
export interface SseReply {
  text: string;
  model: string;
  stopReason: 'end_turn' | 'max_tokens';
}

/**
 * Streams a reply the way the Messages API does (message_start, content_block_start, ping, text deltas,
 * content_block_stop, message_delta with stop_reason and usage, message_stop). Deltas are small and uneven and some
 * events are split across writes, so a Prime that parses only whole replies or whole chunks still gets real streaming.
 */
export async function writeSseReply(response: ServerResponse, reply: SseReply): Promise<void> {
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const send = async (event: string, data: unknown, split = false): Promise<void> => {
    if (response.destroyed) return;
    const frame = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    if (!split) {
      response.write(frame);
      return;
    }
    const cut = Math.floor(frame.length / 2);
    response.write(frame.slice(0, cut));
    await sleep(1);
    if (!response.destroyed) response.write(frame.slice(cut));
  };
  const outputTokens = Math.max(1, Math.ceil(reply.text.length / 4));
  await send('message_start', {
    type: 'message_start',
    message: {
      id: `msg_probe_${Date.now().toString(36)}`,
      type: 'message',
      role: 'assistant',
      model: reply.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 1000, output_tokens: 1, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    },
  });
  await send('content_block_start', {
    type: 'content_block_start',
    index: 0,
    content_block: { type: 'text', text: '' },
  });
  await send('ping', { type: 'ping' });
  let offset = 0;
  let count = 0;
  while (offset < reply.text.length) {
    const size = 3 + ((count * 7) % 29);
    const delta = reply.text.slice(offset, offset + size);
    offset += size;
    count += 1;
    await send(
      'content_block_delta',
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: delta } },
      count % 5 === 0,
    );
    if (count % 8 === 0) await sleep(1);
  }
  await send('content_block_stop', { type: 'content_block_stop', index: 0 });
  await send('message_delta', {
    type: 'message_delta',
    delta: { stop_reason: reply.stopReason, stop_sequence: null },
    usage: { output_tokens: outputTokens },
  });
  await send('message_stop', { type: 'message_stop' });
  if (!response.destroyed) response.end();
}
