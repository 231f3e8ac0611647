import { logToStderr } from './config.js';
import { PrimeError } from './errors.js';
import { startPrime } from './prime.js';

// The process entry. With CAMBRIAN_EXIT_WHEN_DONE=1 it exits with the loop's code; otherwise it stays up, idle.
try {
  const prime = await startPrime({ env: process.env });
  const code = await prime.done;
  if (prime.config.exitWhenDone) {
    await prime.close();
    process.exit(code);
  }
} catch (error) {
  logToStderr('prime.failed', { error: error instanceof PrimeError ? error.message : String(error) });
  process.exit(2);
}
