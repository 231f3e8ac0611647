import { PrimeError } from './errors.js';

/** Everything the Prime reads from its environment, plus the waits the tests shorten. */
export type Config = ReturnType<typeof readConfig>;

export type Env = Record<string, string | undefined>;

function readInt(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) {
    throw new PrimeError('E_CONFIG', `${name} must be a whole number >= 0, got ${JSON.stringify(raw)}`);
  }
  return Number(raw);
}

function readString(env: Env, name: string, fallback: string): string {
  const raw = env[name];
  return raw === undefined || raw === '' ? fallback : raw;
}

/** Reads the configuration once, at start-up: environment over defaults. */
export function readConfig(env: Env) {
  return {
    port: readInt(env, 'CAMBRIAN_PORT', 8401),
    generation: readInt(env, 'CAMBRIAN_GENERATION', 0),
    supervisorUrl: readString(env, 'CAMBRIAN_SUPERVISOR_URL', 'http://127.0.0.1:8400').replace(/\/+$/, ''),
    baseUrl: env.ANTHROPIC_BASE_URL || undefined,
    apiKey: env.ANTHROPIC_API_KEY || undefined,
    specPath: readString(env, 'CAMBRIAN_SPEC_PATH', 'spec/CAMBRIAN-SPEC-005.md'),
    workspace: readString(env, 'CAMBRIAN_WORKSPACE', './workspace'),
    model: readString(env, 'CAMBRIAN_MODEL', 'claude-sonnet-4-6'),
    escalationModel: readString(env, 'CAMBRIAN_ESCALATION_MODEL', 'claude-opus-4-6'),
    maxTokens: readInt(env, 'CAMBRIAN_MAX_TOKENS', 64000),
    maxGens: readInt(env, 'CAMBRIAN_MAX_GENS', 1),
    maxRetries: readInt(env, 'CAMBRIAN_MAX_RETRIES', 3),
    maxParseRepairs: readInt(env, 'CAMBRIAN_MAX_PARSE_REPAIRS', 2),
    maxContinuations: readInt(env, 'CAMBRIAN_MAX_CONTINUATIONS', 4),
    maxTransientRetries: readInt(env, 'CAMBRIAN_MAX_TRANSIENT_RETRIES', 6),
    pollIntervalMs: readInt(env, 'CAMBRIAN_POLL_INTERVAL_MS', 1000),
    verifyTimeoutMs: readInt(env, 'CAMBRIAN_VERIFY_TIMEOUT_MS', 1_200_000),
    exitWhenDone: env.CAMBRIAN_EXIT_WHEN_DONE === '1',
    // Not environment variables: the tests shorten them through startPrime's overrides.
    /** First wait after a transient failure; doubles up to `backoffCapMs`. */
    backoffBaseMs: 1000,
    backoffCapMs: 30_000,
    /** How long the Supervisor may stay unreachable before the Prime gives up (exit code 4). */
    supervisorGiveUpMs: 300_000,
    /** A stream with no event for this long is treated as cut. */
    streamIdleTimeoutMs: 300_000,
    /** Time limit of one Supervisor HTTP request. */
    requestTimeoutMs: 30_000,
  };
}

/** Waits `ms`, or rejects as soon as `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** The wait before retry number `attempt` (0-based): base, doubling, capped. */
export function backoffMs(config: Pick<Config, 'backoffBaseMs' | 'backoffCapMs'>, attempt: number): number {
  return Math.min(config.backoffBaseMs * 2 ** attempt, config.backoffCapMs);
}

/** One log line on stderr. Never pass a key or a token in `data`. */
export type Log = (event: string, data?: Record<string, unknown>) => void;

export const logToStderr: Log = (event, data = {}) => {
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), component: 'prime', event, ...data })}\n`);
};
