import { estimateTokens } from './text-reply-events.js';

/**
 * What an offline backend sends of a reply under the request's max_tokens, as a real provider does: the whole reply
 * (`end_turn`) when its estimated tokens (4 bytes a token) fit, else the longest prefix that does, cut on a character
 * boundary, with stop reason `max_tokens`. A reply that fits is never changed. The gateway lowers max_tokens to what is
 * left of `--budget`, so an offline run keeps its budget only if its replies stop there.
 */
export function cutAtMaxTokens(
  text: string,
  maxTokens: unknown,
): { text: string; stopReason: 'end_turn' | 'max_tokens' } {
  if (typeof maxTokens !== 'number' || !Number.isFinite(maxTokens) || estimateTokens(text) <= maxTokens) {
    return { text, stopReason: 'end_turn' };
  }
  const bytes = Buffer.from(text, 'utf8');
  let end = Math.max(0, Math.floor(maxTokens)) * 4;
  // Never split a character: back up over UTF-8 continuation bytes (10xxxxxx) to the start of the one cut.
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end -= 1;
  return { text: bytes.subarray(0, end).toString('utf8'), stopReason: 'max_tokens' };
}
