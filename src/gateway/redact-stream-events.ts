import type { StreamEvent } from './backend.js';
import type { SecretRedactor } from './redact-secrets.js';

/**
 * The backend's events with every secret taken out of the reply text, before the Prime, the exchange events or a
 * log can see it. A key split across deltas is caught: each content block's text goes through one redacting stream,
 * and what it held back is sent as a last delta just before the block's `content_block_stop`.
 */
export async function* redactStreamEvents(
  events: AsyncIterable<StreamEvent>,
  redactor: SecretRedactor,
): AsyncIterable<StreamEvent> {
  const blocks = new Map<number, ReturnType<SecretRedactor['createStream']>>();
  for await (const event of events) {
    if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') {
      let block = blocks.get(event.index);
      if (block === undefined) {
        block = redactor.createStream();
        blocks.set(event.index, block);
      }
      const text = block.push(event.delta.text);
      if (text !== '') yield { ...event, delta: { ...event.delta, text } };
      continue;
    }
    if (event.type === 'content_block_stop') {
      const rest = blocks.get(event.index)?.end() ?? '';
      blocks.delete(event.index);
      if (rest !== '')
        yield { type: 'content_block_delta', index: event.index, delta: { type: 'text_delta', text: rest } };
    }
    yield event;
  }
}
