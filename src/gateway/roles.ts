import type { Command } from 'commander';
import { EnvironmentError, UsageError } from '../errors.js';
import type { BackendContext, MessagesRequest } from './backend.js';
import type { OpenAiParamMode } from './backends/adapt-openai-params.js';
import type { CacheTtlMode } from './backends/choose-cache-ttl.js';
import { readRecordedModels } from './backends/replay.js';
import { readProviderTuning } from './read-provider-tuning.js';

export const PROVIDERS = ['exemplar', 'anthropic', 'openai', 'replay'] as const;
export type ProviderName = (typeof PROVIDERS)[number];
export type RoleName = 'generation' | 'escalation';
/** The engine-side roles of a directed change (src/change/, DESIGN.md §9). */
export type ChangeRoleName = 'change' | 'review' | 'reflect';
/** The engine-side roles of genome evolution (src/evolve/, DESIGN.md §10). */
export type EvolveRoleName = 'mutate' | 'screen';

/** The Prime's models when no role names one (docs/contracts.md §1: CAMBRIAN_MODEL, CAMBRIAN_ESCALATION_MODEL). */
export const DEFAULT_GENERATION_MODEL = 'claude-sonnet-4-6';
export const DEFAULT_ESCALATION_MODEL = 'claude-opus-4-6';

/** Which provider serves a role, with which model, where, with which key. */
export interface RoleConfig {
  provider: ProviderName;
  /** Sent to the provider instead of the Prime's model name; also what the Prime is told to ask for. */
  model?: string;
  baseUrl?: string;
  /** Never logged, never passed to the Prime. */
  apiKey?: string;
  /** The environment variable the key came from (or would come from), named in error messages. */
  apiKeyVar: string;
  /**
   * Cap on each request's `max_tokens` (the Prime asks for 64000): a local server with a smaller context refuses more.
   * A reply cut at the cap stops on `max_tokens`, and the Prime continues it.
   */
  maxTokens?: number;
  /** anthropic: the cache TTL of the genome prefix (`--cache-ttl`, CAMBRIAN_CACHE_TTL). */
  cacheTtl?: CacheTtlMode;
  /** openai: which parameters the server takes (`--openai-params`, CAMBRIAN_OPENAI_PARAMS). */
  openaiParams?: OpenAiParamMode;
}

export interface ResolvedRoles {
  generation: RoleConfig;
  escalation: RoleConfig;
  /** One line each, for the user: "no provider configured: using the exemplar backend", a missing model… */
  warnings: string[];
  /** `--record FILE`, or null. */
  record: string | null;
  /** `--replay FILE`, or null; when set, both roles are `replay`. */
  replay: string | null;
}

/** Commander's camel-cased values of the options that `addProviderOptions` adds. */
export interface ProviderFlags {
  provider?: string | undefined;
  generationProvider?: string | undefined;
  generationModel?: string | undefined;
  generationBaseUrl?: string | undefined;
  generationMaxTokens?: string | undefined;
  escalationProvider?: string | undefined;
  escalationModel?: string | undefined;
  escalationBaseUrl?: string | undefined;
  escalationMaxTokens?: string | undefined;
  changeProvider?: string | undefined;
  changeModel?: string | undefined;
  changeBaseUrl?: string | undefined;
  changeMaxTokens?: string | undefined;
  reviewProvider?: string | undefined;
  reviewModel?: string | undefined;
  reviewBaseUrl?: string | undefined;
  reviewMaxTokens?: string | undefined;
  reflectProvider?: string | undefined;
  reflectModel?: string | undefined;
  reflectBaseUrl?: string | undefined;
  reflectMaxTokens?: string | undefined;
  mutateProvider?: string | undefined;
  mutateModel?: string | undefined;
  mutateBaseUrl?: string | undefined;
  mutateMaxTokens?: string | undefined;
  screenProvider?: string | undefined;
  screenModel?: string | undefined;
  screenBaseUrl?: string | undefined;
  screenMaxTokens?: string | undefined;
  record?: string | undefined;
  replay?: string | undefined;
  cacheTtl?: string | undefined;
  openaiParams?: string | undefined;
}

type Env = Readonly<Record<string, string | undefined>>;

