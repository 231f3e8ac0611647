import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { dir } from 'tmp-promise';
import { describe, expect, it } from 'vitest';
import { EnvironmentError, UsageError } from '../../src/errors.js';
import {
  addProviderOptions,
  type ProviderFlags,
  primeModels,
  resolveRoles,
  routeRequest,
} from '../../src/gateway/roles.js';

function parseFlags(argv: string[]): ProviderFlags {
  const command = addProviderOptions(new Command('reproduce').exitOverride());
  command.parse(argv, { from: 'user' });
  return command.opts<ProviderFlags>();
}

describe('resolveRoles', () => {
  it('falls back to the exemplar with a one-line warning when no provider is configured', () => {
    const roles = resolveRoles({ flags: {}, env: { ANTHROPIC_API_KEY: 'sk-ant-unused-0123456789' } });
    expect(roles.generation.provider).toBe('exemplar');
    expect(roles.escalation.provider).toBe('exemplar');
    expect(roles.warnings).toEqual([expect.stringMatching(/^no provider configured: using the exemplar backend/)]);
    expect(roles.record).toBeNull();
    expect(roles.replay).toBeNull();
  });

  it('takes --provider for every role with the default key and base URL variables', () => {
    const roles = resolveRoles({
      flags: parseFlags(['--provider', 'anthropic', '--cache-ttl', '1h']),
      env: { ANTHROPIC_API_KEY: 'sk-ant-key-0123456789', ANTHROPIC_BASE_URL: 'http://127.0.0.1:9/' },
    });
    expect(roles.generation).toEqual({
      provider: 'anthropic',
      baseUrl: 'http://127.0.0.1:9/',
      apiKey: 'sk-ant-key-0123456789',
      apiKeyVar: 'ANTHROPIC_API_KEY',
      cacheTtl: '1h',
    });
    expect(roles.escalation.provider).toBe('anthropic');
    expect(roles.warnings).toEqual([]);
  });

  it('ranks flags over CAMBRIAN_<ROLE>_* over --provider/CAMBRIAN_PROVIDER', () => {
    const env = {
      CAMBRIAN_PROVIDER: 'anthropic',
      ANTHROPIC_API_KEY: 'sk-ant-key-0123456789',
      CAMBRIAN_ESCALATION_PROVIDER: 'openai',
      CAMBRIAN_ESCALATION_MODEL: 'qwen3-coder',
      CAMBRIAN_ESCALATION_BASE_URL: 'http://127.0.0.1:11434/v1',
      CAMBRIAN_ESCALATION_API_KEY: 'ollama-key-0123456789',
      CAMBRIAN_GENERATION_MODEL: 'claude-haiku-4-5',
    };
    const roles = resolveRoles({
      flags: parseFlags([
        '--generation-model',
        'claude-sonnet-4-5',
        '--escalation-base-url',
        'http://10.0.0.2:8000/v1',
      ]),
      env,
    });
    expect(roles.generation).toMatchObject({ provider: 'anthropic', model: 'claude-sonnet-4-5' });
    expect(roles.escalation).toEqual({
      provider: 'openai',
      model: 'qwen3-coder',
      baseUrl: 'http://10.0.0.2:8000/v1',
      apiKey: 'ollama-key-0123456789',
      apiKeyVar: 'CAMBRIAN_ESCALATION_API_KEY',
      openaiParams: 'auto',
    });
  });

  it('lets a local OpenAI-compatible server go without a key, warning when no model is named', () => {
    const roles = resolveRoles({
      flags: parseFlags(['--provider', 'openai', '--generation-model', 'llama3.3']),
      env: { OPENAI_BASE_URL: 'http://127.0.0.1:8080/v1' },
    });
    expect(roles.generation).toEqual({
      provider: 'openai',
      model: 'llama3.3',
      baseUrl: 'http://127.0.0.1:8080/v1',
      apiKeyVar: 'OPENAI_API_KEY',
      openaiParams: 'auto',
    });
    expect(roles.warnings).toEqual([expect.stringMatching(/escalation role has no model.*--escalation-model/)]);
  });

  it('fails for a missing key, naming the variable to set', () => {
    expect(() => resolveRoles({ flags: { provider: 'anthropic' }, env: {} })).toThrow(EnvironmentError);
    expect(() => resolveRoles({ flags: { provider: 'anthropic' }, env: {} })).toThrow(/ANTHROPIC_API_KEY is not set/);
    expect(() => resolveRoles({ flags: { provider: 'openai' }, env: {} })).toThrow(/OPENAI_API_KEY is not set/);
  });

  it('rejects unknown providers and bad URLs, naming where they came from', () => {
    expect(() => resolveRoles({ flags: {}, env: { CAMBRIAN_GENERATION_PROVIDER: 'gemini' } })).toThrow(
      /CAMBRIAN_GENERATION_PROVIDER: unknown provider "gemini"/,
    );
    expect(() => resolveRoles({ flags: { provider: 'openai', generationBaseUrl: 'localhost:8080' }, env: {} })).toThrow(
      /--generation-base-url: "localhost:8080" is not an http\(s\) URL/,
    );
  });

  it('makes --replay the provider of both roles with the recorded models, and refuses contradictions', async () => {
    const tmp = await dir({ unsafeCleanup: true });
    const file = join(tmp.path, 'run.jsonl');
    const line = {
      'cambrian-record': 1,
      exchange: 1,
      at: '2026-11-22T00:00:00.000Z',
      backend: 'openai',
      generation: 1,
      purpose: 'fresh',
      models: { model: 'qwen2.5-coder:32b', escalationModel: 'qwen3-coder' },
      request: { model: 'qwen2.5-coder:32b' },
      events: [],
      usage: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
      error: null,
    };
    writeFileSync(file, `${JSON.stringify(line)}\n`);
    const roles = resolveRoles({ flags: parseFlags(['--replay', file]), env: {} });
    expect(roles.generation).toEqual({ provider: 'replay', model: 'qwen2.5-coder:32b', apiKeyVar: '' });
    expect(roles.escalation).toEqual({ provider: 'replay', model: 'qwen3-coder', apiKeyVar: '' });
    expect(primeModels(roles)).toEqual({ model: 'qwen2.5-coder:32b', escalationModel: 'qwen3-coder' });
    expect(roles.replay).toBe(file);
    expect(roles.warnings).toEqual([]);
    const flagged = resolveRoles({ flags: { replay: file, generationModel: 'other' }, env: {} });
    expect(flagged.generation.model).toBe('other');
    expect(() => resolveRoles({ flags: { replay: join(tmp.path, 'none.jsonl') }, env: {} })).toThrow(
      /cannot read the recording/,
    );
    await tmp.cleanup();
    expect(() => resolveRoles({ flags: { replay: 'a', provider: 'anthropic' }, env: {} })).toThrow(UsageError);
    expect(() => resolveRoles({ flags: { replay: 'a' }, env: { CAMBRIAN_ESCALATION_PROVIDER: 'exemplar' } })).toThrow(
      /escalation role is set to exemplar/,
    );
    expect(() => resolveRoles({ flags: { provider: 'replay' }, env: {} })).toThrow(
      /uses the replay provider, but no recording was given/,
    );
    expect(() => resolveRoles({ flags: { replay: 'a', record: 'b' }, env: {} })).toThrow(/--record and --replay/);
  });

  it('caps max_tokens per role from flags over CAMBRIAN_<ROLE>_MAX_TOKENS, and rejects a bad cap', () => {
    const env = { OPENAI_BASE_URL: 'http://127.0.0.1:8000/v1', CAMBRIAN_GENERATION_MAX_TOKENS: '8192' };
    const roles = resolveRoles({
      flags: parseFlags(['--provider', 'openai', '--escalation-max-tokens', '4096']),
      env: { ...env, CAMBRIAN_ESCALATION_MAX_TOKENS: '16000' },
    });
    expect([roles.generation.maxTokens, roles.escalation.maxTokens]).toEqual([8192, 4096]);
    expect(() =>
      resolveRoles({ flags: parseFlags(['--provider', 'openai', '--generation-max-tokens', '0']), env }),
    ).toThrow('--generation-max-tokens: "0" is not a whole number of tokens ≥ 1');
  });

  it('passes --record through', () => {
    expect(resolveRoles({ flags: parseFlags(['--record', 'out/run.jsonl']), env: {} }).record).toBe('out/run.jsonl');
  });
});

