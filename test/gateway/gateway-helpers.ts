import { readFileSync } from 'node:fs';
import path from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { findEngineRoot } from '../../src/version.js';

export const ENGINE_ROOT = findEngineRoot();
export const GEN0_DIR = path.join(ENGINE_ROOT, 'generations', 'gen-0');
export const MINIMAL_SPEC_TEXT = readFileSync(path.join(ENGINE_ROOT, 'spec', 'MINIMAL-SPEC-001.md'), 'utf8');

/** A first user message as the Prime sends it (contracts §5): the spec block, then the task. */
export function firstMessage(
  options: { specText?: string; specPath?: string; task?: string } = {},
): Anthropic.MessageParam {
  return {
    role: 'user',
    content: [
      {
        type: 'text',
        text: `<spec path="${options.specPath ?? 'spec/MINIMAL-SPEC-001.md'}">\n${options.specText ?? MINIMAL_SPEC_TEXT}</spec>`,
        cache_control: { type: 'ephemeral' },
      },
      { type: 'text', text: options.task ?? '# Task: generate generation 1\n\nHistory: none' },
    ],
  };
}

export function client(options: { baseURL: string; apiKey: string; generation?: number; purpose?: string }): Anthropic {
  return new Anthropic({
    baseURL: options.baseURL,
    apiKey: options.apiKey,
    maxRetries: 0,
    defaultHeaders: {
      'x-cambrian-generation': String(options.generation ?? 1),
      'x-cambrian-purpose': options.purpose ?? 'fresh',
    },
  });
}
