import type Anthropic from '@anthropic-ai/sdk';
import type { CacheHold } from './backends/create-cache-lanes.js';

/** The body of `POST /v1/messages` as the gateway received it (Anthropic Messages API shape). */
export type MessagesRequest = Anthropic.MessageCreateParams & Record<string, unknown>;

/** One Anthropic server-sent event, exactly as it goes on the wire (`event: <type>` + `data: <json>`). */
export type StreamEvent = Anthropic.RawMessageStreamEvent | { type: 'ping' };

export interface BackendContext {
  /** From the `x-cambrian-generation` header, when the Prime sent it. */
  generation: number | null;
  /** From the `x-cambrian-purpose` header: fresh, retry, repair or continuation. */
  purpose: string | null;
  signal: AbortSignal;
  /** Told the cache TTL a backend chose for this request (null: no caching), for the ledger. */
  onCacheTtl?: ((ttl: '5m' | '1h' | null) => void) | undefined;
  /** Told that the request waited for another lane's write of the same cached prefix to begin, for the log. */
  onCacheHold?: ((hold: CacheHold) => void) | undefined;
}

/**
 * Where the gateway sends a request: exemplar, anthropic, openai, replay. A backend yields Anthropic stream events
 * in order (message_start … message_stop); the gateway relays them as SSE and accounts the usage they carry.
 * A failure before or during the stream is thrown as a BackendError so the gateway can answer with the right status
 * (before the first event) or an `error` event (mid-stream).
 */
export interface Backend {
  readonly name: string;
  stream(request: MessagesRequest, context: BackendContext): AsyncIterable<StreamEvent>;
}

/** A provider failure with the HTTP status and Anthropic error type the Prime should see. */
export class BackendError extends Error {
  readonly status: number;
  readonly type: string;
  readonly retryAfterSeconds: number | undefined;

  constructor(options: { status: number; type: string; message: string; retryAfterSeconds?: number; cause?: unknown }) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BackendError';
    this.status = options.status;
    this.type = options.type;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}
