import { estimateRequestTokens } from './estimate-request-tokens.js';

export type Admission = { admitted: true; settle(): void } | { admitted: false; message: string };

export interface BudgetGuard {
  /** Admits a request whose estimate fits what is left, reserving the estimate until `settle()` (call it once). */
  admit(request: { bodyBytes: number; maxTokens: number }): Admission;
}

/**
 * The run's token budget. Requests still streaming count with their estimate (reserved at admission, released when
 * they end, when `used()` holds what they really cost), so requests sent in parallel cannot together overrun it.
 */
export function createBudgetGuard(options: { budget: number | null; used: () => number }): BudgetGuard {
  const { budget } = options;
  let reserved = 0;
  return {
    admit({ bodyBytes, maxTokens }) {
      if (budget === null) return { admitted: true, settle: () => {} };
      const estimate = estimateRequestTokens({ bodyBytes, maxTokens });
      const used = options.used() + reserved;
      if (used + estimate.total > budget) {
        const message =
          `token budget of ${budget} would be exceeded: ${used} tokens used or reserved so far, and this request may need about ${estimate.total} ` +
          `(input ≈ body bytes / 4 = ${estimate.input}, output up to min(max_tokens, ${estimate.outputCap}) = ${estimate.output}); ` +
          'raise --budget / CAMBRIAN_TOKEN_BUDGET to go on';
        return { admitted: false, message };
      }
      reserved += estimate.total;
      return { admitted: true, settle: () => (reserved -= estimate.total) };
    },
  };
}