/** The provider options `reproduce` and `campaign` share. Keys are deliberately not flags: argv is visible to all. */
export function addProviderOptions(command: Command): Command {
  return command
    .option('--provider <name>', `default provider for every role: ${PROVIDERS.join(', ')} (env CAMBRIAN_PROVIDER)`)
    .option('--generation-provider <name>', 'provider of fresh generations (env CAMBRIAN_GENERATION_PROVIDER)')
    .option('--generation-model <model>', 'model of fresh generations (env CAMBRIAN_GENERATION_MODEL)')
    .option('--generation-base-url <url>', 'base URL of the generation provider (env CAMBRIAN_GENERATION_BASE_URL)')
    .option(
      '--generation-max-tokens <n>',
      "cap on each generation request's max_tokens (env CAMBRIAN_GENERATION_MAX_TOKENS)",
    )
    .option('--escalation-provider <name>', 'provider of informed retries (env CAMBRIAN_ESCALATION_PROVIDER)')
    .option('--escalation-model <model>', 'model of informed retries (env CAMBRIAN_ESCALATION_MODEL)')
    .option('--escalation-base-url <url>', 'base URL of the escalation provider (env CAMBRIAN_ESCALATION_BASE_URL)')
    .option(
      '--escalation-max-tokens <n>',
      "cap on each escalation request's max_tokens (env CAMBRIAN_ESCALATION_MAX_TOKENS)",
    )
    .option('--cache-ttl <ttl>', 'anthropic prompt-cache TTL: auto, 5m, 1h, off (default auto; env CAMBRIAN_CACHE_TTL)')
    .option(
      '--openai-params <mode>',
      'openai request parameters: auto, classic (max_tokens), reasoning (max_completion_tokens, no sampling) (default auto; env CAMBRIAN_OPENAI_PARAMS)',
    )
    .option('--record <file>', 'append every LLM exchange to FILE (JSON lines) for a later --replay')
    .option('--replay <file>', 'play the exchanges recorded in FILE back instead of calling a provider');
}

function pick(
  candidates: ReadonlyArray<readonly [string | undefined, string]>,
): { value: string; source: string } | undefined {
  for (const [value, source] of candidates) {
    if (value !== undefined && value.trim() !== '') return { value: value.trim(), source };
  }
  return undefined;
}

function checkProvider(choice: { value: string; source: string }): ProviderName {
  if ((PROVIDERS as readonly string[]).includes(choice.value)) return choice.value as ProviderName;
  throw new UsageError(`${choice.source}: unknown provider "${choice.value}"`, `use one of: ${PROVIDERS.join(', ')}`);
}

function checkUrl(choice: { value: string; source: string }): string {
  try {
    const url = new URL(choice.value);
    if (url.protocol === 'http:' || url.protocol === 'https:') return choice.value;
  } catch {
    // reported below
  }
  throw new UsageError(`${choice.source}: "${choice.value}" is not an http(s) URL`, 'e.g. http://127.0.0.1:11434/v1');
}

function checkMaxTokens(choice: { value: string; source: string }): number {
  if (/^\d+$/.test(choice.value) && Number(choice.value) >= 1) return Number(choice.value);
  throw new UsageError(`${choice.source}: "${choice.value}" is not a whole number of tokens ≥ 1`, 'e.g. 8192');
}

const KEY_VARS: Record<'anthropic' | 'openai', { key: string; baseUrl: string }> = {
  anthropic: { key: 'ANTHROPIC_API_KEY', baseUrl: 'ANTHROPIC_BASE_URL' },
  openai: { key: 'OPENAI_API_KEY', baseUrl: 'OPENAI_BASE_URL' },
};

/** One role's provider, model, base URL, key and cap: flags > `CAMBRIAN_<ROLE>_*` > the default provider. */
export function resolveRole(options: {
  role: RoleName | ChangeRoleName | EvolveRoleName;
  flags: ProviderFlags;
  env: Env;
  defaultProvider: { value: string; source: string } | undefined;
  warnings: string[];
}): RoleConfig {
  const { role, flags, env, warnings } = options;
  const ROLE = role.toUpperCase();
  const flag = (name: 'Provider' | 'Model' | 'BaseUrl' | 'MaxTokens') => flags[`${role}${name}`];
  const providerChoice = pick([
    [flag('Provider'), `--${role}-provider`],
    [env[`CAMBRIAN_${ROLE}_PROVIDER`], `CAMBRIAN_${ROLE}_PROVIDER`],
  ]) ??
    options.defaultProvider ?? { value: 'exemplar', source: 'default' };
  const provider = checkProvider(providerChoice);
  const config: RoleConfig = { provider, apiKeyVar: '' };
  const model = pick([
    [flag('Model'), `--${role}-model`],
    [env[`CAMBRIAN_${ROLE}_MODEL`], `CAMBRIAN_${ROLE}_MODEL`],
  ]);
  if (model !== undefined) config.model = model.value;
  if (provider !== 'anthropic' && provider !== 'openai') return config;

  const maxTokens = pick([
    [flag('MaxTokens'), `--${role}-max-tokens`],
    [env[`CAMBRIAN_${ROLE}_MAX_TOKENS`], `CAMBRIAN_${ROLE}_MAX_TOKENS`],
  ]);
  if (maxTokens !== undefined) config.maxTokens = checkMaxTokens(maxTokens);
  const tuning = readProviderTuning({ flags, env });
  if (provider === 'anthropic') config.cacheTtl = tuning.cacheTtl;
  else config.openaiParams = tuning.openaiParams;
  const vars = KEY_VARS[provider];
  const baseUrl = pick([
    [flag('BaseUrl'), `--${role}-base-url`],
    [env[`CAMBRIAN_${ROLE}_BASE_URL`], `CAMBRIAN_${ROLE}_BASE_URL`],
    [env[vars.baseUrl], vars.baseUrl],
  ]);
  if (baseUrl !== undefined) config.baseUrl = checkUrl(baseUrl);
  const key = pick([
    [env[`CAMBRIAN_${ROLE}_API_KEY`], `CAMBRIAN_${ROLE}_API_KEY`],
    [env[vars.key], vars.key],
  ]);
  config.apiKeyVar = key?.source ?? vars.key;
  if (key !== undefined) config.apiKey = key.value;
  // Local OpenAI-compatible servers (Ollama, llama.cpp, vLLM) take no key; the hosted APIs always need one.
  const keyOptional = provider === 'openai' && config.baseUrl !== undefined;
  if (key === undefined && !keyOptional) {
    throw new EnvironmentError({
      code: 'E_PROVIDER_KEY',
      message: `the ${provider} provider of the ${role} role needs a key, and ${vars.key} is not set`,
      hint: `set ${vars.key} (or CAMBRIAN_${ROLE}_API_KEY) in the engine's environment; it never reaches the Prime`,
    });
  }
  if (provider === 'openai' && config.model === undefined) {
    warnings.push(
      `the openai provider of the ${role} role has no model: the Prime's model name is sent as is ` +
        `(set --${role}-model or CAMBRIAN_${ROLE}_MODEL)`,
    );
  }
  return config;
}

