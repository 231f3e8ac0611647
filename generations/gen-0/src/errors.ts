/** Base of every error the Prime raises on purpose: a stable code and a message that says what to do. */
export class PrimeError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The gateway answered 402: the run's budget is spent. The loop stops cleanly (exit code 3). */
export class BudgetExceededError extends PrimeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_BUDGET', message, options);
  }
}

/** The Supervisor stayed unreachable (connection refused, 5xx) past the give-up limit (exit code 4). */
export class SupervisorUnreachableError extends PrimeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_SUPERVISOR_UNREACHABLE', message, options);
  }
}

/** The Supervisor answered with a 4xx: the request was understood and refused. `step` is `spawn`, `promote`, … */
export class SupervisorError extends PrimeError {
  readonly status: number;
  readonly step: string;

  constructor(status: number, step: string, message: string) {
    super('E_SUPERVISOR', message);
    this.status = status;
    this.step = step;
  }
}

/**
 * An attempt that ended before anything was spawned: the reply stayed unparseable after every repair, or the LLM
 * kept failing. It counts as a failed attempt; `stage` is `parse` or `llm`.
 */
export class AttemptError extends PrimeError {
  readonly stage: string;

  constructor(stage: string, message: string, options?: { cause?: unknown }) {
    super('E_ATTEMPT', message, options);
    this.stage = stage;
  }
}
