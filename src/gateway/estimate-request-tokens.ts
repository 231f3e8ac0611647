/** The smallest reply worth sending: below this much room for output (or max_tokens, if smaller) the gateway refuses. */
export const BUDGET_MIN_OUTPUT = 1024;

/** Input tokens per body byte assumed before any reply reported its real count: ≈ 4 bytes a token. */
export const DEFAULT_TOKENS_PER_BYTE = 1 / 4;

/**
 * The budget's guess at a request's input tokens (input, cache reads and cache writes alike): body bytes times the
 * highest tokens-per-byte a reply of this run has reported so far, never less than 1 token per 4 bytes. Learning the
 * ratio from the run keeps the guess above the provider's own count once a tokenizer denser than 4 bytes a token
 * showed itself.
 */
export function estimateInputTokens(options: { bodyBytes: number; tokensPerByte: number }): number {
  return Math.ceil(options.bodyBytes * Math.max(DEFAULT_TOKENS_PER_BYTE, options.tokensPerByte));
}
