import type Anthropic from '@anthropic-ai/sdk';
import type { Backend, BackendContext, MessagesRequest, StreamEvent } from '../backend.js';
import { BackendError } from '../backend.js';
import { abortedError, toBackendError } from '../provider-errors.js';

export const ANTHROPIC_DEFAULT_BASE_URL = 'https://api.anthropic.com';

export interface AnthropicBackendOptions {
  /** Replaces the model the Prime asked for; unset: the Prime's model is used. */
  model?: string | undefined;
  baseUrl?: string | undefined;
  apiKey: string;
  /** The environment variable the key came from, named in error messages (the key itself never is). */
  apiKeyVar: string;
  /** Cap on the request's max_tokens (RoleConfig.maxTokens). */
  maxTokens?: number | undefined;
  /** Per-request timeout; the SDK default is 10 minutes. */
  timeoutMs?: number | undefined;
}

/**
 * The `anthropic` backend: the official SDK with the engine's key, streaming. Each raw event is yielded as it
 * arrives. Retries are the Prime's business (it waits on 429/529 itself), so the SDK's own retries are off.
 */
export function createAnthropicBackend(options: AnthropicBackendOptions): Backend {
  const baseUrl = options.baseUrl ?? ANTHROPIC_DEFAULT_BASE_URL;
  const identity = { provider: 'anthropic' as const, baseUrl, apiKey: options.apiKey, apiKeyVar: options.apiKeyVar };
  // The SDK is loaded on the first request, so commands that never call a provider do not pay for loading it.
  let loaded: Promise<{ client: Anthropic; sdk: typeof Anthropic }> | undefined;
  const load = () =>
    (loaded ??= import('@anthropic-ai/sdk').then(({ default: Sdk }) => ({
      sdk: Sdk,
      client: new Sdk({
        apiKey: options.apiKey,
        baseURL: baseUrl,
        maxRetries: 0,
        timeout: options.timeoutMs ?? 600_000,
        // The SDK's logger could print request details; the gateway reports failures itself.
        logLevel: 'off',
      }),
    })));

  async function* stream(request: MessagesRequest, context: BackendContext): AsyncIterable<StreamEvent> {
    const body = {
      ...markSpecForCaching(request),
      ...(options.model === undefined ? {} : { model: options.model }),
      max_tokens: Math.min(request.max_tokens, options.maxTokens ?? Number.POSITIVE_INFINITY),
      stream: true as const,
    };
    let sawStop = false;
    const { client, sdk } = await load();
    try {
      const events = await client.messages.create(body as Anthropic.MessageCreateParamsStreaming, {
        signal: context.signal,
      });
      for await (const event of events) {
        if (event.type === 'message_stop') sawStop = true;
        yield event;
      }
    } catch (error) {
      throw toBackendError(error, identity, sdk);
    }
    // The SDK ends a stream quietly when its signal aborts; say so rather than report a cut stream.
    if (context.signal.aborted) throw abortedError('anthropic');
    if (!sawStop) {
      throw new BackendError({
        status: 502,
        type: 'api_error',
        message: 'the anthropic provider stream ended before message_stop (cut mid-reply)',
      });
    }
  }

  return { name: 'anthropic', stream };
}

/**
 * Marks the spec block (the first user content block, starting `<spec`) for prompt caching when the Prime did not,
 * so the long repeated part of every prompt is billed at the cache-read rate after the first request.
 */
export function markSpecForCaching(request: MessagesRequest): MessagesRequest {
  const messages = request.messages;
  const first = messages[0];
  if (first === undefined || first.role !== 'user') return request;
  const content = first.content;
  let blocks: Anthropic.ContentBlockParam[];
  if (typeof content === 'string') {
    if (!content.startsWith('<spec')) return request;
    blocks = [{ type: 'text', text: content }];
  } else {
    blocks = [...content];
  }
  const head = blocks[0];
  if (head === undefined || head.type !== 'text' || !head.text.startsWith('<spec')) return request;
  if (head.cache_control != null) return request;
  blocks[0] = { ...head, cache_control: { type: 'ephemeral' } };
  return { ...request, messages: [{ ...first, content: blocks }, ...messages.slice(1)] } as MessagesRequest;
}
