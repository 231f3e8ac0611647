import type OpenAI from 'openai';

type ChatRequest = OpenAI.Chat.ChatCompletionCreateParamsStreaming;

/**
 * Which request parameters an OpenAI-compatible server takes. `classic` is what vLLM, Ollama, llama.cpp and older
 * OpenAI models take (`max_tokens`, sampling as the Prime asked); `reasoning` is what OpenAI's reasoning models take
 * (`max_completion_tokens`, no `temperature`/`top_p`); `auto` starts classic and learns from the server's refusal.
 */
export const OPENAI_PARAM_MODES = ['auto', 'classic', 'reasoning'] as const;
export type OpenAiParamMode = (typeof OPENAI_PARAM_MODES)[number];

/** A parameter the server refused, and what to send instead. */
export type ParamFix = 'max_completion_tokens' | 'drop:temperature' | 'drop:top_p';

const SAMPLING = ['temperature', 'top_p'] as const;

/** The request as the server accepts it: the token cap under one name only (never both), refused sampling dropped. */
export function applyParamFixes(chat: ChatRequest, fixes: ReadonlySet<ParamFix>): ChatRequest {
  const out: ChatRequest = { ...chat };
  if (fixes.has('max_completion_tokens') && out.max_tokens != null) {
    out.max_completion_tokens = out.max_tokens;
    delete out.max_tokens;
  }
  for (const name of SAMPLING) if (fixes.has(`drop:${name}`)) delete out[name];
  return out;
}

/** The fixes a mode starts with. */
export function initialParamFixes(mode: OpenAiParamMode): Set<ParamFix> {
  return mode === 'reasoning' ? new Set(['max_completion_tokens', 'drop:temperature', 'drop:top_p']) : new Set();
}

/**
 * Reads a 400 from the server as the refusal of one parameter, the way OpenAI words it (`param` set, code
 * `unsupported_parameter` / `unsupported_value`, or the message naming the parameter): "Unsupported parameter:
 * 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead." / "Unsupported value:
 * 'temperature' does not support 0.2 with this model." Anything else is not a refusal this backend can fix: null.
 */
export function recognizeParamRefusal(error: {
  status?: number | undefined;
  param?: unknown;
  message?: unknown;
}): ParamFix | null {
  if (error.status !== 400) return null;
  const param = typeof error.param === 'string' ? error.param : null;
  const message = typeof error.message === 'string' ? error.message : '';
  const names = (name: string) =>
    param === name || new RegExp(`Unsupported (parameter|value): '${name}'`).test(message);
  if (names('max_tokens') || (message.includes("'max_tokens'") && message.includes('max_completion_tokens')))
    return 'max_completion_tokens';
  for (const name of SAMPLING) if (names(name)) return `drop:${name}`;
  return null;
}
