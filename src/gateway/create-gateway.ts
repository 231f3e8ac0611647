import { randomBytes, randomUUID } from 'node:crypto';
import type http from 'node:http';
import { priceWithTtl } from './account-cache.js';
import { type Backend, BackendError, type MessagesRequest, type StreamEvent } from './backend.js';
import { checkToken } from './check-token.js';
import { collectMessage } from './collect-message.js';
import { createBudgetGuard } from './create-budget-guard.js';
import { createUsageLedger, type UsageLedger } from './create-usage-ledger.js';
import { CutStreamError } from './cut-stream-error.js';
import type { GatewayEvent, TokenCount } from './gateway-events.js';
import { totalTokens, ZERO_USAGE } from './gateway-events.js';
import { headerValue, listenLoopback, readBody, sendJson } from './listen-loopback.js';
import { costOf } from './prices.js';
import { createSecretRedactor } from './redact-secrets.js';
import { redactStreamEvents } from './redact-stream-events.js';

export interface GatewayOptions {
  backend: Backend;
  /** The per-run token the Prime must present (x-api-key or Authorization: Bearer); default: a fresh random one. */
  token?: string;
  /** Total tokens (input + output + cache read + cache write) the run may spend; null or undefined: no limit. */
  budget?: number | null;
  /** Also listen on this unix socket (the sandbox bridge target). */
  socketPath?: string;
  onEvent?: (event: GatewayEvent) => void;
  /** Provider keys: taken out of every reply and error before the Prime or an exchange event sees them. */
  secrets?: ReadonlyArray<string | undefined>;
  /** Dollars of an exchange; default the list price of its model (costOf). Offline backends pass () => 0. */
  price?: (model: string, usage: TokenCount) => number | null;
}

export interface Gateway {
  url: string;
  socketPath: string | null;
  token: string;
  ledger: UsageLedger;
  close(): Promise<void>;
}

/**
 * The LLM gateway: the Anthropic Messages API (`POST /v1/messages`, SSE or JSON) on loopback, in front of a Backend.
 * It authenticates the per-run token, enforces the token budget before a request (lowering its max_tokens to what is
 * left, or answering 402 when not even a minimal reply fits), accounts usage per generation and emits every exchange
 * as events.
 */
