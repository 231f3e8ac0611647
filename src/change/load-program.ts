import { readFile } from 'node:fs/promises';
import { CambrianError } from '../errors.js';
import { parseProgram } from './parse-program.js';
import type { Program, ProgramIssue } from './program-schema.js';

/** A program.md that cannot be read or does not validate; every issue is `file:line: message`. */
export class ProgramError extends CambrianError {
  readonly issues: ProgramIssue[];
  constructor(options: { file: string; issues: ProgramIssue[]; code?: string }) {
    const lines = options.issues.map((issue) => `${options.file}:${issue.line}: ${issue.message}`);
    super({
      code: options.code ?? 'E_PROGRAM',
      message: lines.length === 1 ? (lines[0] ?? '') : `${lines.length} problems\n${lines.join('\n')}`,
      hint: 'see docs/program-format.md; `cambrian program check FILE` checks a program without running it',
      data: { file: options.file, issues: options.issues },
      exitCode: options.code === 'E_PROGRAM_NOT_FOUND' ? 2 : 1,
    });
    this.issues = options.issues;
  }
}

/** Reads and validates a program.md; throws a ProgramError naming every problem with its line. */
export async function loadProgram(file: string): Promise<{ program: Program; text: string }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ProgramError({
      file,
      code: 'E_PROGRAM_NOT_FOUND',
      issues: [
        { line: 1, message: `cannot read the program (${(error as NodeJS.ErrnoException).code ?? String(error)})` },
      ],
    });
  }
  const { program, issues } = parseProgram(text);
  if (program === null) throw new ProgramError({ file, issues });
  return { program, text };
}
