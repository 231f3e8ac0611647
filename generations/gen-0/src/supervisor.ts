import { backoffMs, type Config, type Log, sleep } from './config.js';
import { SupervisorError, SupervisorUnreachableError } from './errors.js';

/** The rig's verdict, as far as the Prime reads it. */
export interface ViabilityReport {
  status: string;
  failure_stage: string | null;
  diagnostics?: Record<string, unknown>;
  [key: string]: unknown;
}

/** One generation as `GET /versions` lists it (only the fields the Prime uses are typed). */
export interface GenerationRecord {
  generation: number;
  outcome: string;
  viability: ViabilityReport | null;
  [key: string]: unknown;
}

export type SupervisorClient = ReturnType<typeof createSupervisorClient>;

function errorText(json: unknown, status: number): string {
  const error = (json as { error?: unknown } | null)?.error;
  return typeof error === 'string' ? error : `HTTP ${status}`;
}

function toRecord(value: unknown): GenerationRecord | null {
  if (typeof value !== 'object' || value === null) return null;
  const record = value as Record<string, unknown>;
  if (!Number.isInteger(record.generation) || typeof record.outcome !== 'string') return null;
  const viability = record.viability;
  const report =
    typeof viability === 'object' && viability !== null && typeof (viability as ViabilityReport).status === 'string'
      ? (viability as ViabilityReport)
      : null;
  return { ...record, generation: record.generation as number, outcome: record.outcome, viability: report };
}

/**
 * The Supervisor API. A refused connection or a 5xx is retried with a doubling backoff (capped); after
 * `supervisorGiveUpMs` of that the call throws SupervisorUnreachableError. A 4xx throws SupervisorError at once.
 */
export function createSupervisorClient(options: { config: Config; signal: AbortSignal; log: Log }) {
  const { config, signal, log } = options;

  async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
    const started = Date.now();
    for (let retry = 0; ; retry += 1) {
      let problem: string;
      try {
        const response = await fetch(`${config.supervisorUrl}${path}`, {
          method,
          headers: body === undefined ? {} : { 'content-type': 'application/json' },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          signal: AbortSignal.any([signal, AbortSignal.timeout(config.requestTimeoutMs)]),
        });
        const json: unknown = await response.json().catch(() => null);
        if (response.status < 500) return { status: response.status, json };
        problem = `HTTP ${response.status}: ${errorText(json, response.status)}`;
      } catch (error) {
        signal.throwIfAborted();
        problem = error instanceof Error ? `${error.message}${error.cause ? ` (${String(error.cause)})` : ''}` : String(error);
      }
      const wait = backoffMs(config, retry);
      if (Date.now() - started + wait > config.supervisorGiveUpMs) {
        throw new SupervisorUnreachableError(`the Supervisor at ${config.supervisorUrl} is unreachable: ${method} ${path}: ${problem}`);
      }
      log('supervisor.unreachable', { method, path, problem, waitMs: wait });
      await sleep(wait, signal);
    }
  }

  async function post(path: string, body: unknown, ok: number[]): Promise<number> {
    const { status, json } = await call('POST', path, body);
    if (!ok.includes(status)) throw new SupervisorError(status, path.slice(1), `POST ${path} answered ${status}: ${errorText(json, status)}`);
    return status;
  }

  return {
    async versions(): Promise<GenerationRecord[]> {
      const { status, json } = await call('GET', '/versions');
      const list = (json as { generations?: unknown } | null)?.generations;
      if (status !== 200 || !Array.isArray(list)) {
        throw new SupervisorError(status, 'versions', `GET /versions answered ${status} without a generations list: ${errorText(json, status)}`);
      }
      return list.map(toRecord).filter((record): record is GenerationRecord => record !== null);
    },
    /** `taken` when the Supervisor answers 409: another artifact already has this number. */
    async spawn({ generation, specHash }: { generation: number; specHash: string }): Promise<'spawned' | 'taken'> {
      const body = { generation, 'spec-hash': specHash, 'artifact-path': `gen-${generation}` };
      const status = await post('/spawn', body, [200, 202, 409]);
      return status === 409 ? 'taken' : 'spawned';
    },
    async promote(generation: number) {
      await post('/promote', { generation }, [200]);
    },
    async rollback(generation: number) {
      await post('/rollback', { generation }, [200]);
    },
  };
}

/** The number of the next offspring: one more than the Prime's own generation and every recorded one. */
export function nextGeneration(ownGeneration: number, records: GenerationRecord[]): number {
  return Math.max(ownGeneration, ...records.map((record) => record.generation)) + 1;
}
