/** Base of every error the Prime raises on purpose: a stable code and a message that says what to do. */
export class PrimeError extends Error {
  constructor(readonly code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The gateway answered 402: the run's budget is spent (exit code 3). */
export class BudgetExceededError extends PrimeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_BUDGET', message, options);
  }
}

/** The Supervisor stayed unreachable past the give-up limit (exit code 4). */
export class SupervisorUnreachableError extends PrimeError {
  constructor(message: string) {
    super('E_SUPERVISOR_UNREACHABLE', message);
  }
}

/** The Supervisor answered with a 4xx: the request was understood and refused. `step` is `spawn`, `promote`, … */
export class SupervisorError extends PrimeError {
  constructor(readonly status: number, readonly step: string, message: string) {
    super('E_SUPERVISOR', message);
  }
}

/** An attempt that failed before anything was written: `stage` is `parse` or `llm`. */
export class AttemptError extends PrimeError {
  constructor(readonly stage: string, message: string, options?: { cause?: unknown }) {
    super('E_ATTEMPT', message, options);
  }
}
