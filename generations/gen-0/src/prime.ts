import { type Config, type Log, logToStderr, readConfig, type Env } from './config.js';
import { type ExitCode, type LoopState, runLoop } from './loop.js';
import { startServer } from './server.js';

export interface Prime {
  config: Config;
  port: number;
  state: LoopState;
  /** Resolves with the exit code when the generation loop ends. */
  done: Promise<ExitCode>;
  /** Stops the loop and the HTTP server. */
  close(): Promise<void>;
}

/** Starts the HTTP API first (so `/health` answers at once), then the loop; `overrides` lets tests shorten waits. */
export async function startPrime(options: { env: Env; log?: Log; overrides?: Partial<Config> }): Promise<Prime> {
  const config: Config = { ...readConfig(options.env), ...options.overrides };
  const log = options.log ?? logToStderr;
  const state: LoopState = { status: 'idle' };
  const started = Date.now();
  const http = await startServer({
    port: config.port,
    stats: () => ({ generation: config.generation, status: state.status, uptime: Math.floor((Date.now() - started) / 1000) }),
  });
  log('prime.listening', { port: http.port, generation: config.generation });
  const controller = new AbortController();
  const done = runLoop({ config, state, signal: controller.signal, log });
  return {
    config,
    port: http.port,
    state,
    done,
    async close() {
      controller.abort();
      await done;
      await http.close();
    },
  };
}
