import Anthropic from '@anthropic-ai/sdk';
import { createBlockParser, type ParsedFile, type ParseResult } from './block-parser.js';
import { backoffMs, type Config, type Log, sleep } from './config.js';
import { applyEdit } from './edit.js';
import { AttemptError, BudgetExceededError } from './errors.js';
import { continuationTask, repairTask, SYSTEM_PROMPT } from './prompts.js';

export type Purpose = 'fresh' | 'retry' | 'repair' | 'continuation';

/** What every request of one attempt shares. `usage` is summed over all of them. */
export interface LlmContext {
  client: Anthropic;
  config: Config;
  generation: number;
  model: string;
  usage: TokenUsage;
  signal: AbortSignal;
  log: Log;
}

export function createClient(config: Config): Anthropic {
  // The Prime does its own waiting (429/529, cut streams), so the SDK must not retry behind its back.
  return new Anthropic({ baseURL: config.baseUrl ?? null, apiKey: config.apiKey ?? null, maxRetries: 0 });
}

export function zeroUsage() {
  return { input: 0, output: 0, 'cache-read': 0, 'cache-write': 0 };
}
export type TokenUsage = ReturnType<typeof zeroUsage>;

/** A stream that ended without `message_stop`. */
class StreamCutError extends Error {}

function isTransient(error: unknown): boolean {
  if (!(error instanceof Anthropic.APIError)) return true;
  const status = error.status;
  // No status: an `error` event inside the stream, a dropped connection or the idle watchdog.
  return status === undefined || status === 408 || status === 429 || status >= 500;
}

function retryAfterMs(error: unknown): number | null {
  if (!(error instanceof Anthropic.APIError)) return null;
  const seconds = Number.parseFloat(error.headers?.get('retry-after') ?? '');
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : null;
}

