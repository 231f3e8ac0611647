import type { GenerationRecord } from '../../../src/artifact/generation-record-schema.js';
import {
  bodyGeneration,
  describeEvent,
  ESCALATION_MODEL,
  MODEL,
  type ProbeContext,
  type RequestEvent,
} from './probe-context.js';
import { StepFailure } from './probe-types.js';
import { verifyArtifact } from './verify-artifact.js';

type SupervisorEvent = Extract<RequestEvent, { kind: 'supervisor' }>;

async function expectPost(
  context: ProbeContext,
  path: string,
  wait: { what: string; since: string },
  explain?: (event: SupervisorEvent) => string | null,
): Promise<SupervisorEvent> {
  const event = await context.nextRequest(wait);
  if (event === null) throw new StepFailure(`expected ${wait.what}, got nothing`);
  if (event.kind === 'supervisor' && event.path === path) return event;
  const special = event.kind === 'supervisor' ? explain?.(event) : null;
  throw new StepFailure(special ?? `expected ${wait.what}, got ${describeEvent(event)}`);
}

export async function historyStep(context: ProbeContext): Promise<string> {
  const { script, primeGeneration } = context.options;
  const event = await context.nextRequest({
    what: 'GET /versions',
    since: 'the probe starting',
    onVersions: () => true,
    silence: () =>
      `no GET /versions within ${context.seconds()} of the probe starting (the Prime must start its loop at start-up)`,
  });
  if (event !== null) throw new StepFailure(`expected GET /versions first, got ${describeEvent(event)}`);
  return (
    `served generations ${primeGeneration + 1} (failed at test) and ${primeGeneration + 2} (promoted); ` +
    `the next generation must be ${script.expectedGeneration}`
  );
}

function spawnStep(offset: 0 | 1): (context: ProbeContext) => Promise<string> {
  return async (context) => {
    const { script, spec } = context.options;
    const n = script.expectedGeneration + offset;
    const since = offset === 0 ? 'the repaired reply' : 'the continued reply';
    const event = await expectPost(context, '/spawn', { what: `POST /spawn of generation ${n}`, since }, (other) =>
      other.path === '/promote' ? `the Prime sent POST /promote ${JSON.stringify(other.body)} before any spawn` : null,
    );
    const body = (typeof event.body === 'object' && event.body !== null ? event.body : {}) as Record<string, unknown>;
    const problems: string[] = [];
    const generation = bodyGeneration(body);
    if (generation !== n) problems.push(`Prime spawned generation ${JSON.stringify(body.generation)}, expected ${n}`);
    if (body['spec-hash'] !== spec.hash) {
      problems.push(`spawn spec-hash ${JSON.stringify(body['spec-hash'])}, expected ${spec.hash} (sha256 of the spec)`);
    }
    if (body['artifact-path'] !== `gen-${n}`) {
      problems.push(`spawn artifact-path ${JSON.stringify(body['artifact-path'])}, expected "gen-${n}"`);
    }
    if (problems.length > 0) {
      event.refuse(problems.join('; '), 400);
      context.pending = null;
      throw new StepFailure(problems.join('; '));
    }
    return `POST /spawn {generation ${n}, spec-hash, artifact-path gen-${n}}`;
  };
}

function artifactStep(offset: 0 | 1): (context: ProbeContext) => Promise<string> {
  return async (context) => {
    const { script, spec, state, workspaceDir, primeGeneration } = context.options;
    const n = script.expectedGeneration + offset;
    const pending = context.pending;
    if (pending === null || pending.kind !== 'supervisor') throw new StepFailure('probe error: no pending spawn');
    const model = offset === 0 ? MODEL : ESCALATION_MODEL;
    const verified = await verifyArtifact({
      workspaceDir,
      generation: n,
      parentGeneration: primeGeneration,
      spec,
      replyFiles: offset === 0 ? script.firstReply.files : script.retryFiles,
      producerModel: model,
      edit: offset === 1 && script.keptFiles !== null ? { from: n - 1, kept: script.keptFiles } : null,
    });
    if (verified.problems.length > 0) {
      const message = verified.problems.map((problem) => problem.message).join('; ');
      pending.refuse(message, 422);
      context.pending = null;
      throw new StepFailure(message, verified.problems[0]?.file ?? null);
    }
    const record: GenerationRecord = {
      generation: n,
      parent: primeGeneration,
      'spec-id': spec.id,
      'spec-version': spec.version,
      'spec-hash': spec.hash,
      'artifact-path': `gen-${n}`,
      'artifact-hash': verified.artifactHash,
      outcome: 'in_progress',
      'rig-result': null,
      viability: null,
      'producer-model': model,
      'token-usage': verified.tokenUsage,
      created: new Date().toISOString(),
      completed: null,
      campaign: null,
      run: 'reproduce-probe',
      reason: null,
    };
    state.addSpawned(record, offset === 0 ? script.nonViableReport(n) : script.viableReport(n));
    pending.reply(202, { ok: true, generation: n, outcome: 'in_progress' });
    context.pending = null;
    const what =
      offset === 1 && script.keptFiles !== null ? 'the failed source with the edit applied' : "the reply's files";
    return `gen-${n}/ holds exactly ${what} and the spec copy; manifest fields and hashes verify`;
  };
}

