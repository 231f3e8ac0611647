import type { IncomingHttpHeaders } from 'node:http';
import { z } from 'zod';

const contentBlockSchema = z.looseObject({ type: z.string(), text: z.string().optional() });
const messageSchema = z.looseObject({
  role: z.enum(['user', 'assistant']),
  content: z.union([z.string(), z.array(contentBlockSchema)]),
});
const requestSchema = z.looseObject({
  model: z.string().min(1),
  max_tokens: z.number().int().positive(),
  messages: z.array(messageSchema).min(1),
  system: z.union([z.string(), z.array(contentBlockSchema)]).optional(),
  stream: z.boolean().optional(),
});

export type TaskKind = 'fresh' | 'retry' | 'repair' | 'continuation';

/** A Messages API request as the probe judges it: texts flattened, the task line read from the last user turn. */
export interface LlmRequest {
  model: string;
  stream: boolean;
  purposeHeader: string | null;
  generationHeader: string | null;
  hasSystem: boolean;
  messages: Array<{ role: 'user' | 'assistant'; text: string; blockCount: number }>;
  /** The first user message's first block, as contracts §5 pins it: `<spec path="…">` … `</spec>` with cache_control. */
  specBlock: { text: string; cached: boolean } | null;
  /** Every text block of the first user message (the spec, an edit-mode retry's failed source, the task). */
  firstBlocks: Array<{ text: string; cached: boolean }>;
  /** The `# Task: …` line of the last user message (without `# Task: `), null when there is none. */
  taskLine: string | null;
  task: { kind: TaskKind; generation: number | null } | null;
  /** The last user message's text: the task of a fresh/retry request, the instruction of a repair/continuation. */
  lastUserText: string;
}

export type ParsedLlmRequest = { ok: true; request: LlmRequest } | { ok: false; error: string };

/** Validates a `POST /v1/messages` body; the error names the field that is wrong. */
export function parseLlmRequest(bodyText: string, headers: IncomingHttpHeaders): ParsedLlmRequest {
  let json: unknown;
  try {
    json = JSON.parse(bodyText);
  } catch (error) {
    return { ok: false, error: `body is not JSON: ${(error as Error).message}` };
  }
  const parsed = requestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, error: `body field ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}` };
  }
  const body = parsed.data;
  const messages = body.messages.map((message) => ({
    role: message.role,
    text: flattenContent(message.content),
    blockCount: typeof message.content === 'string' ? 1 : message.content.length,
  }));
  const lastUser = [...messages].reverse().find((message) => message.role === 'user');
  const lastUserText = lastUser?.text ?? '';
  // The last task line: a fresh or retry message starts with the spec, which may quote the task lines itself.
  const taskLines = [...lastUserText.matchAll(/^# Task: *(.*)$/gm)];
  const taskLine = taskLines.at(-1)?.[1]?.trim() ?? null;
  const firstContent = body.messages[0]?.content;
  const firstBlocks = (Array.isArray(firstContent) ? firstContent : []).map((block) => ({
    text: block.text ?? '',
    cached: isEphemeral((block as Record<string, unknown>).cache_control),
  }));
  const specBlock = firstBlocks[0] ?? null;
  const system = body.system === undefined ? '' : flattenContent(body.system);
  return {
    ok: true,
    request: {
      model: body.model,
      stream: body.stream === true,
      purposeHeader: headerValue(headers['x-cambrian-purpose']),
      generationHeader: headerValue(headers['x-cambrian-generation']),
      hasSystem: system.trim() !== '',
      messages,
      specBlock,
      firstBlocks,
      taskLine,
      task: taskLine === null ? null : classifyTask(taskLine),
      lastUserText,
    },
  };
}

function classifyTask(line: string): LlmRequest['task'] {
  const generation = (pattern: RegExp): number | null => {
    const match = pattern.exec(line);
    return match?.[1] === undefined ? null : Number(match[1]);
  };
  if (/^generate generation\b/i.test(line)) return { kind: 'fresh', generation: generation(/generation (\d+)/i) };
  if (/^informed retry\b/i.test(line)) return { kind: 'retry', generation: generation(/generation (\d+)/i) };
  if (/^repair your reply\b/i.test(line)) return { kind: 'repair', generation: null };
  if (/^continue your reply\b/i.test(line)) return { kind: 'continuation', generation: null };
  return null;
}

function flattenContent(content: string | Array<{ type: string; text?: string | undefined }>): string {
  if (typeof content === 'string') return content;
  return content.map((block) => block.text ?? '').join('\n');
}

function isEphemeral(value: unknown): boolean {
  return typeof value === 'object' && value !== null && (value as Record<string, unknown>).type === 'ephemeral';
}

function headerValue(value: string | string[] | undefined): string | null {
  if (value === undefined) return null;
  return Array.isArray(value) ? (value[0] ?? null) : value;
}
