import type { Command } from 'commander';
import type { Backend } from '../gateway/backend.js';
import { createRoleGroupBackend, resolveRoleGroup } from '../gateway/resolve-role-group.js';
import {
  type ChangeRoleName,
  DEFAULT_GENERATION_MODEL,
  PROVIDERS,
  type ProviderFlags,
  type RoleConfig,
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
  const { configs, warnings, record, replay, defaultProvider } = resolveRoleGroup({ roles: CHANGE_ROLES, ...options });
  if (defaultProvider === undefined && CHANGE_ROLES.every((role) => configs[role].provider === 'exemplar')) {
    warnings.push(
      'no provider configured: using the exemplar backend (set --provider or CAMBRIAN_PROVIDER for a model)',
    );
  }
  return { ...configs, warnings, record, replay };
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
  return createRoleGroupBackend({
    roles: CHANGE_ROLES,
    configs: options.roles,
    record: options.roles.record,
    replay: options.roles.replay,
    replayMask: maskStageTimes,
    roleOf: roleOfPurpose,
    exemplar: options.exemplar,
    timeoutMs: options.timeoutMs,
  });
}
