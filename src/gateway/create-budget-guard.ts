import { BUDGET_MIN_OUTPUT, DEFAULT_TOKENS_PER_BYTE, estimateInputTokens } from './estimate-request-tokens.js';
import type { TokenCount } from './gateway-events.js';

export type Admission =
  | {
      admitted: true;
      /** The max_tokens to forward: the request's own, or lower when only that much output is left to pay for. */
      maxTokens: number;
      /** Set when `maxTokens` is below what the request asked for. */
      trimmed: { requested: number; sent: number } | null;
      settle(): void;
    }
  | { admitted: false; message: string };

export interface BudgetGuard {
  /**
   * Admits a request when its input estimate plus at least a minimal reply fits what is left, lowering max_tokens to
   * the output the rest can pay for; reserves input + max_tokens until `settle()` (call it once).
   */
  admit(request: { bodyBytes: number; maxTokens: number }): Admission;
  /** Learns from a finished request how many input tokens its body's bytes really were. */
  observe(exchange: { bodyBytes: number; usage: TokenCount }): void;
}

/**
 * The run's token budget. A request reserves its worst case (input estimate + the max_tokens forwarded) from
 * admission until it ends, when `used()` holds what it really cost, so neither one long reply nor requests sent in
 * parallel can take the ledger past the budget.
 */
export function createBudgetGuard(options: { budget: number | null; used: () => number }): BudgetGuard {
  const { budget } = options;
  let reserved = 0;
  let tokensPerByte = DEFAULT_TOKENS_PER_BYTE;
  return {
    admit({ bodyBytes, maxTokens }) {
      if (budget === null) return { admitted: true, maxTokens, trimmed: null, settle: () => {} };
      const input = estimateInputTokens({ bodyBytes, tokensPerByte });
      const used = options.used() + reserved;
      const room = budget - used - input;
      const minimal = Math.max(0, Math.min(maxTokens, BUDGET_MIN_OUTPUT));
      if (room < minimal) {
        const message =
          `token budget of ${budget} would be exceeded: ${used} tokens used or reserved so far, and this request needs ` +
          `about ${input} input tokens (body bytes × ${tokensPerByte.toFixed(3)}) and room for a reply of at least ` +
          `${minimal} tokens, leaving ${Math.max(0, room)} for output; raise --budget / CAMBRIAN_TOKEN_BUDGET to go on`;
        return { admitted: false, message };
      }
      const sent = Math.min(maxTokens, room);
      // A max_tokens of 0 or less is the provider's to refuse; it reserves no output.
      const reservation = input + Math.max(0, sent);
      reserved += reservation;
      return {
        admitted: true,
        maxTokens: sent,
        trimmed: sent < maxTokens ? { requested: maxTokens, sent } : null,
        settle: () => (reserved -= reservation),
      };
    },
    observe({ bodyBytes, usage }) {
      const input = usage.input + usage.cacheRead + usage.cacheWrite;
      if (bodyBytes > 0 && input > 0) tokensPerByte = Math.max(tokensPerByte, input / bodyBytes);
    },
  };
}
