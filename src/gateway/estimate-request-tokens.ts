/** Output counted against the budget per request: max_tokens is often far above what a reply uses. */
export const BUDGET_OUTPUT_CAP = 16_384;

/** The budget's worst-case guess for a request: input ≈ body bytes / 4, output up to min(max_tokens, the cap). */
export function estimateRequestTokens(options: { bodyBytes: number; maxTokens: number }): {
  input: number;
  output: number;
  outputCap: number;
  total: number;
} {
  const input = Math.ceil(options.bodyBytes / 4);
  const output = Math.max(0, Math.min(options.maxTokens, BUDGET_OUTPUT_CAP));
  return { input, output, outputCap: BUDGET_OUTPUT_CAP, total: input + output };
}
