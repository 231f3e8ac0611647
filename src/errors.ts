/**
 * The one error base of the engine. Every failure a user can act on is a subclass with a stable code,
 * structured data and a hint that says what to do. `src/cli/format-error.ts` prints it as one line.
 */
export class CambrianError extends Error {
  readonly code: string;
  readonly data: Record<string, unknown>;
  readonly hint: string | undefined;
  /** Process exit code the CLI uses when this error ends a command: 2 for usage/environment, 1 for a negative result. */
  readonly exitCode: 1 | 2;

  constructor(options: {
    code: string;
    message: string;
    hint?: string;
    data?: Record<string, unknown>;
    cause?: unknown;
    exitCode?: 1 | 2;
  }) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code;
    this.hint = options.hint;
    this.data = options.data ?? {};
    this.exitCode = options.exitCode ?? 2;
  }
}

/** Bad flags or arguments. */
export class UsageError extends CambrianError {
  constructor(message: string, hint?: string) {
    super({ code: 'E_USAGE', message, exitCode: 2, ...(hint === undefined ? {} : { hint }) });
  }
}

/** A spec file that cannot be loaded or does not validate; `file` and `line` point at the problem. */
export class SpecError extends CambrianError {
  readonly file: string;
  readonly line: number | undefined;

  constructor(options: { code: string; file: string; line?: number; message: string; hint: string; cause?: unknown }) {
    const where = options.line === undefined ? options.file : `${options.file}:${options.line}`;
    super({
      code: options.code,
      message: `${where}: ${options.message}`,
      hint: options.hint,
      data: { file: options.file, line: options.line },
      cause: options.cause,
    });
    this.file = options.file;
    this.line = options.line;
  }
}

/** Something the machine lacks (a sandbox, a package store, git) that the user must install or configure. */
export class EnvironmentError extends CambrianError {
  constructor(options: { code: string; message: string; hint: string; cause?: unknown }) {
    super({ ...options, exitCode: 2 });
  }
}
