import type { Command } from 'commander';
import type { Backend } from '../gateway/backend.js';
import { createRoleGroupBackend, resolveRoleGroup } from '../gateway/resolve-role-group.js';
import { type EvolveRoleName, PROVIDERS, type ProviderFlags, type RoleConfig } from '../gateway/roles.js';

export const EVOLVE_ROLES = ['mutate', 'screen'] as const satisfies readonly EvolveRoleName[];

/** The models the roles ask for when none is configured: the screen is the smaller model (issue 14, item 3). */
export const DEFAULT_EVOLVE_MODELS: Record<EvolveRoleName, string> = {
  mutate: 'claude-sonnet-4-6',
  screen: 'claude-haiku-4-5',
};

export interface EvolveRoles {
  mutate: RoleConfig;
  screen: RoleConfig;
  warnings: string[];
  record: string | null;
  replay: string | null;
}

const ROLE_HELP: Record<EvolveRoleName, string> = {
  mutate: 'the mutator (writes each new spec version)',
  screen: 'the coherence screen (a JSON verdict on each mutant)',
};

/** `--<role>-provider|model|base-url|max-tokens` for mutate and screen, with `--record` / `--replay`. */
export function addEvolveProviderOptions(command: Command): Command {
  command.option('--provider <name>', `default provider of mutate and screen: ${PROVIDERS.join(', ')}`);
  for (const role of EVOLVE_ROLES) {
    const ROLE = role.toUpperCase();
    command
      .option(`--${role}-provider <name>`, `provider of ${ROLE_HELP[role]} (env CAMBRIAN_${ROLE}_PROVIDER)`)
      .option(`--${role}-model <model>`, `model of the ${role} role (env CAMBRIAN_${ROLE}_MODEL)`)
      .option(`--${role}-base-url <url>`, `base URL of the ${role} provider (env CAMBRIAN_${ROLE}_BASE_URL)`)
      .option(`--${role}-max-tokens <n>`, `cap on each ${role} request's max_tokens (env CAMBRIAN_${ROLE}_MAX_TOKENS)`);
  }
  return command
    .option('--record <file>', 'append every mutate and screen exchange to FILE (JSON lines) for a later --replay')
    .option('--replay <file>', 'play the recorded mutate and screen exchanges back instead of calling a provider');
}

/** mutate and screen, resolved like every role: flags > CAMBRIAN_<ROLE>_* > --provider / CAMBRIAN_PROVIDER > exemplar. */
export function resolveEvolveRoles(options: {
  flags: ProviderFlags;
  env: Readonly<Record<string, string | undefined>>;
}): EvolveRoles {
  const { configs, warnings, record, replay } = resolveRoleGroup({ roles: EVOLVE_ROLES, ...options });
  return { ...configs, warnings, record, replay };
}

/** The model a role asks for. */
export function evolveRoleModel(roles: EvolveRoles, role: EvolveRoleName): string {
  return roles[role].model ?? DEFAULT_EVOLVE_MODELS[role];
}

/** One backend for both roles, each request sent to its role's provider by purpose (`mutate` or `screen`). */
export function createEvolveBackend(options: { roles: EvolveRoles; exemplar: Backend; timeoutMs?: number }): Backend {
  return createRoleGroupBackend({
    roles: EVOLVE_ROLES,
    configs: options.roles,
    record: options.roles.record,
    replay: options.roles.replay,
    roleOf: (purpose) => (purpose === 'screen' ? 'screen' : 'mutate'),
    exemplar: options.exemplar,
    timeoutMs: options.timeoutMs,
  });
}
