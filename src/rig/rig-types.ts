import type { Stage, StageCheck } from '../artifact/viability-report-schema.js';
import type { Spec } from '../spec/parse-spec.js';
import type { Sandbox, SandboxLimits } from './sandbox/sandbox-types.js';

/** What the rig needs of the trusted spec (the Supervisor's copy, never the artifact's). */
export type RigSpec = Pick<
  Spec,
  'id' | 'version' | 'kind' | 'path' | 'bytes' | 'hash' | 'contracts' | 'vectors' | 'entry'
>;

/** Time limit per stage; `live` covers start + health + reproduce, which run in one sandbox. */
export interface RigTimeouts {
  build: number;
  test: number;
  /** Added to the spec's start-timeout-ms for start + health. */
  health: number;
  reproduce: number;
}

export const DEFAULT_TIMEOUTS: RigTimeouts = { build: 180_000, test: 300_000, health: 60_000, reproduce: 600_000 };

export interface RunRigOptions {
  artifactDir: string;
  spec: RigSpec;
  sandbox: Sandbox;
  /** Keep the working copy (its path is in the result) instead of deleting it. */
  keep?: boolean;
  /** The generation reported when the manifest cannot be read; default the manifest's. */
  generation?: number;
  limits?: SandboxLimits;
  timeouts?: Partial<RigTimeouts>;
  onStage?: (stage: Stage, check: StageCheck) => void;
  signal?: AbortSignal;
}