/** Sends one request and streams its text deltas to `onText`. Resolves with the stop reason. */
async function streamOnce(
  ctx: LlmContext,
  options: { purpose: Purpose; messages: Anthropic.MessageParam[]; onText: (delta: string) => void },
): Promise<string | null> {
  const idle = new AbortController();
  const timer = setTimeout(() => idle.abort(), ctx.config.streamIdleTimeoutMs);
  const stream = ctx.client.messages.stream(
    { model: ctx.model, max_tokens: ctx.config.maxTokens, system: SYSTEM_PROMPT, messages: options.messages },
    {
      headers: { 'x-cambrian-generation': String(ctx.generation), 'x-cambrian-purpose': options.purpose },
      signal: AbortSignal.any([ctx.signal, idle.signal]),
    },
  );
  let sawStop = false;
  stream.on('streamEvent', (event) => {
    timer.refresh();
    if (event.type === 'message_stop') sawStop = true;
  });
  stream.on('text', (delta) => options.onText(delta));
  try {
    const message = await stream.finalMessage();
    if (!sawStop) throw new StreamCutError('the stream ended without message_stop');
    ctx.usage.input += message.usage.input_tokens;
    ctx.usage.output += message.usage.output_tokens;
    ctx.usage['cache-read'] += message.usage.cache_read_input_tokens ?? 0;
    ctx.usage['cache-write'] += message.usage.cache_creation_input_tokens ?? 0;
    return message.stop_reason;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Sends one request; on 429/529/5xx, an `error` event or a cut stream it waits (`retry-after`, else the backoff) and
 * sends the same request again, calling `onRestart` first so the caller can drop the text of the broken stream.
 */
async function streamWithRetries(
  ctx: LlmContext,
  options: { purpose: Purpose; messages: Anthropic.MessageParam[]; onText: (delta: string) => void; onRestart: () => void },
): Promise<string | null> {
  for (let retry = 0; ; retry += 1) {
    try {
      return await streamOnce(ctx, options);
    } catch (error) {
      // Not a flag check: TypeScript keeps a narrowing across await (TS2367); the genome's pattern.
      ctx.signal.throwIfAborted();
      if (error instanceof Anthropic.APIError && error.status === 402) {
        throw new BudgetExceededError(`the gateway says the budget is spent: ${error.message}`, { cause: error });
      }
      const reason = error instanceof Error ? error.message : String(error);
      if (!isTransient(error) || retry >= ctx.config.maxTransientRetries) {
        throw new AttemptError('llm', `the ${options.purpose} request failed: ${reason}`, { cause: error });
      }
      const wait = retryAfterMs(error) ?? backoffMs(ctx.config, retry);
      ctx.log('llm.transient', { purpose: options.purpose, retry: retry + 1, waitMs: wait, reason });
      await sleep(wait, ctx.signal);
      options.onRestart();
    }
  }
}

/**
 * One reply: the request, then continuations while it stops on `max_tokens`. Complete lines go to a block parser as
 * they arrive; the line still arriving is held back, because a continuation drops it and resumes after the last
 * complete line.
 */
export async function requestReply(
  ctx: LlmContext,
  options: { purpose: Purpose; messages: Anthropic.MessageParam[] },
): Promise<{ text: string; result: ParseResult }> {
  const firstUser = options.messages[0];
  if (firstUser === undefined) throw new Error('requestReply needs at least one message');
  let parser = createBlockParser();
  const lines: string[] = [];
  let tail = '';
  const onText = (delta: string): void => {
    const newline = delta.lastIndexOf('\n');
    if (newline === -1) {
      tail += delta;
      return;
    }
    const complete = tail + delta.slice(0, newline + 1);
    tail = delta.slice(newline + 1);
    lines.push(complete);
    parser.push(complete);
  };

  let purpose = options.purpose;
  let messages = options.messages;
  for (let continuation = 0; ; continuation += 1) {
    const keptChunks = lines.length;
    const keptTail = tail;
    const onRestart = (): void => {
      lines.length = keptChunks;
      tail = keptTail;
      parser = createBlockParser();
      for (const chunk of lines) parser.push(chunk);
    };
    const stopReason = await streamWithRetries(ctx, { purpose, messages, onText, onRestart });
    if (stopReason !== 'max_tokens' || continuation >= ctx.config.maxContinuations) break;

    const kept = lines.join('').replace(/\n$/, '');
    // The API refuses an empty assistant turn before the last message: nothing to continue from.
    if (kept === '') throw new AttemptError('llm', 'the reply reached max_tokens before its first complete line');
    ctx.log('llm.continue', { continuation: continuation + 1, keptChars: kept.length });
    tail = '';
    purpose = 'continuation';
    messages = [firstUser, { role: 'assistant', content: kept }, { role: 'user', content: continuationTask() }];
  }
  parser.push(tail);
  return { text: lines.join('') + tail, result: parser.end() };
}

/**
 * The files of one attempt: the fresh or retry request, then parse repairs (same model) while the reply breaks the
 * block rules or cannot be applied to `base` (the failed source a retry edits; empty for a fresh attempt). Throws
 * AttemptError when the repairs run out.
 */
export async function generateFiles(
  ctx: LlmContext,
  options: { purpose: 'fresh' | 'retry'; firstUser: Anthropic.MessageParam; base: ParsedFile[] },
): Promise<{ files: ParsedFile[]; kept: string[] }> {
  let reply = await requestReply(ctx, { purpose: options.purpose, messages: [options.firstUser] });
  let edit = applyEdit(reply.text, reply.result, options.base);
  for (let repair = 1; !edit.ok; repair += 1) {
    const error = edit.error;
    if (repair > ctx.config.maxParseRepairs) {
      throw new AttemptError('parse', `the reply could not be parsed after ${repair - 1} repairs: ${error.message}`);
    }
    ctx.log('llm.repair', { repair, error: error.message });
    reply = await requestReply(ctx, {
      purpose: 'repair',
      messages: [
        options.firstUser,
        { role: 'assistant', content: reply.text === '' ? '(empty reply)' : reply.text },
        { role: 'user', content: repairTask(error) },
      ],
    });
    edit = applyEdit(reply.text, reply.result, options.base);
  }
  return edit;
}
