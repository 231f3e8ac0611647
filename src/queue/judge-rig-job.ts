import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { hashBytes } from '../artifact/hash.js';
import type { Stage, StageCheck } from '../artifact/viability-report-schema.js';
import { runRig } from '../rig/run-rig.js';
import type { Sandbox } from '../rig/sandbox/sandbox-types.js';
import { parseSpec } from '../spec/parse-spec.js';
import { computeRigVersion } from './compute-rig-version.js';
import { MAX_SPEC_BYTES, type RigJobResult, rigJobSchema } from './rig-job-schema.js';
import { UnpackRefused, unpackArtifact } from './unpack-artifact.js';

/** A job this worker will not judge; the reason goes back to the Supervisor, which stops rather than guess. */
export class JobRefused extends Error {}

/**
 * What a worker does with one job: checks it (schema, rig version, the spec against its hash, the artifact against
 * its hashes), then runs the same rig as `cambrian rig` on a private copy, within the job's time limit.
 */
export async function judgeRigJob(options: {
  data: unknown;
  worker: string;
  sandbox: Sandbox;
  /** Aborts when the Supervisor cancels the job or the worker shuts down. */
  signal: AbortSignal;
}): Promise<RigJobResult> {
  const parsed = rigJobSchema.safeParse(options.data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new JobRefused(`malformed job: ${issue?.path.join('.') || '(job)'}: ${issue?.message ?? 'invalid'}`);
  }
  const job = parsed.data;
  const mine = await computeRigVersion();
  if (job.rigVersion !== mine)
    throw new JobRefused(`rig version: this worker runs "${mine}", the Supervisor judges with "${job.rigVersion}"`);
  const specBytes = Buffer.from(job.spec.bytes, 'base64');
  if (specBytes.length > MAX_SPEC_BYTES) throw new JobRefused(`the spec is larger than ${MAX_SPEC_BYTES} bytes`);
  // The spec decides the verdict (its vectors, its entry): only the exact bytes whose hash the lineage records.
  if (hashBytes(specBytes) !== job.spec.hash)
    throw new JobRefused(`the spec bytes hash to ${hashBytes(specBytes)}, the Supervisor recorded ${job.spec.hash}`);
  const spec = parseSpec({ bytes: specBytes, file: `${job.spec.id}.md` });
  if (spec.id !== job.spec.id || spec.version !== job.spec.version)
    throw new JobRefused(`the spec is ${spec.id}@${spec.version}, the job names ${job.spec.id}@${job.spec.version}`);

  const dir = await mkdtemp(path.join(os.tmpdir(), 'cambrian-job-'));
  const started = Date.now();
  const timeout = AbortSignal.timeout(job.timeoutMs);
  const signal = AbortSignal.any([options.signal, timeout]);
  const completed: Array<{ stage: Stage; check: StageCheck }> = [];
  try {
    const artifactDir = path.join(dir, 'artifact');
    await unpackArtifact({
      files: job.files,
      targetDir: artifactDir,
      artifactHash: job.artifactHash,
      manifestHash: job.manifestHash,
    }).catch((error: unknown) => {
      throw error instanceof UnpackRefused ? new JobRefused(`artifact: ${error.message}`) : error;
    });
    const report = await runRig({
      artifactDir,
      spec,
      sandbox: options.sandbox,
      generation: job.generation,
      signal,
      onStage: (stage, check) => completed.push({ stage, check }),
    });
    const rigMs = Date.now() - started;
    if (timeout.aborted) return { worker: options.worker, ending: 'timeout', completed, rigMs };
    if (options.signal.aborted) return { worker: options.worker, ending: 'cancelled', completed, rigMs };
    return { worker: options.worker, ending: 'report', report, completed, rigMs };
  } catch (error) {
    if (timeout.aborted) return { worker: options.worker, ending: 'timeout', completed, rigMs: Date.now() - started };
    throw error;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
