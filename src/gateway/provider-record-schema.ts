import { z } from 'zod';
import type { StreamEvent } from './backend.js';

/**
 * One line of a `--record` file: one exchange between the gateway and a backend. The request is the body the
 * Prime sent (no key is ever in a body; headers are not recorded), the events are what the backend streamed,
 * `error` the failure that ended it, if any.
 */
export const RecordedExchangeSchema = z.object({
  'cambrian-record': z.literal(1),
  exchange: z.number().int().positive(),
  at: z.string(),
  backend: z.string(),
  generation: z.number().int().nullable(),
  purpose: z.string().nullable(),
  /** The models the Prime was told to use in the recorded run, so a replay tells it the same. */
  models: z.object({ model: z.string(), escalationModel: z.string() }).optional(),
  request: z.record(z.string(), z.unknown()),
  events: z.array(z.object({ type: z.string() }).passthrough()),
  usage: z.object({ input: z.number(), output: z.number(), cacheRead: z.number(), cacheWrite: z.number() }),
  error: z
    .object({
      status: z.number().int(),
      type: z.string(),
      message: z.string(),
      retryAfterSeconds: z.number().optional(),
    })
    .nullable(),
});

export type RecordedExchange = z.infer<typeof RecordedExchangeSchema>;

export interface EventUsage {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

/**
 * The usage a stream reports: message_start's usage, then each message_delta's non-null fields, which Anthropic
 * documents as cumulative (so the last value wins, never a sum).
 */
export function usageOfEvents(events: ReadonlyArray<StreamEvent>): EventUsage {
  const usage: EventUsage = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };
  const take = (raw: unknown) => {
    if (typeof raw !== 'object' || raw === null) return;
    const u = raw as Record<string, unknown>;
    if (typeof u.input_tokens === 'number') usage.input = u.input_tokens;
    if (typeof u.output_tokens === 'number') usage.output = u.output_tokens;
    if (typeof u.cache_read_input_tokens === 'number') usage.cacheRead = u.cache_read_input_tokens;
    if (typeof u.cache_creation_input_tokens === 'number') usage.cacheWrite = u.cache_creation_input_tokens;
  };
  for (const event of events) {
    if (event.type === 'message_start') take(event.message.usage);
    if (event.type === 'message_delta') take(event.usage);
  }
  return usage;
}
