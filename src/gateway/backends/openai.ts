import type OpenAI from 'openai';
import type { Backend, BackendContext, MessagesRequest, StreamEvent } from '../backend.js';
import { abortedError, toBackendError } from '../provider-errors.js';
import { createChatStreamTranslator, toChatRequest } from '../provider-openai-translate.js';
import {
  applyParamFixes,
  initialParamFixes,
  type OpenAiParamMode,
  recognizeParamRefusal,
} from './adapt-openai-params.js';

export const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';

export interface OpenAiBackendOptions {
  /** Replaces the model the Prime asked for (an OpenAI-compatible server rarely knows Claude model names). */
  model?: string | undefined;
  /** vLLM, Ollama, llama.cpp server, LM Studio, OpenRouter…: their `/v1` URL. */
  baseUrl?: string | undefined;
  /** Local servers often take no key; the SDK needs some string, so a placeholder is sent then. */
  apiKey?: string | undefined;
  apiKeyVar: string;
  /** Cap on the request's max_tokens (RoleConfig.maxTokens). */
  maxTokens?: number | undefined;
  timeoutMs?: number | undefined;
  /** Which parameters the server takes (adapt-openai-params.ts); default `auto`. */
  params?: OpenAiParamMode | undefined;
}

/**
 * The `openai` backend: any OpenAI-compatible chat.completions server through the official `openai` SDK, the
 * Anthropic request translated to chat messages and the chunk stream translated back into Anthropic events as the
 * chunks arrive.
 */
export function createOpenAiBackend(options: OpenAiBackendOptions): Backend {
  const baseUrl = options.baseUrl ?? OPENAI_DEFAULT_BASE_URL;
  const identity = { provider: 'openai' as const, baseUrl, apiKey: options.apiKey, apiKeyVar: options.apiKeyVar };
  // Loaded on the first request, like the anthropic backend's SDK.
  let loaded: Promise<{ client: OpenAI; sdk: typeof OpenAI }> | undefined;
  const mode = options.params ?? 'auto';
  // What the server refused so far: learned once per backend (per role and run), so later requests go right first.
  const fixes = initialParamFixes(mode);
  const load = () =>
    (loaded ??= import('openai').then(({ default: Sdk }) => ({
      sdk: Sdk,
      client: new Sdk({
        apiKey: options.apiKey ?? 'no-key',
        baseURL: baseUrl,
        maxRetries: 0,
        timeout: options.timeoutMs ?? 600_000,
        logLevel: 'off',
      }),
    })));

  async function* stream(request: MessagesRequest, context: BackendContext): AsyncIterable<StreamEvent> {
    const model = options.model ?? request.model;
    const { client, sdk } = await load();
    try {
      const chat = toChatRequest(request, model);
      if (options.maxTokens !== undefined && (chat.max_tokens ?? 0) > options.maxTokens)
        chat.max_tokens = options.maxTokens;
      const translator = createChatStreamTranslator({ model });
      let chunks: AsyncIterable<OpenAI.Chat.ChatCompletionChunk>;
      for (;;) {
        try {
          chunks = await client.chat.completions.create(applyParamFixes(chat, fixes), { signal: context.signal });
          break;
        } catch (error) {
          // A refusal is answered before any chunk, so resending is safe; each fix is tried once, then it is an error.
          const fix = mode === 'auto' && error instanceof sdk.APIError ? recognizeParamRefusal(error) : null;
          if (fix === null || fixes.has(fix)) throw error;
          fixes.add(fix);
        }
      }
      for await (const chunk of chunks) {
        yield* translator.push(chunk);
      }
      // The SDK ends a stream quietly when its signal aborts; say so rather than report a cut stream.
      if (context.signal.aborted) throw abortedError('openai');
      yield* translator.end();
    } catch (error) {
      throw toBackendError(error, identity, sdk);
    }
  }

  return { name: 'openai', stream };
}
