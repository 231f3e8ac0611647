import { UsageError } from '../errors.js';
import { OPENAI_PARAM_MODES, type OpenAiParamMode } from './backends/adapt-openai-params.js';
import { CACHE_TTL_MODES, type CacheTtlMode } from './backends/choose-cache-ttl.js';

/** How the gateway talks to a provider beyond which one: the cache TTL (anthropic), the parameters (openai). */
export interface ProviderTuning {
  cacheTtl: CacheTtlMode;
  openaiParams: OpenAiParamMode;
}

type Env = Readonly<Record<string, string | undefined>>;

function choose<T extends string>(options: {
  flag: string | undefined;
  flagName: string;
  env: string | undefined;
  envName: string;
  allowed: readonly T[];
  fallback: T;
}): T {
  const [value, source] =
    options.flag !== undefined && options.flag.trim() !== ''
      ? [options.flag.trim(), options.flagName]
      : options.env !== undefined && options.env.trim() !== ''
        ? [options.env.trim(), options.envName]
        : [options.fallback, 'default'];
  if ((options.allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(
    `${source}: "${value}" is not one of ${options.allowed.join(', ')}`,
    `e.g. ${options.flagName} ${options.fallback}`,
  );
}

/** `--cache-ttl` > `CAMBRIAN_CACHE_TTL` > auto; `--openai-params` > `CAMBRIAN_OPENAI_PARAMS` > auto. */
export function readProviderTuning(options: {
  flags: { cacheTtl?: string | undefined; openaiParams?: string | undefined };
  env: Env;
}): ProviderTuning {
  const { flags, env } = options;
  return {
    cacheTtl: choose({
      flag: flags.cacheTtl,
      flagName: '--cache-ttl',
      env: env.CAMBRIAN_CACHE_TTL,
      envName: 'CAMBRIAN_CACHE_TTL',
      allowed: CACHE_TTL_MODES,
      fallback: 'auto',
    }),
    openaiParams: choose({
      flag: flags.openaiParams,
      flagName: '--openai-params',
      env: env.CAMBRIAN_OPENAI_PARAMS,
      envName: 'CAMBRIAN_OPENAI_PARAMS',
      allowed: OPENAI_PARAM_MODES,
      fallback: 'auto',
    }),
  };
}
