import type { MessagesRequest, StreamEvent } from './backend.js';
import type { HoldRelease } from './backends/create-cache-lanes.js';
import type { Usage } from './prices.js';

/** Tokens of one exchange or a sum of them. */
export type TokenCount = Usage;

export const ZERO_USAGE: TokenCount = Object.freeze({ input: 0, output: 0, cacheRead: 0, cacheWrite: 0 });

export function addUsage(a: TokenCount, b: TokenCount): TokenCount {
  return {
    input: a.input + b.input,
    output: a.output + b.output,
    cacheRead: a.cacheRead + b.cacheRead,
    cacheWrite: a.cacheWrite + b.cacheWrite,
  };
}

export function totalTokens(usage: TokenCount): number {
  return usage.input + usage.output + usage.cacheRead + usage.cacheWrite;
}

/** How an exchange ended: a full reply, an Anthropic error (status or `error` event), a cut socket, a client gone. */
export type ExchangeOutcome = 'complete' | 'error' | 'cut' | 'aborted';

/**
 * Everything the gateway does is emitted as one of these, in order, so progress can be shown and a recorder
 * attached (`exchange-end` carries the request's events exactly as relayed).
 */
export type GatewayEvent =
  | {
      type: 'exchange-start';
      id: string;
      generation: number | null;
      purpose: string | null;
      model: string;
      stream: boolean;
      /** The request as forwarded (max_tokens already lowered when `trimmed` is set). */
      request: MessagesRequest;
      /** max_tokens as the Prime asked and as forwarded, when what was left of the budget could pay for less. */
      trimmed: { requested: number; sent: number } | null;
    }
  | { type: 'exchange-delta'; id: string; generation: number | null; text: string; outputBytes: number }
  | {
      type: 'exchange-end';
      id: string;
      generation: number | null;
      purpose: string | null;
      model: string;
      outcome: ExchangeOutcome;
      /** HTTP status sent (200 once the stream started, even when it later carried an `error` event). */
      status: number;
      stopReason: string | null;
      usage: TokenCount;
      costUsd: number | null;
      durationMs: number;
      error: { type: string; message: string } | null;
      events: StreamEvent[];
    }
  | {
      /** The request waited for another lane's write of its cached prefix to begin (create-cache-lanes.ts). */
      type: 'cache-hold';
      id: string;
      generation: number | null;
      purpose: string | null;
      model: string;
      waitedMs: number;
      released: HoldRelease;
    }
  | {
      type: 'refused';
      generation: number | null;
      purpose: string | null;
      status: number;
      errorType: string;
      message: string;
    };
