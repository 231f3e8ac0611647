import { existsSync } from 'node:fs';
import { readFile, rename, rm } from 'node:fs/promises';
import type http from 'node:http';
import path from 'node:path';
import { z } from 'zod';
import { computeArtifactHash } from '../artifact/compute-artifact-hash.js';
import type { GenerationRecord } from '../artifact/generation-record-schema.js';
import { listArtifactFiles } from '../artifact/list-artifact-files.js';
import { type Manifest, manifestSchema, type TokenUsage } from '../artifact/manifest-schema.js';
import type { ViabilityReport } from '../artifact/viability-report-schema.js';
import { listenLoopback, readBody, sendJson } from '../gateway/listen-loopback.js';
import type { RunRigOptions } from '../rig/rig-types.js';
import type { Sandbox } from '../rig/sandbox/sandbox-types.js';
import type { Spec } from '../spec/parse-spec.js';
import { ArtifactEntryError, copyArtifactTree, makeWritable } from './copy-artifact-tree.js';
import { generationDirName } from './lineage-paths.js';
import type { Lineage } from './open-lineage.js';
import { runGenerationRig } from './run-generation-rig.js';
import type { SupervisorEvent } from './supervisor-events.js';

export type RunRig = (options: RunRigOptions) => Promise<ViabilityReport>;

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

class HttpFailure extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
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
    if (!existsSync(path.join(source, 'manifest.json'))) {
      throw new HttpFailure(400, `no manifest.json in ${parsed.data['artifact-path']} (workspace-relative)`);
    }
    reserved.add(generation);
    const staging = path.join(paths.staging, `${generationDirName(generation)}-${process.pid}-${Date.now()}`);
    try {
      // Seal: copy out of the Prime's workspace first, then verify the copy, so later writes cannot change it.
      try {
        await copyArtifactTree({ from: source, to: staging, readOnly: true });
      } catch (error) {
        if (error instanceof ArtifactEntryError) throw new HttpFailure(422, error.message);
        throw error;
      }
      const manifest = await readManifest(staging);
      if (manifest.generation !== generation) {
        throw new HttpFailure(422, `manifest.json says generation ${manifest.generation}, /spawn says ${generation}`);
      }
      if (manifest['spec-hash'] !== spec.hash) {
        throw new HttpFailure(422, `manifest.json spec-hash ${manifest['spec-hash']} is not the spec's ${spec.hash}`);
      }
      const files = await listArtifactFiles(staging);
      const actual = await computeArtifactHash({ artifactDir: staging, files });
      if (actual !== manifest['artifact-hash']) {
        throw new HttpFailure(
          422,
          `artifact hash does not verify: manifest.json says ${manifest['artifact-hash']}, the ${files.length} files on disk hash to ${actual}`,
        );
      }
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
      startRig(generation, target);
      return { generation };
    } finally {
      reserved.delete(generation);
      if (existsSync(staging)) {
        await makeWritable(staging);
        await rm(staging, { recursive: true, force: true });
      }
    }
  }

  function startRig(generation: number, artifactDir: string): void {
    const controller = new AbortController();
    const done = runGenerationRig({
      generation,
      artifactDir,
      spec,
      sandbox: options.sandbox,
      runRig: options.runRig,
      timeoutMs: options.rigTimeoutMs ?? 30 * 60_000,
      signal: controller.signal,
      onStage: (stage, check) => emit({ type: 'rig-stage', generation, stage, check }),
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
        });
      })
      .finally(() => running.delete(generation));
    running.set(generation, { controller, done });
  }

  async function decide(body: unknown, to: 'promoted' | 'failed'): Promise<{ generation: number }> {
    const parsed = decideBody.safeParse(body);
    if (!parsed.success) throw new HttpFailure(400, 'bad body: expected {"generation":N} with N a positive integer');
    const { generation } = parsed.data;
    const record = await records.get(generation);
    if (record === null) throw new HttpFailure(404, `no generation ${generation}`);
    if (record.outcome !== 'tested') {
      throw new HttpFailure(
        409,
        `generation ${generation} is ${record.outcome}${record.outcome === 'in_progress' ? ' (the rig is still running; poll GET /versions)' : ''}; only a tested generation can be ${to === 'promoted' ? 'promoted' : 'rolled back'}`,
      );
    }
    if (to === 'promoted' && record.viability?.status !== 'viable') {
      throw new HttpFailure(
        409,
        `generation ${generation} is not viable (rig-result ${record['rig-result'] ?? 'none'}, failure stage ${record.viability?.failure_stage ?? '?'}); roll it back instead`,
      );
    }
    await records.put({
      ...record,
      outcome: to,
      completed: new Date().toISOString(),
      'token-usage': usageOf(generation) ?? record['token-usage'],
    });
    await git.setTag(to === 'promoted' ? `gen-${generation}` : `gen-${generation}-failed`, generation);
    emit(to === 'promoted' ? { type: 'promoted', generation } : { type: 'rolled-back', generation });
    return { generation };
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
          const status = error instanceof HttpFailure ? error.status : 500;
          const message = error instanceof Error ? error.message : String(error);
          emit({ type: 'rejected', route: `${request.method} ${request.url}`, status, error: message });
          sendJson(response, status, { ok: false, error: message });
        });
    },
    ...(options.socketPath === undefined ? {} : { socketPath: options.socketPath }),
  });

  async function settle(reason: string): Promise<void> {
    for (const { controller } of running.values()) controller.abort();
    await Promise.all([...running.values()].map(({ done }) => done.catch(() => {})));
    await serial(async () => {
      for (const generation of spawnedHere) {
        const record = await records.get(generation);
        if (record === null || (record.outcome !== 'in_progress' && record.outcome !== 'tested')) continue;
        const outcome = record.outcome === 'in_progress' ? 'failed' : 'timeout';
        const why =
          record.outcome === 'in_progress'
            ? `${reason} before the rig's verdict`
            : `${reason} before the Prime promoted or rolled back`;
        await records.put({
          ...record,
          outcome,
          reason: why,
          completed: record.completed ?? new Date().toISOString(),
          'token-usage': usageOf(generation) ?? record['token-usage'],
        });
        await git.setTag(`gen-${generation}-failed`, generation);
        emit({ type: 'closed-undecided', generation, outcome, reason: why });
      }
    });
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

async function readManifest(dir: string): Promise<Manifest> {
  let data: unknown;
  try {
    data = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8'));
  } catch (error) {
    throw new HttpFailure(422, `manifest.json is not JSON: ${(error as Error).message}`);
  }
  const parsed = manifestSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new HttpFailure(
      422,
      `manifest.json field ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`,
    );
  }
  return parsed.data;
}
