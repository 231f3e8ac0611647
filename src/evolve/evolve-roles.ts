import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import type { Backend, BackendContext, MessagesRequest, StreamEvent } from '../gateway/backend.js';
import { createRecordingBackend } from '../gateway/backends/record.js';
import { createReplayBackend } from '../gateway/backends/replay.js';
import { createBackend } from '../gateway/provider-backend.js';
import { type EvolveRoleName, PROVIDERS, type ProviderFlags, type RoleConfig, resolveRole } from '../gateway/roles.js';

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
  const { flags, env } = options;
  const warnings: string[] = [];
  const replay = flags.replay?.trim() || null;
  const record = flags.record?.trim() || null;
  if (replay !== null && record !== null)
    throw new UsageError('--record and --replay together would record a replay', 'drop --record');
  const given = flags.provider?.trim() || env.CAMBRIAN_PROVIDER?.trim() || undefined;
  const defaultProvider =
    replay !== null
      ? { value: 'replay', source: '--replay' }
      : given === undefined
        ? undefined
        : { value: given, source: flags.provider?.trim() ? '--provider' : 'CAMBRIAN_PROVIDER' };
  const mutate = resolveRole({ role: 'mutate', flags, env, defaultProvider, warnings });
  const screen = resolveRole({ role: 'screen', flags, env, defaultProvider, warnings });
  for (const [role, config] of [
    ['mutate', mutate],
    ['screen', screen],
  ] as const) {
    if ((replay !== null) !== (config.provider === 'replay'))
      throw new UsageError(
        replay !== null
          ? `--replay plays every exchange back, but the ${role} role is set to ${config.provider}`
          : `the ${role} role uses the replay provider, but no recording was given`,
        replay !== null ? `drop --${role}-provider, or --replay` : 'add --replay FILE',
      );
  }
  return { mutate, screen, warnings, record, replay };
}

/** The model a role asks for. */
export function evolveRoleModel(roles: EvolveRoles, role: EvolveRoleName): string {
  return roles[role].model ?? DEFAULT_EVOLVE_MODELS[role];
}

/** One backend for both roles, each request sent to its role's provider by purpose (`mutate` or `screen`). */
export function createEvolveBackend(options: { roles: EvolveRoles; exemplar: Backend; timeoutMs?: number }): Backend {
  const { roles } = options;
  const replay = roles.replay === null ? undefined : createReplayBackend({ file: roles.replay });
  const deps = { exemplar: options.exemplar, replay, timeoutMs: options.timeoutMs };
  const mutate = createBackend(roles.mutate, deps);
  const screen = createBackend(roles.screen, deps);
  const routed: Backend = {
    name: mutate.name === screen.name ? mutate.name : `${mutate.name}+${screen.name}`,
    stream(request: MessagesRequest, context: BackendContext): AsyncIterable<StreamEvent> {
      return (context.purpose === 'screen' ? screen : mutate).stream(request, context);
    },
  };
  if (roles.record === null) return routed;
  return createRecordingBackend({
    inner: routed,
    file: roles.record,
    secrets: [roles.mutate.apiKey, roles.screen.apiKey],
  });
}