/**
 * Reads the role configuration: flags > `CAMBRIAN_<ROLE>_*` > `--provider` / `CAMBRIAN_PROVIDER` > defaults
 * (`ANTHROPIC_*` / `OPENAI_*` for key and base URL). No provider anywhere: the exemplar, with a warning saying so.
 * Throws a UsageError for an unknown provider, a bad URL or contradicting replay options, an EnvironmentError for a
 * missing key.
 */
export function resolveRoles(options: { flags: ProviderFlags; env: Env }): ResolvedRoles {
  const { flags, env } = options;
  const warnings: string[] = [];
  const replay = flags.replay?.trim() || null;
  const record = flags.record?.trim() || null;
  let defaultProvider = pick([
    [flags.provider, '--provider'],
    [env.CAMBRIAN_PROVIDER, 'CAMBRIAN_PROVIDER'],
  ]);
  if (replay !== null) {
    if (defaultProvider !== undefined && defaultProvider.value !== 'replay') {
      throw new UsageError(
        `--replay plays a recording back, but ${defaultProvider.source} asks for ${defaultProvider.value}`,
        'drop one of them',
      );
    }
    defaultProvider = { value: 'replay', source: '--replay' };
  }
  const generation = resolveRole({ role: 'generation', flags, env, defaultProvider, warnings });
  const escalation = resolveRole({ role: 'escalation', flags, env, defaultProvider, warnings });
  for (const [role, config] of [
    ['generation', generation],
    ['escalation', escalation],
  ] as const) {
    if (replay !== null && config.provider !== 'replay') {
      throw new UsageError(
        `--replay plays every exchange back, but the ${role} role is set to ${config.provider}`,
        `drop --${role}-provider / CAMBRIAN_${role.toUpperCase()}_PROVIDER, or --replay`,
      );
    }
    if (replay === null && config.provider === 'replay') {
      throw new UsageError(
        `the ${role} role uses the replay provider, but no recording was given`,
        'add --replay FILE',
      );
    }
  }
  if (replay !== null && record !== null) {
    throw new UsageError('--record and --replay together would record a replay', 'drop --record');
  }
  if (replay !== null) {
    // A replay must ask for exactly what was recorded: the Prime gets the recorded run's models unless flags say otherwise.
    const recorded = readRecordedModels(replay);
    if (recorded !== null) {
      generation.model ??= recorded.model;
      escalation.model ??= recorded.escalationModel;
    }
  }
  if (defaultProvider === undefined && generation.provider === 'exemplar' && escalation.provider === 'exemplar') {
    warnings.push(
      'no provider configured: using the exemplar backend (set --provider or CAMBRIAN_PROVIDER for a model)',
    );
  }
  return { generation, escalation, warnings, record, replay };
}

/** The models the Prime is told to use (CAMBRIAN_MODEL, CAMBRIAN_ESCALATION_MODEL). */
export function primeModels(roles: Pick<ResolvedRoles, 'generation' | 'escalation'>): {
  model: string;
  escalationModel: string;
} {
  return {
    model: roles.generation.model ?? DEFAULT_GENERATION_MODEL,
    escalationModel: roles.escalation.model ?? DEFAULT_ESCALATION_MODEL,
  };
}

/**
 * Which role serves a request: an informed retry, or a request for the escalation model (a retry's repair or
 * continuation keeps the retry's model), goes to escalation; everything else to generation. When both roles use the
 * same model name only the purpose can tell them apart.
 */
export function routeRequest(
  request: Pick<MessagesRequest, 'model'>,
  context: Pick<BackendContext, 'purpose'>,
  roles: Pick<ResolvedRoles, 'generation' | 'escalation'>,
): RoleName {
  if (context.purpose === 'retry') return 'escalation';
  const { model, escalationModel } = primeModels(roles);
  if (request.model === escalationModel && escalationModel !== model) return 'escalation';
  return 'generation';
}
