import { z } from 'zod';
import { HASH_PATTERN } from '../artifact/hash.js';
import { STAGES } from '../artifact/viability-report-schema.js';

/** The BullMQ queue every Supervisor enqueues to and every worker takes from. */
export const RIG_QUEUE_NAME = 'cambrian-rig';

/** Decoded bytes of one artifact a job may carry; past it the Supervisor refuses to enqueue (docs/scale-out.md). */
export const MAX_ARTIFACT_BYTES = 24 * 1024 * 1024;
export const MAX_ARTIFACT_FILES = 5000;
/** A spec is a Markdown page; a megabyte is far past any real one. */
export const MAX_SPEC_BYTES = 1024 * 1024;

const hash = z.string().regex(HASH_PATTERN);
const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/);

/** One artifact file in a job: the path is checked again by the worker before anything is written. */
export const jobFileSchema = z.object({
  path: z.string().min(1).max(400),
  data: base64,
  executable: z.boolean(),
});
export type JobFile = z.infer<typeof jobFileSchema>;

/**
 * What a Supervisor puts on the queue: the sealed artifact (untrusted, content-addressed by the hashes the
 * Supervisor recorded) and the trusted spec (its bytes and the hash the lineage records). Self-contained, so a job
 * that a dead worker left behind can be taken up by another with nothing else to fetch.
 */
export const rigJobSchema = z.object({
  'cambrian-rig-job': z.literal(1),
  rigVersion: z.string().min(1).max(200),
  generation: z.number().int().positive(),
  spec: z.object({ id: z.string().min(1), version: z.string().min(1), hash, bytes: base64 }),
  artifactHash: hash,
  manifestHash: hash,
  files: z.array(jobFileSchema).max(MAX_ARTIFACT_FILES),
  /** The whole rig's time limit, counted by the worker from the moment it takes the job. */
  timeoutMs: z.number().int().positive(),
});
export type RigJob = z.infer<typeof rigJobSchema>;

const stageSchema = z.enum(STAGES);

/** What a worker answers: the report (validated again by the Supervisor), or the ending that left none. */
export const rigJobResultSchema = z.object({
  worker: z.string().min(1).max(200),
  ending: z.enum(['report', 'timeout', 'cancelled']),
  /** The viability report, for `report`; re-validated with the report schema where it is used. */
  report: z.unknown().optional(),
  /** Stages that finished before a timeout, so the synthesized report says how far the rig got. */
  completed: z.array(z.object({ stage: stageSchema, check: z.unknown() })).default([]),
  rigMs: z.number().int().nonnegative(),
});
export type RigJobResult = z.infer<typeof rigJobResultSchema>;
