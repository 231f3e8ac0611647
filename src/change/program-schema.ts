import { z } from 'zod';

/** The parsed form of a program.md (docs/program-format.md): one small, checkable change. */
export const programSchema = z.object({
  title: z.string().min(1).max(120),
  objective: z.string().min(1),
  /** The spec id the change is for (`## Spec`), or null: the parent's. */
  spec: z.string().nullable(),
  /** Where to look or change (`## Files`), relative paths. */
  files: z.array(z.string()),
  acceptance: z.array(z.string()).min(1),
  constraints: z.array(z.string()),
  /** sha256 of the file's exact bytes. */
  hash: z.string(),
});
export type Program = z.infer<typeof programSchema>;

/** One problem of a program.md, at a 1-based line. */
export interface ProgramIssue {
  line: number;
  message: string;
}
