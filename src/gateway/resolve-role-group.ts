import { UsageError } from '../errors.js';
import type { Backend, BackendContext, MessagesRequest, StreamEvent } from './backend.js';
import { createRecordingBackend } from './backends/record.js';
import { createReplayBackend } from './backends/replay.js';
import { createBackend } from './provider-backend.js';
import { type ChangeRoleName, type EvolveRoleName, type ProviderFlags, type RoleConfig, resolveRole } from './roles.js';

type GroupRoleName = ChangeRoleName | EvolveRoleName;

/** A command's roles (change, review, reflect; or mutate, screen) with one recording or replay for them all. */
export interface RoleGroup<R extends GroupRoleName> {
  configs: Record<R, RoleConfig>;
  warnings: string[];
  record: string | null;
  replay: string | null;
  /** `--provider` / `CAMBRIAN_PROVIDER` (or `--replay`), where one was given. */
  defaultProvider: { value: string; source: string } | undefined;
}

/**
 * Resolves each role like the Prime's (flags > `CAMBRIAN_<ROLE>_*` > `--provider` / `CAMBRIAN_PROVIDER` > exemplar).
 * `--replay` plays every role back, so a role set to another provider, or a replay role without a recording, is a
 * UsageError naming the role; so are `--record` and `--replay` together.
 */
export function resolveRoleGroup<R extends GroupRoleName>(options: {
  roles: readonly R[];
  flags: ProviderFlags;
  env: Readonly<Record<string, string | undefined>>;
}): RoleGroup<R> {
  const { flags, env } = options;
  const warnings: string[] = [];
  const replay = flags.replay?.trim() || null;
  const record = flags.record?.trim() || null;
  if (replay !== null && record !== null) {
    throw new UsageError('--record and --replay together would record a replay', 'drop --record');
  }
  const given = flags.provider?.trim() || env.CAMBRIAN_PROVIDER?.trim() || undefined;
  const defaultProvider =
    replay !== null
      ? { value: 'replay', source: '--replay' }
      : given === undefined
        ? undefined
        : { value: given, source: flags.provider?.trim() ? '--provider' : 'CAMBRIAN_PROVIDER' };
  const configs = Object.fromEntries(
    options.roles.map((role) => [role, resolveRole({ role, flags, env, defaultProvider, warnings })]),
  ) as Record<R, RoleConfig>;
  for (const role of options.roles) {
    const provider = configs[role].provider;
    if ((replay !== null) !== (provider === 'replay')) {
      throw new UsageError(
        replay !== null
          ? `--replay plays every exchange back, but the ${role} role is set to ${provider}`
          : `the ${role} role uses the replay provider, but no recording was given`,
        replay !== null ? `drop --${role}-provider, or --replay` : 'add --replay FILE',
      );
    }
  }
  return { configs, warnings, record, replay, defaultProvider };
}

/**
 * One backend for a group of roles: each request goes to its role's provider (`roleOf` its purpose); one recording
 * (or one replay) covers them all, in order, so `--record` / `--replay` work as for `reproduce`.
 */
export function createRoleGroupBackend<R extends string>(options: {
  roles: readonly R[];
  configs: Record<R, RoleConfig>;
  record: string | null;
  replay: string | null;
  /** Masks what differs between runs by nature before a replayed request is compared (see createReplayBackend). */
  replayMask?: (text: string) => string;
  roleOf: (purpose: string | null) => R;
  exemplar: Backend;
  timeoutMs: number | undefined;
}): Backend {
  const { roles, configs } = options;
  const replay =
    options.replay === null
      ? undefined
      : createReplayBackend({
          file: options.replay,
          ...(options.replayMask === undefined ? {} : { mask: options.replayMask }),
        });
  const deps = { exemplar: options.exemplar, replay, timeoutMs: options.timeoutMs };
  const backends = Object.fromEntries(roles.map((role) => [role, createBackend(configs[role], deps)])) as Record<
    R,
    Backend
  >;
  const routed: Backend = {
    name: [...new Set(roles.map((role) => backends[role].name))].join('+'),
    stream(request: MessagesRequest, context: BackendContext): AsyncIterable<StreamEvent> {
      return backends[options.roleOf(context.purpose)].stream(request, context);
    },
  };
  if (options.record === null) return routed;
  return createRecordingBackend({
    inner: routed,
    file: options.record,
    secrets: roles.map((role) => configs[role].apiKey),
  });
}