export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const token = options.token ?? `cambrian-run-${randomBytes(24).toString('hex')}`;
  const price = options.price ?? costOf;
  const ledger = createUsageLedger({ price });
  const emit = options.onEvent ?? (() => {});
  const budgetGuard = createBudgetGuard({
    budget: options.budget ?? null,
    used: () => totalTokens(ledger.total().usage),
  });
  const inFlight = new Set<AbortController>();
  const redactor = createSecretRedactor(options.secrets ?? []);

  const handler = (request: http.IncomingMessage, response: http.ServerResponse): void => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) {
        sendJson(response, 500, anthropicError('api_error', `gateway failure: ${(error as Error).message}`));
      } else {
        response.destroy();
      }
    });
  };

  async function handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://gateway');
    const generation = parseGeneration(request.headers['x-cambrian-generation']);
    const purpose = headerValue(request.headers['x-cambrian-purpose']);
    if (request.method !== 'POST' || url.pathname !== '/v1/messages') {
      sendJson(response, 404, anthropicError('not_found_error', `no route ${request.method} ${url.pathname}`));
      return;
    }
    if (!checkToken(request.headers, token)) {
      const message =
        'invalid x-api-key: the gateway accepts only the per-run token it gave the Prime (ANTHROPIC_API_KEY)';
      emit({ type: 'refused', generation, purpose, status: 401, errorType: 'authentication_error', message });
      sendJson(response, 401, anthropicError('authentication_error', message));
      return;
    }
    const raw = await readBody(request);
    let body: MessagesRequest;
    try {
      body = JSON.parse(raw.toString('utf8')) as MessagesRequest;
    } catch (error) {
      sendJson(response, 400, anthropicError('invalid_request_error', `body is not JSON: ${(error as Error).message}`));
      return;
    }
    if (typeof body.model !== 'string' || !Array.isArray(body.messages) || typeof body.max_tokens !== 'number') {
      sendJson(
        response,
        400,
        anthropicError('invalid_request_error', 'body needs model (string), max_tokens (number) and messages (array)'),
      );
      return;
    }
    const admission = budgetGuard.admit({ bodyBytes: raw.length, maxTokens: body.max_tokens });
    if (!admission.admitted) {
      const { message } = admission;
      emit({ type: 'refused', generation, purpose, status: 402, errorType: 'budget_exceeded', message });
      sendJson(response, 402, anthropicError('budget_exceeded', message));
      return;
    }
    const forwarded = admission.trimmed === null ? body : { ...body, max_tokens: admission.maxTokens };
    try {
      await relay({
        request,
        response,
        body: forwarded,
        generation,
        purpose,
        trimmed: admission.trimmed,
        onUsage: (usage) => budgetGuard.observe({ bodyBytes: raw.length, usage }),
      });
    } finally {
      admission.settle();
    }
  }

  async function relay(context: {
    request: http.IncomingMessage;
    response: http.ServerResponse;
    body: MessagesRequest;
    generation: number | null;
    purpose: string | null;
    /** max_tokens as asked and as forwarded, when the budget lowered it. */
    trimmed: { requested: number; sent: number } | null;
    onUsage: (usage: TokenCount) => void;
  }): Promise<void> {
    const { response, body, generation, purpose, trimmed } = context;
    const id = `msg_gw_${randomUUID().replaceAll('-', '')}`;
    const started = Date.now();
    const streaming = body.stream === true;
    const controller = new AbortController();
    inFlight.add(controller);
    // The client hanging up ends the backend's work too.
    response.on('close', () => {
      if (!response.writableFinished) controller.abort();
    });
    emit({
      type: 'exchange-start',
      id,
      generation,
      purpose,
      model: body.model,
      stream: streaming,
      request: body,
      trimmed,
    });
    const events: StreamEvent[] = [];
    const usage = createUsageTracker();
    let stopReason: string | null = null;
    let outputBytes = 0;
    let cacheTtl: '5m' | '1h' | null = null;
    const finish = (
      outcome: 'complete' | 'error' | 'cut' | 'aborted',
      status: number,
      error: { type: string; message: string } | null,
    ): void => {
      inFlight.delete(controller);
      const counted = usage.current();
      ledger.record({ generation, purpose, model: body.model, usage: counted, cacheTtl, trimmed: trimmed !== null });
      context.onUsage(counted);
      emit({
        type: 'exchange-end',
        id,
        generation,
        purpose,
        model: body.model,
        outcome,
        status,
        stopReason,
        usage: counted,
        costUsd: priceWithTtl(price, body.model, counted, cacheTtl),
        durationMs: Date.now() - started,
        error,
        events,
      });
    };

    let started200 = false;
    // Resolves once the last relayed event reached the socket: a cut must come after what was already sent.
    let lastWrite: Promise<void> = Promise.resolve();
    try {
      const relayed = options.backend.stream(body, {
        generation,
        purpose,
        signal: controller.signal,
        onCacheTtl: (ttl) => {
          cacheTtl = ttl;
        },
        onCacheHold: ({ waitedMs, released }) => {
          emit({ type: 'cache-hold', id, generation, purpose, model: body.model, waitedMs, released });
        },
      });
      for await (const event of redactStreamEvents(relayed, redactor)) {
        if (controller.signal.aborted) break;
        events.push(event);
        usage.observe(event);
        if (event.type === 'message_delta') stopReason = event.delta.stop_reason ?? stopReason;
        if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') {
          outputBytes += Buffer.byteLength(event.delta.text);
          emit({ type: 'exchange-delta', id, generation, text: event.delta.text, outputBytes });
        }
        if (!streaming) continue;
        if (!started200) {
          response.writeHead(200, {
            'content-type': 'text/event-stream; charset=utf-8',
            'cache-control': 'no-cache',
            connection: 'keep-alive',
            'request-id': id,
          });
          started200 = true;
        }
        lastWrite = new Promise((resolve) => {
          response.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`, () => resolve());
        });
      }
      if (controller.signal.aborted) {
        finish('aborted', started200 ? 200 : 499, null);
        response.destroy();
        return;
      }
      if (streaming) {
        if (!started200)
          response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'request-id': id });
        response.end();
      } else {
        sendJson(response, 200, collectMessage(events), { 'request-id': id });
      }
      finish('complete', 200, null);
    } catch (error) {
      if (error instanceof BackendError) {
        const detail = { type: error.type, message: redactor.redact(error.message) };
        if (!started200) {
          const headers: Record<string, string> = { 'request-id': id };
          if (error.retryAfterSeconds !== undefined) headers['retry-after'] = String(error.retryAfterSeconds);
          sendJson(response, error.status, anthropicError(detail.type, detail.message), headers);
          finish('error', error.status, detail);
        } else {
          response.end(`event: error\ndata: ${JSON.stringify(anthropicError(detail.type, detail.message))}\n\n`);
          finish('error', 200, detail);
        }
        return;
      }
      if (controller.signal.aborted) {
        finish('aborted', started200 ? 200 : 499, null);
        response.destroy();
        return;
      }
      // Anything else is a transport failure: the client must see a broken connection, never a tidy ending.
      const message = redactor.redact((error as Error).message);
      const detail = { type: 'cut', message };
      if (started200 || error instanceof CutStreamError) {
        await lastWrite;
        response.destroy();
        finish('cut', started200 ? 200 : 0, detail);
        return;
      }
      sendJson(response, 500, anthropicError('api_error', message), { 'request-id': id });
      finish('error', 500, { type: 'api_error', message });
    }
  }

  const server = await listenLoopback({
    handler,
    ...(options.socketPath === undefined ? {} : { socketPath: options.socketPath }),
  });
  return {
    url: server.url,
    socketPath: server.socketPath,
    token,
    ledger,
    async close() {
      for (const controller of inFlight) controller.abort();
      await server.close();
    },
  };
}

export function anthropicError(
  type: string,
  message: string,
): { type: 'error'; error: { type: string; message: string } } {
  return { type: 'error', error: { type, message } };
}

function parseGeneration(value: string | string[] | undefined): number | null {
  const text = headerValue(value);
  if (text === null || !/^\d+$/.test(text.trim())) return null;
  return Number(text.trim());
}

/** Usage as Anthropic reports it: input and cache counts in message_start, cumulative output in message_delta. */
function createUsageTracker(): { observe(event: StreamEvent): void; current(): TokenCount } {
  const usage: TokenCount = { ...ZERO_USAGE };
  return {
    observe(event) {
      if (event.type === 'message_start') {
        const u = event.message.usage;
        usage.input = u.input_tokens ?? 0;
        usage.output = u.output_tokens ?? 0;
        usage.cacheRead = u.cache_read_input_tokens ?? 0;
        usage.cacheWrite = u.cache_creation_input_tokens ?? 0;
      } else if (event.type === 'message_delta') {
        const u = event.usage as unknown as Partial<Record<string, number | null>>;
        if (typeof u.output_tokens === 'number') usage.output = u.output_tokens;
        if (typeof u.input_tokens === 'number') usage.input = u.input_tokens;
        if (typeof u.cache_read_input_tokens === 'number') usage.cacheRead = u.cache_read_input_tokens;
        if (typeof u.cache_creation_input_tokens === 'number') usage.cacheWrite = u.cache_creation_input_tokens;
      }
    },
    current: () => ({ ...usage }),
  };
}