function pollStep(offset: 0 | 1): (context: ProbeContext) => Promise<string> {
  return async (context) => {
    const n = context.options.script.expectedGeneration + offset;
    const verdict = offset === 0 ? 'non-viable' : 'viable';
    let sawInProgress = false;
    const event = await context.nextRequest({
      what: `GET /versions polls for the verdict of generation ${n}`,
      since: `the spawn of generation ${n}`,
      onVersions: (served) => {
        const record = served.find((candidate) => candidate.generation === n);
        if (record?.outcome === 'in_progress') sawInProgress = true;
        return record?.outcome === 'tested';
      },
      silence: () =>
        sawInProgress
          ? `the Prime polled GET /versions once (generation ${n} in_progress) and not again within ${context.seconds()}`
          : `no GET /versions poll within ${context.seconds()} of the spawn of generation ${n} being answered`,
    });
    if (event !== null) {
      const early = event.kind === 'supervisor' && event.path === '/promote';
      throw new StepFailure(
        early
          ? `the Prime sent POST /promote ${JSON.stringify(event.body)} before the rig's verdict (self-promotion)`
          : `expected GET /versions polls for the verdict of generation ${n}, got ${describeEvent(event)}`,
      );
    }
    return `polled GET /versions: generation ${n} in_progress, then tested ${verdict}`;
  };
}

export async function rollbackStep(context: ProbeContext): Promise<string> {
  const { script, state } = context.options;
  const n = script.expectedGeneration;
  const event = await expectPost(
    context,
    '/rollback',
    { what: `POST /rollback {"generation":${n}}`, since: `the non-viable verdict of generation ${n}` },
    (other) =>
      other.path === '/promote'
        ? `the Prime promoted generation ${JSON.stringify(bodyGeneration(other.body))} although the verdict of ${n} is non-viable`
        : null,
  );
  const generation = bodyGeneration(event.body);
  if (generation !== n)
    throw new StepFailure(`Prime rolled back generation ${JSON.stringify(generation)}, expected ${n}`);
  state.setOutcome(n, 'failed');
  event.reply(200, { ok: true, generation: n, outcome: 'failed' });
  context.pending = null;
  return `POST /rollback {generation ${n}}`;
}

export async function promoteStep(context: ProbeContext): Promise<string> {
  const { script, state } = context.options;
  const n = script.expectedGeneration + 1;
  const event = await expectPost(
    context,
    '/promote',
    { what: `POST /promote {"generation":${n}}`, since: `the viable verdict of generation ${n}` },
    (other) =>
      other.path === '/rollback' ? `the Prime rolled back generation ${n} although its verdict is viable` : null,
  );
  const generation = bodyGeneration(event.body);
  if (generation !== n) throw new StepFailure(`Prime promoted generation ${JSON.stringify(generation)}, expected ${n}`);
  state.setOutcome(n, 'promoted');
  event.reply(200, { ok: true, generation: n, outcome: 'promoted' });
  context.pending = null;
  return `POST /promote {generation ${n}}`;
}

export async function settleStep(context: ProbeContext): Promise<string> {
  const ms = Math.min(1000, context.options.stepTimeoutMs);
  await context.quiet(ms, 'after the promotion the Prime must stop (CAMBRIAN_MAX_GENS=1) and idle');
  return `no further request within ${ms} ms of the promotion`;
}

export const spawnFirstStep = spawnStep(0);
export const spawnRetryStep = spawnStep(1);
export const artifactFirstStep = artifactStep(0);
export const artifactRetryStep = artifactStep(1);
export const pollNonViableStep = pollStep(0);
export const pollViableStep = pollStep(1);
