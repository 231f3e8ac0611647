import type { z } from 'zod';

/**
 * Parses the text of a JSON file the engine keeps (a generation record, a campaign, a run file) and validates it with
 * `schema`. A damaged file throws the caller's own error (its code and hint) with what is wrong: `not JSON (…)`, or
 * the first schema issue as `field a.b: message`.
 */
export function parseStoredJson<T>(options: {
  text: string;
  schema: z.ZodType<T>;
  damaged: (detail: string, cause?: unknown) => Error;
}): T {
  let data: unknown;
  try {
    data = JSON.parse(options.text);
  } catch (error) {
    throw options.damaged(`not JSON (${(error as Error).message})`, error);
  }
  const parsed = options.schema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw options.damaged(`field ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}
