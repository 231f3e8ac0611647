import { z } from 'zod';

/** The reviewer's answer (stage 2), validated. */
export const reviewAnswerSchema = z.object({
  approved: z.boolean(),
  issues: z.array(z.string()),
  confidence: z.enum(['high', 'medium', 'low']),
  summary: z.string(),
});
export type ReviewAnswer = z.infer<typeof reviewAnswerSchema>;

/** What the lineage keeps of a review: the answer, or why there is none, and whether a repair was needed. */
export const reviewRecordSchema = reviewAnswerSchema.extend({
  /** The answer was malformed twice: `approved` is false and `issues` say why. */
  malformed: z.boolean(),
  repaired: z.boolean(),
  model: z.string(),
});
export type ReviewRecord = z.infer<typeof reviewRecordSchema>;

/** Reads the reviewer's JSON from a reply: a bare object, or one inside a ```json fence. Returns the object or why not. */
export function readReviewAnswer(text: string): { answer: ReviewAnswer } | { error: string } {
  const fenced = /```(?:json)?\s*\n([\s\S]*?)\n```/.exec(text);
  const body = fenced?.[1] ?? text;
  const start = body.indexOf('{');
  const end = body.lastIndexOf('}');
  if (start === -1 || end < start) return { error: 'no JSON object in the answer' };
  let data: unknown;
  try {
    data = JSON.parse(body.slice(start, end + 1));
  } catch (error) {
    return { error: `not valid JSON (${(error as Error).message})` };
  }
  const parsed = reviewAnswerSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { error: `field ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}` };
  }
  return { answer: parsed.data };
}
