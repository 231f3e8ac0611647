import type { GenerationRecord } from '../artifact/generation-record-schema.js';
import type { CacheUsage } from '../gateway/account-cache.js';
import type { TokenCount } from '../gateway/gateway-events.js';

/** One generation of a run, as the summary reports it. */
export interface RunGeneration {
  generation: number;
  parent: number | null;
  outcome: GenerationRecord['outcome'];
  rigResult: GenerationRecord['rig-result'];
  failureStage: string | null;
  summary: string | null;
  tokens: TokenCount;
  costUsd: number | null;
  exchanges: number;
  /** Requests per purpose: fresh, retry, repair, continuation. */
  purposes: Record<string, number>;
  /** Requests whose max_tokens the gateway lowered to what was left of the token budget. */
  budgetTrimmed: number;
  rigMs: number | null;
  /** The queue worker that judged it (`--rig-queue`); null for the local rig. */
  rigWorker: string | null;
}

/** `.cambrian/runs/<run-id>.json`: what one `cambrian reproduce` did (also its `--json` output). */
export interface RunSummary {
  'cambrian-run': 1;
  run: string;
  campaign: string | null;
  spec: { id: string; version: string; hash: string };
  prime: number;
  provider: { generation: string; escalation: string; backend: string };
  models: { model: string; escalationModel: string };
  generationsDir: string;
  started: string;
  ended: string;
  wallMs: number;
  /** Time spent preparing (copy + sandboxed build) the Prime. */
  primeBuildMs: number;
  /** The Prime's build output came from `.cambrian/build-cache/` (same files, same build command as an earlier run). */
  primeBuildCached: boolean;
  generations: RunGeneration[];
  promoted: number[];
  tokens: TokenCount;
  /** Tokens of requests that named no generation. */
  unattributedTokens: TokenCount;
  costUsd: number | null;
  exchanges: number;
  /** Requests whose max_tokens the gateway lowered to what was left of the token budget (`--budget`). */
  budgetTrimmed: number;
  /** Prompt-cache writes and reads by the TTL the gateway chose, dollars saved, and the `--cache-ttl` mode. */
  cache: CacheUsage & { ttl: string | null };
  faults: string | null;
  primeExit: { code: number | null; signal: string | null; meaning: string };
  /** 0 when at least one generation was promoted and the Prime exited 0, else 1. */
  exitCode: 0 | 1;
  /** Why the run stopped early (a signal, a Prime that died), or null. */
  stopped: string | null;
}

const PRIME_EXITS: Record<number, string> = {
  0: 'reached its promotions',
  1: 'retries exhausted',
  3: 'token budget exhausted',
  4: 'Supervisor unreachable',
};

export function describePrimeExit(code: number | null, signal: string | null): string {
  if (code === null) return signal === null ? 'did not exit' : `killed by ${signal}`;
  return PRIME_EXITS[code] ?? `exited with ${code}`;
}
