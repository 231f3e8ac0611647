import type { Backend } from '../gateway/backend.js';
import { collectMessage } from '../gateway/collect-message.js';
import type { EvolveRoleName } from '../gateway/roles.js';

/** One engine-side request of `mutate` or `screen` (no Prime, no gateway: the engine is the trusted caller). */
export async function callEvolveRole(options: {
  backend: Backend;
  role: EvolveRoleName;
  model: string;
  system: string;
  task: string;
  maxTokens: number;
  signal?: AbortSignal;
}): Promise<{ text: string; tokens: number }> {
  const request = {
    model: options.model,
    max_tokens: options.maxTokens,
    system: options.system,
    messages: [{ role: 'user' as const, content: options.task }],
    stream: true as const,
  };
  const events = [];
  const context = { generation: null, purpose: options.role, signal: options.signal ?? new AbortController().signal };
  for await (const event of options.backend.stream(request, context)) events.push(event);
  const message = collectMessage(events);
  const usage = message.usage;
  const tokens =
    (usage.input_tokens ?? 0) +
    (usage.output_tokens ?? 0) +
    (usage.cache_read_input_tokens ?? 0) +
    (usage.cache_creation_input_tokens ?? 0);
  const text = message.content.map((block) => (block.type === 'text' ? block.text : '')).join('');
  return { text, tokens };
}
