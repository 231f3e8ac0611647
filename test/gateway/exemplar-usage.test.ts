import type Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import type { MessagesRequest, StreamEvent } from '../../src/gateway/backend.js';
import { createExemplarBackend } from '../../src/gateway/backends/exemplar.js';
import { textReplyEvents } from '../../src/gateway/backends/text-reply-events.js';
import { firstMessage, GEN0_DIR, MINIMAL_SPEC_TEXT } from './gateway-helpers.js';

const request = (messages: Anthropic.MessageParam[]) =>
  ({ model: 'm', max_tokens: 64000, messages }) as MessagesRequest;

async function collect(events: AsyncIterable<StreamEvent> | Iterable<StreamEvent>): Promise<StreamEvent[]> {
  const out: StreamEvent[] = [];
  for await (const event of events) out.push(event);
  return out;
}

function textOf(events: StreamEvent[]): string {
  return events
    .map((event) => (event.type === 'content_block_delta' && event.delta.type === 'text_delta' ? event.delta.text : ''))
    .join('');
}

describe('exemplar reply events', () => {
  it('the exemplar announces the spec as a cache write, then a cache read, in the frame every answer has', async () => {
    const backend = await createExemplarBackend({ sealedPrimeDir: GEN0_DIR, chunkChars: 4096 });
    const asked = request([firstMessage()]);
    const context = { generation: 1, purpose: 'fresh', signal: new AbortController().signal };
    const first = await collect(backend.stream(asked, context));
    const second = await collect(backend.stream(asked, context));
    const specTokens = Math.ceil(Buffer.byteLength(MINIMAL_SPEC_TEXT) / 4);
    const inputTokens = Math.max(1, Math.ceil(Buffer.byteLength(JSON.stringify(asked)) / 4) - specTokens);
    const text = textOf(first);
    expect(first.map((event) => event.type)).toEqual([
      'message_start',
      'content_block_start',
      ...Array.from({ length: Math.ceil(text.length / 4096) }, () => 'content_block_delta'),
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    const start = (events: StreamEvent[]) => (events[0] as Anthropic.RawMessageStartEvent).message;
    expect(start(first).id).toBe('msg_exemplar_1');
    expect(start(second).id).toBe('msg_exemplar_2');
    expect(start(first).usage).toEqual({
      input_tokens: inputTokens,
      output_tokens: 1,
      cache_creation_input_tokens: specTokens,
      cache_read_input_tokens: 0,
    });
    expect(start(second).usage).toMatchObject({ cache_creation_input_tokens: 0, cache_read_input_tokens: specTokens });
    expect(first.at(-2)).toEqual({
      type: 'message_delta',
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: { output_tokens: Math.ceil(Buffer.byteLength(text) / 4) },
    });
  });

  it('textReplyEvents answers in one delta, no cache use, usage at four bytes a token', async () => {
    const asked = request([{ role: 'user', content: 'mutate this' }]);
    const events = await collect(textReplyEvents({ request: asked, text: 'héllo world', id: 'msg_x' }));
    expect(events).toEqual([
      {
        type: 'message_start',
        message: {
          id: 'msg_x',
          type: 'message',
          role: 'assistant',
          model: 'm',
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: {
            input_tokens: Math.ceil(Buffer.byteLength(JSON.stringify(asked)) / 4),
            output_tokens: 1,
            cache_creation_input_tokens: 0,
            cache_read_input_tokens: 0,
          },
        },
      },
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '', citations: null } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'héllo world' } },
      { type: 'content_block_stop', index: 0 },
      { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 3 } },
      { type: 'message_stop' },
    ]);
  });
});
