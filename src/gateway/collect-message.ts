import type Anthropic from '@anthropic-ai/sdk';
import type { StreamEvent } from './backend.js';

/** Folds a stream of events into the Message a non-streaming request answers with. */
export function collectMessage(events: readonly StreamEvent[]): Anthropic.Message {
  let message: Anthropic.Message | null = null;
  const texts: string[] = [];
  for (const event of events) {
    if (event.type === 'message_start') {
      message = structuredClone(event.message);
    } else if (event.type === 'content_block_start' && event.content_block.type === 'text') {
      texts[event.index] = event.content_block.text;
    } else if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') {
      texts[event.index] = (texts[event.index] ?? '') + event.delta.text;
    } else if (event.type === 'message_delta' && message !== null) {
      message.stop_reason = event.delta.stop_reason;
      message.stop_sequence = event.delta.stop_sequence;
      message.usage = { ...message.usage, ...(event.usage as Partial<Anthropic.Usage>) } as Anthropic.Usage;
    }
  }
  if (message === null) throw new Error('the backend sent no message_start');
  message.content = texts
    .filter((text) => text !== undefined)
    .map((text) => ({ type: 'text', text, citations: null }) as Anthropic.TextBlock);
  return message;
}
