/**
 * The live stages, run inside the sandbox in one process tree: for Prime specs start the reproduce probe (it plays
 * Supervisor and LLM on loopback), start the artifact, wait for its port, run the contracts and the trusted spec's
 * vectors, await the probe's verdict, print one `CAMBRIAN-LIVE-RESULT <json>` line, kill everything.
 * Usage: node run-live-stages.js <input.json>
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import { OutputTail } from '../../src/rig/sandbox/output-tail.js';
import { checkHttpVectors } from './check-http-vectors.js';
import {
  LIVE_RESULT_MARKER,
  type LiveFailure,
  type LiveStageCheck,
  type LiveStageInput,
  type LiveStageOutput,
} from './live-stage-types.js';

interface ProbeHandle {
  env: Record<string, string>;
  result: Promise<{ passed: boolean; duration_ms: number; steps: unknown[]; failures: LiveFailure[] }>;
  close(): Promise<void>;
}
type StartProbe = (options: {
  specPath: string;
  workspaceDir: string;
  primeGeneration: number;
  timeoutMs: number;
}) => Promise<ProbeHandle>;

const SKIPPED: LiveStageCheck = { passed: false, duration_ms: 0, skipped: true };

async function loadProbe(): Promise<StartProbe | string> {
  try {
    const mod = (await import('./probe/start-reproduce-probe.js')) as { startReproduceProbe?: StartProbe };
    return mod.startReproduceProbe ?? 'test-rig/src/probe/start-reproduce-probe.ts does not export startReproduceProbe';
  } catch (error) {
    return `the reproduce probe is missing or broken (test-rig/src/probe/start-reproduce-probe.ts): ${(error as Error).message.split('\n')[0]}`;
  }
}

function portIsBound(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function killGroup(child: ChildProcess): void {
  const pid = child.pid ?? 0;
  for (const target of pid > 1 ? [-pid, pid] : []) {
    try {
      process.kill(target, 'SIGKILL');
    } catch {
      // gone
    }
  }
}

async function main(): Promise<LiveStageOutput> {
  const input = JSON.parse(await readFile(process.argv[2] ?? '', 'utf8')) as LiveStageInput;
  const isPrime = input.kind === 'prime';
  const stdout = new OutputTail(8192);
  const stderr = new OutputTail(8192);
  const output = (
    checks: LiveStageOutput['checks'],
    stage: 'start' | 'health' | 'reproduce',
    summary: string,
    failures: LiveFailure[],
    exitCode: number | null,
  ): LiveStageOutput => ({
    checks,
    failure: { stage, summary, exit_code: exitCode, failures, stdout_tail: stdout.text(), stderr_tail: stderr.text() },
  });

  let probe: ProbeHandle | null = null;
  let probeProblem: string | null = null;
  if (isPrime) {
    const startProbe = await loadProbe();
    if (typeof startProbe === 'string') probeProblem = startProbe;
    else {
      try {
        probe = await startProbe({
          specPath: input.specPath,
          workspaceDir: input.workspaceDir,
          primeGeneration: input.generation,
          timeoutMs: input.reproduceTimeoutMs,
        });
      } catch (error) {
        probeProblem = `the reproduce probe could not start: ${(error as Error).message}`;
      }
    }
  }

  const startedAt = Date.now();
  const child = spawn('sh', ['-c', input.startCommand], {
    // The rig's environment minus what only the test command needs (docs/contracts.md §1).
    env: {
      ...Object.fromEntries(Object.entries(process.env).filter(([key]) => key !== 'CAMBRIAN_JUNIT_PATH')),
      ...probe?.env,
      CAMBRIAN_PORT: String(input.port),
      CAMBRIAN_GENERATION: String(input.generation),
    },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
  let exit: { code: number | null; signal: string | null } | null = null;
  child.once('exit', (code, signal) => {
    exit = { code, signal };
  });
  child.once('error', (error) => {
    stderr.push(Buffer.from(`cannot run the start command: ${error.message}\n`));
    exit = { code: 127, signal: null };
  });

  try {
    // start: the port must be bound within the spec's limit, by a process that is still alive.
    let bound = false;
    const startDeadline = startedAt + input.startTimeoutMs;
    while (!bound && exit === null && Date.now() < startDeadline) {
      bound = await portIsBound(input.port);
      if (!bound) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const startCheck: LiveStageCheck = { passed: bound && exit === null, duration_ms: Date.now() - startedAt };
    const rest = isPrime ? { health: SKIPPED, reproduce: SKIPPED } : { health: SKIPPED };
    if (!startCheck.passed) {
      const ended = exit as { code: number | null; signal: string | null } | null;
      const summary =
        ended !== null
          ? `the start command exited (${ended.signal ?? `code ${ended.code}`}) ${bound ? 'right after binding' : 'before binding'} port ${input.port}`
          : `nothing listened on 127.0.0.1:${input.port} within ${input.startTimeoutMs} ms (start-timeout-ms)`;
      return output({ start: startCheck, ...rest }, 'start', summary, [], ended?.code ?? null);
    }

    // health: the entry's health path, the manifest's contracts, the trusted spec's vectors.
    const healthStarted = Date.now();
    const deadline = healthStarted + input.healthTimeoutMs;
    const baseUrl = `http://127.0.0.1:${input.port}`;
    const failures: LiveFailure[] = [];
    try {
      const response = await fetch(new URL(input.healthPath, baseUrl), { signal: AbortSignal.timeout(10_000) });
      if (response.status < 200 || response.status > 299) {
        failures.push({
          test: `health ${input.healthPath}`,
          error: `expected a 2xx status, got ${response.status}`,
          file: null,
          line: null,
        });
      }
      await response.arrayBuffer();
    } catch (error) {
      failures.push({
        test: `health ${input.healthPath}`,
        error: `no answer: ${(error as Error).message}`,
        file: null,
        line: null,
      });
    }
    const contracts = await checkHttpVectors({ vectors: input.contracts, kind: 'contract', baseUrl, deadline });
    const vectors = await checkHttpVectors({ vectors: input.vectors, kind: 'vector', baseUrl, deadline });
    failures.push(...contracts.failures, ...vectors.failures);
    if (exit !== null) {
      failures.push({ test: 'process', error: 'the artifact exited during the health checks', file: null, line: null });
    }
    const health: LiveStageCheck = {
      passed: failures.length === 0,
      duration_ms: Date.now() - healthStarted,
      contracts_run: contracts.ran,
      vectors_run: vectors.ran,
      failed: failures.length,
    };
    if (!health.passed) {
      const summary = `${failures.length} of ${contracts.ran + vectors.ran + 1} health checks failed: ${failures[0]?.test}: ${failures[0]?.error}`;
      return output(
        { start: startCheck, health, ...(isPrime ? { reproduce: SKIPPED } : {}) },
        'health',
        summary,
        failures,
        null,
      );
    }
    if (!isPrime) return { checks: { start: startCheck, health }, failure: null };

    // reproduce: the probe drives the running Prime through one scripted generation.
    const reproduceStarted = Date.now();
    if (probe === null) {
      const reproduce: LiveStageCheck = { passed: false, duration_ms: 0 };
      const summary = probeProblem ?? 'the reproduce probe did not start';
      return output({ start: startCheck, health, reproduce }, 'reproduce', summary, [], null);
    }
    let timer: NodeJS.Timeout | undefined;
    const verdict = await Promise.race([
      probe.result,
      new Promise<null>((resolve) => {
        timer = setTimeout(() => resolve(null), input.reproduceTimeoutMs);
      }),
    ]).catch((error: unknown) => ({
      passed: false,
      duration_ms: Date.now() - reproduceStarted,
      steps: [],
      failures: [{ test: 'reproduce probe', error: (error as Error).message, file: null, line: null }],
    }));
    clearTimeout(timer);
    if (verdict === null) {
      const reproduce: LiveStageCheck = { passed: false, duration_ms: Date.now() - reproduceStarted };
      const summary = `the reproduce probe gave no verdict within ${input.reproduceTimeoutMs} ms`;
      return output({ start: startCheck, health, reproduce }, 'reproduce', summary, [], null);
    }
    const reproduce: LiveStageCheck = {
      passed: verdict.passed,
      duration_ms: verdict.duration_ms,
      steps: verdict.steps,
    };
    if (verdict.passed) return { checks: { start: startCheck, health, reproduce }, failure: null };
    const first = verdict.failures[0];
    const summary = first === undefined ? 'the reproduce probe failed' : `${first.test}: ${first.error}`;
    return output({ start: startCheck, health, reproduce }, 'reproduce', summary, verdict.failures, null);
  } finally {
    killGroup(child);
    await probe?.close().catch(() => undefined);
  }
}

const result = await main().catch(
  (error: unknown): LiveStageOutput => ({
    checks: { start: { passed: false, duration_ms: 0 }, health: SKIPPED },
    failure: {
      stage: 'start',
      summary: `the live stage runner failed: ${(error as Error).message}`,
      exit_code: null,
      failures: [],
      stdout_tail: '',
      stderr_tail: (error as Error).stack ?? '',
    },
  }),
);
process.stdout.write(`\n${LIVE_RESULT_MARKER}${JSON.stringify(result)}\n`);
process.exit(0);