describe('routeRequest', () => {
  const roles = resolveRoles({ flags: {}, env: {} });

  it('sends retries and requests for the escalation model to escalation, everything else to generation', () => {
    expect(routeRequest({ model: 'claude-sonnet-4-6' }, { purpose: 'fresh' }, roles)).toBe('generation');
    expect(routeRequest({ model: 'claude-sonnet-4-6' }, { purpose: 'retry' }, roles)).toBe('escalation');
    expect(routeRequest({ model: 'claude-opus-4-6' }, { purpose: 'repair' }, roles)).toBe('escalation');
    expect(routeRequest({ model: 'claude-opus-4-6' }, { purpose: null }, roles)).toBe('escalation');
    expect(routeRequest({ model: 'something-else' }, { purpose: 'continuation' }, roles)).toBe('generation');
  });

  it('uses the role models when set, and only the purpose when both models are equal', () => {
    const custom = resolveRoles({
      flags: { provider: 'openai', generationModel: 'qwen', escalationModel: 'qwen' },
      env: { OPENAI_BASE_URL: 'http://127.0.0.1:1/v1' },
    });
    expect(routeRequest({ model: 'qwen' }, { purpose: 'repair' }, custom)).toBe('generation');
    expect(routeRequest({ model: 'qwen' }, { purpose: 'retry' }, custom)).toBe('escalation');
  });
});
