import { readFileSync } from 'node:fs';
import path from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import type { Backend, StreamEvent } from '../../src/gateway/backend.js';
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

/**
 * A backend that streams `chunks` (or `text` in one delta) as a complete Anthropic reply, reporting `usage`; the
 * smallest real Backend for tests about what the gateway does around a reply rather than about a provider.
 */
export function createTextBackend(options: {
  text?: string;
  chunks?: string[];
  usage?: { input: number; output: number };
}): Backend {
  const chunks = options.chunks ?? [options.text ?? ''];
  const usage = options.usage ?? { input: 3, output: 2 };
  return {
    name: 'text',
    async *stream(request) {
      yield {
        type: 'message_start',
        message: {
          id: 'msg_text',
          type: 'message',
          role: 'assistant',
          model: request.model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { input_tokens: usage.input, output_tokens: 1 },
        },
      } as unknown as StreamEvent;
      yield { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '', citations: null } };
      for (const text of chunks) yield { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } };
      yield { type: 'content_block_stop', index: 0 };
      yield {
        type: 'message_delta',
        delta: { stop_reason: 'end_turn', stop_sequence: null },
        usage: { output_tokens: usage.output },
      } as unknown as StreamEvent;
      yield { type: 'message_stop' };
    },
  };
}
