import { BackendError } from './backend.js';
import { redactSecrets } from './redact-secrets.js';

/** What an error message may say about the provider a failure came from; the key is only used to redact it. */
export interface ProviderIdentity {
  provider: 'anthropic' | 'openai';
  baseUrl: string;
  apiKey: string | undefined;
  apiKeyVar: string;
}

const TYPE_BY_STATUS: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};

const STATUS_BY_TYPE: Record<string, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  timeout_error: 504,
  api_error: 500,
  overloaded_error: 529,
};

/** The request was aborted by the gateway (the Prime went away); status 499 as nginx has it, never relayed. */
export function abortedError(provider: string): BackendError {
  return new BackendError({
    status: 499,
    type: 'aborted',
    message: `the request to the ${provider} provider was aborted`,
  });
}

/** `retry-after` is seconds or an HTTP date; `retry-after-ms` wins when present. */
export function parseRetryAfter(headers: Headers | undefined): number | undefined {
  if (headers === undefined) return undefined;
  const ms = headers.get('retry-after-ms');
  if (ms !== null && Number.isFinite(Number.parseFloat(ms))) return Math.max(0, Number.parseFloat(ms) / 1000);
  const value = headers.get('retry-after');
  if (value === null) return undefined;
  const seconds = Number.parseFloat(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - Date.now()) / 1000);
}

function describeBody(body: unknown): { type: string | undefined; message: string | undefined } {
  if (typeof body !== 'object' || body === null) return { type: undefined, message: undefined };
  const record = body as Record<string, unknown>;
  // Anthropic nests {type:'error', error:{type,message}}; the SDK hands over either level. OpenAI: {message,type,code}.
  const inner =
    typeof record.error === 'object' && record.error !== null ? (record.error as Record<string, unknown>) : record;
  const type = typeof inner.type === 'string' ? inner.type : undefined;
  const message = typeof inner.message === 'string' ? inner.message : undefined;
  return { type, message };
}

type ErrorClass<T = Error> = abstract new (...args: never[]) => T;

/** What an SDK error looks like to fromApiError: the fields both official SDKs' APIError classes carry. */
interface SdkApiError extends Error {
  status: number | undefined;
  headers: Headers | undefined;
  error: unknown;
}

/**
 * The error classes of the SDK a backend uses. Passed in, not imported here, so that loading the CLI does not load
 * both SDKs (half a second); a backend loads its SDK on its first request.
 */
export interface SdkErrors {
  APIUserAbortError: ErrorClass;
  APIConnectionTimeoutError: ErrorClass;
  APIConnectionError: ErrorClass;
  APIError: ErrorClass<SdkApiError>;
}

/**
 * Turns anything the Anthropic or OpenAI SDK throws into a BackendError the gateway can relay to the Prime in
 * Anthropic terms. The provider key is redacted from every message; the SDK error is not kept as `cause` because it
 * would carry request details into logs.
 */
export function toBackendError(error: unknown, identity: ProviderIdentity, sdk?: SdkErrors): BackendError {
  const { provider, baseUrl, apiKey } = identity;
  const redact = (text: string) => redactSecrets(text, [apiKey]);
  if (error instanceof BackendError) {
    return new BackendError({
      status: error.status,
      type: error.type,
      message: redact(error.message),
      ...(error.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: error.retryAfterSeconds }),
    });
  }
  if (sdk !== undefined && error instanceof sdk.APIUserAbortError) {
    return abortedError(provider);
  }
  if (sdk !== undefined && error instanceof sdk.APIConnectionTimeoutError) {
    return new BackendError({
      status: 504,
      type: 'timeout_error',
      message: redact(`the ${provider} provider at ${baseUrl} did not answer in time`),
    });
  }
  if (sdk !== undefined && error instanceof sdk.APIConnectionError) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return new BackendError({
      status: 502,
      type: 'api_error',
      message: redact(`could not reach the ${provider} provider at ${baseUrl}${cause}`),
    });
  }
  if (sdk !== undefined && error instanceof sdk.APIError) {
    return fromApiError(error, identity);
  }
  // Raised while reading a response body: the connection dropped mid-reply (undici says "terminated").
  const text = error instanceof Error ? error.message : String(error);
  return new BackendError({
    status: 502,
    type: 'api_error',
    message: redact(`the ${provider} provider's stream broke mid-reply: ${text}`),
  });
}

function fromApiError(error: SdkApiError, identity: ProviderIdentity): BackendError {
  const { provider, apiKey, apiKeyVar } = identity;
  const redact = (text: string) => redactSecrets(text, [apiKey]);
  const body = describeBody(error.error);
  const detail = body.message ?? error.message;
  const retryAfterSeconds = parseRetryAfter(error.headers);
  const withRetry = retryAfterSeconds === undefined ? {} : { retryAfterSeconds };
  // An `error` event inside a stream has no HTTP status: derive it from the error type.
  let status = error.status ?? STATUS_BY_TYPE[body.type ?? ''] ?? 500;
  let type =
    (body.type !== undefined && STATUS_BY_TYPE[body.type] !== undefined ? body.type : undefined) ??
    TYPE_BY_STATUS[status];
  let prefix = `the ${provider} provider answered ${status}`;
  if (error.status === undefined)
    prefix = `the ${provider} provider sent an error mid-stream (${body.type ?? 'error'})`;
  if (status === 401) {
    return new BackendError({
      status: 401,
      type: 'authentication_error',
      message: redact(`the ${provider} provider rejected the key in ${apiKeyVar} (401): set a valid key (${detail})`),
    });
  }
  if (status === 403) {
    return new BackendError({
      status: 403,
      type: 'permission_error',
      message: redact(`the ${provider} provider refused the key in ${apiKeyVar} (403): ${detail}`),
    });
  }
  // OpenAI-compatible servers say "busy" with 502/503/504; the Prime only knows Anthropic's transient 529.
  if (provider === 'openai' && (status === 502 || status === 503 || status === 504)) {
    prefix = `the openai provider answered ${status} (relayed as 529 overloaded)`;
    status = 529;
    type = 'overloaded_error';
  }
  if (type === undefined) type = status >= 500 ? 'api_error' : 'invalid_request_error';
  return new BackendError({ status, type, message: redact(`${prefix}: ${detail}`), ...withRetry });
}
