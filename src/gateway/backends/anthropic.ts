import type Anthropic from '@anthropic-ai/sdk';
import type { Backend, BackendContext, MessagesRequest, StreamEvent } from '../backend.js';
import { BackendError } from '../backend.js';
import { abortedError, toBackendError } from '../provider-errors.js';
import { type CacheTtl, type CacheTtlPolicy, createCacheTtlPolicy } from './choose-cache-ttl.js';
import { type CacheLanes, cachePrefixKey, type PrefixTurn, processCacheLanes } from './create-cache-lanes.js';

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
  /** The TTL of the cached genome prefix (choose-cache-ttl.ts); default `auto`. */
  cacheTtl?: CacheTtlPolicy | undefined;
  /** The clock the TTL policy measures streams and gaps with; default Date.now. */
  now?: (() => number) | undefined;
  /** The lanes this backend shares cache entries with (create-cache-lanes.ts); default: the engine process's. */
  cacheLanes?: CacheLanes | undefined;
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
  const policy = options.cacheTtl ?? createCacheTtlPolicy('auto');
  const now = options.now ?? Date.now;
  const lanes = options.cacheLanes ?? processCacheLanes;
  // This backend is one lane: one run's role, its requests one after another.
  const lane = Symbol('lane');
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

  /** This request's turn on its shared prefix, after any hold behind another lane's write; null when not cached. */
  async function enterLanes(request: MessagesRequest, context: BackendContext): Promise<PrefixTurn | null> {
    if (policy.mode === 'off') return null;
    const modelled = options.model === undefined ? request : { ...request, model: options.model };
    const key = cachePrefixKey({ baseUrl, request: markSpecForCaching(modelled) });
    if (key === null) return null;
    const turn = await lanes.enter({ key, lane, now, signal: context.signal });
    if (turn.hold !== null) context.onCacheHold?.(turn.hold);
    return turn;
  }

  async function* stream(request: MessagesRequest, context: BackendContext): AsyncIterable<StreamEvent> {
    const turn = await enterLanes(request, context);
    const startedMs = now();
    const ttl = policy.choose(startedMs, turn?.view);
    if (ttl !== null) turn?.send({ ttl, nextUseMs: policy.nextUseMs(startedMs) });
    context.onCacheTtl?.(ttl);
    const body = {
      ...applyCacheTtl(request, ttl),
      ...(options.model === undefined ? {} : { model: options.model }),
      max_tokens: Math.min(request.max_tokens, options.maxTokens ?? Number.POSITIVE_INFINITY),
      stream: true as const,
    };
    let sawStop = false;
    let outputTokens = 0;
    let began = false;
    try {
      const { client, sdk } = await load();
      try {
        const events = await client.messages.create(body as Anthropic.MessageCreateParamsStreaming, {
          signal: context.signal,
        });
        for await (const event of events) {
          if (event.type === 'message_start') {
            // The entry is readable from here on: lanes held behind this write may go.
            began = true;
            const usage = event.message.usage;
            turn?.began({
              wrote: (usage.cache_creation_input_tokens ?? 0) > 0 && !(usage.cache_read_input_tokens ?? 0),
            });
          }
          if (event.type === 'message_stop') sawStop = true;
          if (event.type === 'message_delta') outputTokens = event.usage.output_tokens ?? outputTokens;
          yield event;
        }
      } catch (error) {
        throw toBackendError(error, identity, sdk);
      }
    } finally {
      if (!began) turn?.failed();
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
    policy.observe({ startedMs, endedMs: now(), outputTokens });
  }

  return { name: 'anthropic', stream };
}

type Blocks = Anthropic.ContentBlockParam[];

function withTtl(blocks: Blocks, ttl: CacheTtl | null): Blocks {
  return blocks.map((block) => {
    if (!('cache_control' in block) || block.cache_control == null) return block;
    const { cache_control: _dropped, ...rest } = block;
    return (ttl === null ? rest : { ...rest, cache_control: cacheControl(ttl) }) as Anthropic.ContentBlockParam;
  });
}

function cacheControl(ttl: CacheTtl): Anthropic.CacheControlEphemeral {
  // The 5-minute form is sent as the API's default (no ttl field), exactly as before a TTL could be chosen.
  return ttl === '1h' ? { type: 'ephemeral', ttl: '1h' } : { type: 'ephemeral' };
}

/**
 * The request with the gateway's cache TTL: the spec block (the first user content block, starting `<spec`) marked
 * for caching when the Prime did not, so the long repeated genome prefix is billed at the cache-read rate after the
 * first request; every breakpoint the request carries given the same TTL (Anthropic refuses a 1-hour breakpoint after
 * a 5-minute one); with `null` (`--cache-ttl off`) every breakpoint removed.
 */
export function applyCacheTtl(request: MessagesRequest, ttl: CacheTtl | null): MessagesRequest {
  const marked = ttl === null ? request : markSpecForCaching(request);
  const system = Array.isArray(marked.system)
    ? (withTtl(marked.system, ttl) as Anthropic.TextBlockParam[])
    : marked.system;
  const messages = marked.messages.map((message) =>
    Array.isArray(message.content) ? { ...message, content: withTtl(message.content, ttl) } : message,
  );
  return { ...marked, ...(system === undefined ? {} : { system }), messages } as MessagesRequest;
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
