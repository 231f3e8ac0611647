import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import type { Backend, BackendContext, MessagesRequest, StreamEvent } from '../gateway/backend.js';
import { createRecordingBackend } from '../gateway/backends/record.js';
import { createReplayBackend } from '../gateway/backends/replay.js';
import { createBackend } from '../gateway/provider-backend.js';
import {
  type ChangeRoleName,
  DEFAULT_GENERATION_MODEL,
  PROVIDERS,
  type ProviderFlags,
  type RoleConfig,
  resolveRole,
} from '../gateway/roles.js';
import { maskStageTimes } from './describe-numbers.js';

export const CHANGE_ROLES = ['change', 'review', 'reflect'] as const satisfies readonly ChangeRoleName[];

export interface ChangeRoles {
  change: RoleConfig;
  review: RoleConfig;
  reflect: RoleConfig;
  warnings: string[];
  record: string | null;
  replay: string | null;
}

const ROLE_HELP: Record<ChangeRoleName, string> = {
  change: 'the directed change (writes the files)',
  review: 'the reviewer (stage 2)',
  reflect: 'reflect (writes the next program.md)',
};

/** `--provider`, `--record`, `--replay` and `--<role>-provider|model|base-url|max-tokens` for change, review, reflect. */
export function addChangeProviderOptions(command: Command): Command {
  command.option(
    '--provider <name>',
    `default provider for every role: ${PROVIDERS.join(', ')} (env CAMBRIAN_PROVIDER)`,
  );
  for (const role of CHANGE_ROLES) {
    const ROLE = role.toUpperCase();
    command
      .option(`--${role}-provider <name>`, `provider of ${ROLE_HELP[role]} (env CAMBRIAN_${ROLE}_PROVIDER)`)
      .option(`--${role}-model <model>`, `model of ${ROLE_HELP[role]} (env CAMBRIAN_${ROLE}_MODEL)`)
      .option(`--${role}-base-url <url>`, `base URL of the ${role} provider (env CAMBRIAN_${ROLE}_BASE_URL)`)
      .option(`--${role}-max-tokens <n>`, `cap on each ${role} request's max_tokens (env CAMBRIAN_${ROLE}_MAX_TOKENS)`);
  }
  return command
    .option('--record <file>', 'append every LLM exchange to FILE (JSON lines) for a later --replay')
    .option('--replay <file>', 'play the exchanges recorded in FILE back instead of calling a provider');
}

/** The roles of a directed change, resolved like the Prime's (flags > CAMBRIAN_<ROLE>_* > --provider > exemplar). */
export function resolveChangeRoles(options: {
  flags: ProviderFlags;
  env: Readonly<Record<string, string | undefined>>;
}): ChangeRoles {
  const { flags, env } = options;
  const warnings: string[] = [];
  const replay = flags.replay?.trim() || null;
  const record = flags.record?.trim() || null;
  if (replay !== null && record !== null) {
    throw new UsageError('--record and --replay together would record a replay', 'drop --record');
  }
  const chosen = [
    [flags.provider, '--provider'],
    [env.CAMBRIAN_PROVIDER, 'CAMBRIAN_PROVIDER'],
  ].find(([value]) => value !== undefined && value.trim() !== '') as [string, string] | undefined;
  const defaultProvider =
    replay !== null
      ? { value: 'replay', source: '--replay' }
      : chosen === undefined
        ? undefined
        : { value: chosen[0].trim(), source: chosen[1] };
  const resolved = Object.fromEntries(
    CHANGE_ROLES.map((role) => [role, resolveRole({ role, flags, env, defaultProvider, warnings })]),
  ) as Record<ChangeRoleName, RoleConfig>;
  for (const role of CHANGE_ROLES) {
    const provider = resolved[role].provider;
    if ((replay !== null) !== (provider === 'replay')) {
      throw new UsageError(
        replay !== null
          ? `--replay plays every exchange back, but the ${role} role is set to ${provider}`
          : `the ${role} role uses the replay provider, but no recording was given`,
        replay !== null ? `drop --${role}-provider, or --replay` : 'add --replay FILE',
      );
    }
  }
  if (defaultProvider === undefined && CHANGE_ROLES.every((role) => resolved[role].provider === 'exemplar')) {
    warnings.push(
      'no provider configured: using the exemplar backend (set --provider or CAMBRIAN_PROVIDER for a model)',
    );
  }
  return { ...resolved, warnings, record, replay };
}

/** The model a role asks for: its configured one, else the Prime's default generation model. */
export function roleModel(role: RoleConfig): string {
  return role.model ?? DEFAULT_GENERATION_MODEL;
}

/** The role a request belongs to, from its purpose (`change`, `change-retry`, `review-repair`, …). */
export function roleOfPurpose(purpose: string | null): ChangeRoleName {
  const role = (purpose ?? '').split('-')[0];
  return CHANGE_ROLES.find((name) => name === role) ?? 'change';
}

/**
 * One backend for the three roles: each request goes to its role's provider by purpose; one recording (or one
 * replay) covers them all, in order, so `--record` / `--replay` work as for `reproduce`.
 */
export function createChangeBackend(options: { roles: ChangeRoles; exemplar: Backend; timeoutMs?: number }): Backend {
  const { roles } = options;
  const replay = roles.replay === null ? undefined : createReplayBackend({ file: roles.replay, mask: maskStageTimes });
  const deps = { exemplar: options.exemplar, replay, timeoutMs: options.timeoutMs };
  const backends = Object.fromEntries(CHANGE_ROLES.map((role) => [role, createBackend(roles[role], deps)])) as Record<
    ChangeRoleName,
    Backend
  >;
  const routed: Backend = {
    name: [...new Set(CHANGE_ROLES.map((role) => backends[role].name))].join('+'),
    stream(request: MessagesRequest, context: BackendContext): AsyncIterable<StreamEvent> {
      return backends[roleOfPurpose(context.purpose)].stream(request, context);
    },
  };
  if (roles.record === null) return routed;
  return createRecordingBackend({
    inner: routed,
    file: roles.record,
    secrets: CHANGE_ROLES.map((role) => roles[role].apiKey),
  });
}
