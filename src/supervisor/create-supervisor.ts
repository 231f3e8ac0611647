import { existsSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import type http from 'node:http';
import path from 'node:path';
import { z } from 'zod';
import type { GenerationRecord } from '../artifact/generation-record-schema.js';
import type { TokenUsage } from '../artifact/manifest-schema.js';
import type { ViabilityReport } from '../artifact/viability-report-schema.js';
import { listenLoopback, readBody, sendJson } from '../gateway/listen-loopback.js';
import type { RigQueueError } from '../queue/rig-queue-errors.js';
import type { RunRigOptions } from '../rig/rig-types.js';
import type { Sandbox } from '../rig/sandbox/sandbox-types.js';
import type { Spec } from '../spec/parse-spec.js';
import { makeWritable } from './copy-artifact-tree.js';
import { closeUndecided, type DecisionContext, decideGeneration } from './decide-generation.js';
import { describeFailure, HttpFailure } from './http-failure.js';
import { generationDirName } from './lineage-paths.js';
import type { Lineage } from './open-lineage.js';
import { runGenerationRig } from './run-generation-rig.js';
import { sealArtifact } from './seal-artifact.js';
import type { SupervisorEvent } from './supervisor-events.js';

/** The rig as the Supervisor calls it: the local rig, or a queue (which also names the worker that judged). */
export type RunRig = (
  options: RunRigOptions & {
    artifactHash?: string;
    /** The queue worker whose verdict this is. */
    judgedBy?: (worker: string) => void;
    /** Every queue worker that took the job, in order: more than one after a takeover; told whatever the ending. */
    takenBy?: (workers: string[]) => void;
  },
) => Promise<ViabilityReport>;

export interface SupervisorOptions {
  lineage: Lineage;
  /** The trusted spec the Prime reproduces (its hash is the only one /spawn accepts). */
  spec: Spec;
  /** Host path of the Prime's workspace: `artifact-path` is relative to it. */
  workspaceDir: string;
  run: string;
  campaign?: string | null;
  /** The generation of the Prime this Supervisor serves: the parent of what it spawns. */
  primeGeneration: number;
  sandbox: Sandbox;
  runRig: RunRig;
  /** Whole-rig time limit; past it the verdict is `timeout` (default 30 min). */
  rigTimeoutMs?: number;
  /** Tokens the gateway counted for a generation so far. */
  tokenUsage?: (generation: number) => TokenUsage | null;
  socketPath?: string;
  onEvent?: (event: SupervisorEvent) => void;
  /** The rig queue cannot judge (Redis gone, a worker refused): the caller stops the run; settle() records it. */
  onRigStop?: (error: RigQueueError) => void;
}

export interface Supervisor {
  url: string;
  socketPath: string | null;
  /** Generations spawned through this Supervisor, in order. */
  spawned(): number[];
  /** Milliseconds each generation's rig took. */
  rigMs(generation: number): number | null;
  /** Ends every rig still running and closes each generation this run left undecided (failed / timeout, with a reason). */
  settle(reason: string): Promise<void>;
  close(): Promise<void>;
}

const spawnBody = z.object({
  generation: z.number().int().positive(),
  'spec-hash': z.string(),
  'artifact-path': z.string().min(1),
});
const decideBody = z.object({ generation: z.number().int().positive() });

/**
 * The Supervisor HTTP API of contracts §3 on loopback (and a unix socket for the sandbox bridge). It seals an
 * artifact at /spawn (copied out of the Prime's reach, hash verified), records it, commits it to the lineage git,
 * runs the rig asynchronously and records the outcome on every ending; /promote and /rollback tag the decision.
 */
export async function startSupervisor(options: SupervisorOptions): Promise<Supervisor> {
  const { lineage, spec } = options;
  const { paths, records, git } = lineage;
  const emit = options.onEvent ?? (() => {});
  const started = Date.now();
  const spawnedHere: number[] = [];
  const rigDurations = new Map<number, number>();
  const running = new Map<number, { controller: AbortController; done: Promise<void> }>();
  const reserved = new Set<number>();
  // Mutations run one at a time so two requests can never interleave on one record.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(task: () => Promise<T>): Promise<T> => {
    const next = queue.then(task, task);
    queue = next.catch(() => {});
    return next;
  };

  const usageOf = (generation: number): TokenUsage | null => options.tokenUsage?.(generation) ?? null;

  async function spawn(body: unknown): Promise<{ generation: number }> {
    const parsed = spawnBody.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new HttpFailure(
        400,
        `bad /spawn body: ${issue?.path.join('.') || '(body)'}: ${issue?.message ?? 'invalid'}; expected {"generation":N,"spec-hash":"sha256:…","artifact-path":"gen-N"}`,
      );
    }
    const { generation } = parsed.data;
    if (parsed.data['spec-hash'] !== spec.hash) {
      throw new HttpFailure(
        400,
        `spec-hash ${parsed.data['spec-hash']} is not the hash of the Supervisor's spec ${spec.id}@${spec.version} (${spec.hash})`,
      );
    }
    const workspace = path.resolve(options.workspaceDir);
    const source = path.resolve(workspace, parsed.data['artifact-path']);
    const relative = path.relative(workspace, source);
    if (
      path.isAbsolute(parsed.data['artifact-path']) ||
      relative === '' ||
      relative.startsWith('..') ||
      path.isAbsolute(relative)
    ) {
      throw new HttpFailure(
        400,
        `artifact-path ${JSON.stringify(parsed.data['artifact-path'])} is outside the workspace; send the folder relative to CAMBRIAN_WORKSPACE, e.g. "gen-${generation}"`,
      );
    }
    const target = path.join(paths.root, generationDirName(generation));
    if (reserved.has(generation) || (await records.get(generation)) !== null || existsSync(target)) {
      throw new HttpFailure(409, `generation ${generation} is already used; ask GET /versions for the next number`);
    }
    reserved.add(generation);
    const staging = path.join(paths.staging, `${generationDirName(generation)}-${process.pid}-${Date.now()}`);
    try {
      const {
        manifest,
        files,
        artifactHash: actual,
      } = await sealArtifact({
        workspaceDir: workspace,
        artifactPath: relative.split(path.sep).join('/'),
        staging,
        generation,
        spec,
      });
      try {
        await rename(staging, target);
      } catch (error) {
        // Another Supervisor on the same dir (a campaign lane) sealed this number first.
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOTEMPTY' || code === 'EEXIST') {
          throw new HttpFailure(409, `generation ${generation} is already used; ask GET /versions for the next number`);
        }
        throw error;
      }
      const parent = options.primeGeneration;
      const record: GenerationRecord = {
        generation,
        parent,
        'spec-id': spec.id,
        'spec-version': spec.version,
        'spec-hash': spec.hash,
        'artifact-path': generationDirName(generation),
        'artifact-hash': actual,
        outcome: 'in_progress',
        'rig-result': null,
        viability: null,
        'producer-model': manifest['producer-model'],
        'token-usage': usageOf(generation) ?? manifest['token-usage'],
        created: new Date().toISOString(),
        completed: null,
        campaign: options.campaign ?? null,
        run: options.run,
        reason: null,
      };
      await records.put(record);
      await git.commitArtifact({
        generation,
        artifactDir: target,
        parent,
        message: `gen-${generation} (parent gen-${parent}, ${spec.id}@${spec.version}, run ${options.run})`,
      });
      spawnedHere.push(generation);
      emit({ type: 'spawned', generation, parent, artifactHash: actual, files: files.length });
      startRig(generation, target, actual);
      return { generation };
    } finally {
      reserved.delete(generation);
      if (existsSync(staging)) {
        await makeWritable(staging);
        await rm(staging, { recursive: true, force: true });
      }
    }
  }

  function startRig(generation: number, artifactDir: string, artifactHash: string): void {
    const controller = new AbortController();
    const done = runGenerationRig({
      generation,
      artifactDir,
      artifactHash,
      spec,
      sandbox: options.sandbox,
      runRig: options.runRig,
      timeoutMs: options.rigTimeoutMs ?? 30 * 60_000,
      signal: controller.signal,
      onStage: (stage, check) => emit({ type: 'rig-stage', generation, stage, check }),
      ...(options.onRigStop === undefined ? {} : { onStop: options.onRigStop }),
    })
      .then(async (ending) => {
        if (ending === null) return; // aborted: settle() records it
        rigDurations.set(generation, ending.rigMs);
        await serial(async () => {
          const record = await records.get(generation);
          if (record === null || record.outcome !== 'in_progress') return;
          await records.put({
            ...record,
            outcome: 'tested',
            'rig-result': ending.rigResult,
            viability: ending.report,
            ...(ending.worker === null ? {} : { 'rig-worker': ending.worker }),
            ...(ending.workers.length > 1 ? { 'rig-workers': ending.workers } : {}),
            completed: new Date().toISOString(),
            'token-usage': usageOf(generation) ?? record['token-usage'],
          });
        });
        emit({
          type: 'verdict',
          generation,
          rigResult: ending.rigResult,
          failureStage: ending.report.failure_stage,
          summary: ending.report.diagnostics?.summary ?? null,
          rigMs: ending.rigMs,
          worker: ending.worker,
        });
      })
      .finally(() => running.delete(generation));
    running.set(generation, { controller, done });
  }

  const decisions: DecisionContext = { records, git, spawnedHere, usageOf, emit };
  async function decide(body: unknown, to: 'promoted' | 'failed'): Promise<{ generation: number }> {
    const parsed = decideBody.safeParse(body);
    if (!parsed.success) throw new HttpFailure(400, 'bad body: expected {"generation":N} with N a positive integer');
    await decideGeneration(decisions, { generation: parsed.data.generation, to });
    return { generation: parsed.data.generation };
  }

  async function stats(): Promise<Record<string, unknown>> {
    const all = await records.list();
    const count = (outcome: string): number => all.filter((record) => record.outcome === outcome).length;
    return {
      ok: true,
      generations: all.length,
      promoted: count('promoted'),
      failed: count('failed') + count('timeout'),
      in_progress: count('in_progress') + count('tested'),
      uptime: Math.floor((Date.now() - started) / 1000),
    };
  }

  async function route(request: http.IncomingMessage): Promise<{ status: number; body: unknown }> {
    const url = new URL(request.url ?? '/', 'http://supervisor');
    const key = `${request.method} ${url.pathname}`;
    const json = async (): Promise<unknown> => {
      const raw = await readBody(request, 1024 * 1024);
      try {
        return JSON.parse(raw.toString('utf8'));
      } catch {
        throw new HttpFailure(400, 'body is not JSON');
      }
    };
    switch (key) {
      case 'GET /versions':
        return { status: 200, body: { ok: true, generations: await records.list() } };
      case 'GET /stats':
        return { status: 200, body: await stats() };
      case 'POST /spawn': {
        const body = await json();
        const { generation } = await serial(() => spawn(body));
        return { status: 202, body: { ok: true, generation, outcome: 'in_progress' } };
      }
      case 'POST /promote': {
        const body = await json();
        const { generation } = await serial(() => decide(body, 'promoted'));
        return { status: 200, body: { ok: true, generation, outcome: 'promoted' } };
      }
      case 'POST /rollback': {
        const body = await json();
        const { generation } = await serial(() => decide(body, 'failed'));
        return { status: 200, body: { ok: true, generation, outcome: 'failed' } };
      }
      default:
        throw new HttpFailure(404, `no route ${key}`);
    }
  }

  const server = await listenLoopback({
    handler: (request, response) => {
      route(request)
        .then(({ status, body }) => sendJson(response, status, body))
        .catch((error: unknown) => {
          const { status, reply, logged } = describeFailure(error);
          emit({ type: 'rejected', route: `${request.method} ${request.url}`, status, error: logged });
          sendJson(response, status, { ok: false, error: reply });
        });
    },
    ...(options.socketPath === undefined ? {} : { socketPath: options.socketPath }),
  });

  async function settle(reason: string): Promise<void> {
    for (const { controller } of running.values()) controller.abort();
    await Promise.all([...running.values()].map(({ done }) => done.catch(() => {})));
    await serial(() => closeUndecided(decisions, reason));
  }

  return {
    url: server.url,
    socketPath: server.socketPath,
    spawned: () => [...spawnedHere],
    rigMs: (generation) => rigDurations.get(generation) ?? null,
    settle,
    async close() {
      for (const { controller } of running.values()) controller.abort();
      await Promise.all([...running.values()].map(({ done }) => done.catch(() => {})));
      await server.close();
    },
  };
}
