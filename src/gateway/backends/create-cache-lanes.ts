import { createHash } from 'node:crypto';
import type { MessagesRequest } from '../backend.js';
import type { CacheTtl } from './choose-cache-ttl.js';

/** How long a lane's request waits for another lane's write of the same prefix to begin streaming. */
export const HOLD_BOUND_MS = 20_000;
const TTL_MS: Record<CacheTtl, number> = { '5m': 5 * 60_000, '1h': 60 * 60_000 };
/** A lane's announced next use this far in the past is forgotten: the lane ended, or it is late and says nothing. */
const STALE_MS = 60_000;

/** Why a held request went out: the writer's stream began, the writer failed first, or the bound ran out. */
export type HoldRelease = 'writer-began' | 'writer-failed' | 'bound';
export interface CacheHold {
  waitedMs: number;
  released: HoldRelease;
}

/** What the lanes know of one cached prefix when a request on it is about to go out. */
export interface PrefixView {
  /** The TTL of the entry the lanes believe alive now (a read); null: this request writes the prefix. */
  alive: CacheTtl | null;
  /** When the other lanes expect to send this prefix next (ms on the backends' clock, none past). */
  othersNext: number[];
}

/** One request's turn on a prefix, from before it is sent until its response began (or failed). */
export interface PrefixTurn {
  hold: CacheHold | null;
  view: PrefixView;
  /** The request goes out with `ttl`; the lane expects to send the prefix again at `nextUseMs`. */
  send(options: { ttl: CacheTtl; nextUseMs: number }): void;
  /** Its response began; `wrote`: the provider reported a cache write and no read (usage of message_start). */
  began(options: { wrote: boolean }): void;
  /** It failed before its response began: lanes held behind it go now. */
  failed(): void;
}

export interface CacheLanes {
  /**
   * Enter a request of `lane` on prefix `key`. When another lane is writing that prefix and its response has not
   * begun, waits (at most the bound) until it has: a provider entry is readable only once the writing response has
   * begun, so lanes that start together would otherwise each pay a write.
   */
  enter(options: { key: string; lane: symbol; now: () => number; signal: AbortSignal }): Promise<PrefixTurn>;
}

interface Prefix {
  ttl: CacheTtl | null;
  expiresMs: number;
  writer: { lane: symbol; settled: Promise<HoldRelease>; settle(release: HoldRelease): void } | null;
  next: Map<symbol, number>;
}

function createWriter(lane: symbol): NonNullable<Prefix['writer']> {
  let settle: (release: HoldRelease) => void = () => {};
  const settled = new Promise<HoldRelease>((resolve) => {
    settle = resolve;
  });
  return { lane, settled, settle };
}

function waitBound(ms: number, signal: AbortSignal): Promise<HoldRelease> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve('bound');
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * The lanes of one engine process that share a provider cache: campaign lanes are runs in one process, each with its
 * own gateway and backend, and all send the same genome prefix. Keyed by `cachePrefixKey` (provider URL, model, the
 * prefix's content), so different providers, models or genomes never meet. Lanes in other processes (two campaigns,
 * a `reproduce` beside a campaign) are not seen: each process writes its own entry, as before.
 */
export function createCacheLanes(options: { holdBoundMs?: number } = {}): CacheLanes {
  const bound = options.holdBoundMs ?? HOLD_BOUND_MS;
  const prefixes = new Map<string, Prefix>();
  return {
    async enter({ key, lane, now, signal }) {
      let prefix = prefixes.get(key);
      if (prefix === undefined) {
        prefix = { ttl: null, expiresMs: 0, writer: null, next: new Map() };
        prefixes.set(key, prefix);
      }
      const entry = prefix;
      let hold: CacheHold | null = null;
      const writer = entry.writer;
      if (writer !== null && writer.lane !== lane) {
        const startedMs = Date.now();
        const released = await Promise.race([writer.settled, waitBound(bound, signal)]);
        hold = { waitedMs: Date.now() - startedMs, released };
      }
      const at = now();
      const alive = entry.ttl !== null && entry.expiresMs > at ? entry.ttl : null;
      const othersNext = [...entry.next]
        .filter(([other, when]) => other !== lane && when >= at - STALE_MS)
        .map(([, when]) => when);
      let sent: CacheTtl | null = null;
      let mine: Prefix['writer'] = null;
      const release = (why: HoldRelease) => {
        if (mine === null) return;
        mine.settle(why);
        if (entry.writer === mine) entry.writer = null;
        mine = null;
      };
      return {
        hold,
        view: { alive, othersNext },
        send({ ttl, nextUseMs }) {
          sent = ttl;
          entry.next.set(lane, nextUseMs);
          // Only the first of the lanes that find no live entry is the writer the others wait for.
          if (alive === null && entry.writer === null) {
            mine = createWriter(lane);
            entry.writer = mine;
          }
        },
        began({ wrote }) {
          const ttl = wrote ? sent : entry.ttl;
          if (ttl !== null) {
            entry.ttl = ttl;
            entry.expiresMs = now() + TTL_MS[ttl];
          }
          release('writer-began');
        },
        failed() {
          release('writer-failed');
        },
      };
    },
  };
}

/** The process's lanes: every anthropic backend of this engine process shares it unless given its own. */
export const processCacheLanes: CacheLanes = createCacheLanes();

/**
 * The key of the prefix a request shares with other lanes: provider URL, model, and the content up to its first cache
 * breakpoint (system, then messages), cache_control left out so the TTL does not split lanes. Null when the request
 * has no breakpoint: nothing is cached, nothing to share.
 */
export function cachePrefixKey(options: { baseUrl: string; request: MessagesRequest }): string | null {
  const { request } = options;
  const hash = createHash('sha256').update(options.baseUrl).update('\0').update(request.model);
  const blocks: unknown[] = [
    ...(Array.isArray(request.system) ? request.system : [request.system ?? '']),
    ...request.messages.flatMap((message) => [
      { role: message.role },
      ...(Array.isArray(message.content) ? message.content : [message.content]),
    ]),
  ];
  for (const block of blocks) {
    if (typeof block !== 'object' || block === null || !('cache_control' in block)) {
      hash.update('\0').update(JSON.stringify(block));
      continue;
    }
    const { cache_control, ...rest } = block as Record<string, unknown>;
    hash.update('\0').update(JSON.stringify(rest));
    if (cache_control != null) return hash.digest('hex');
  }
  return null;
}
