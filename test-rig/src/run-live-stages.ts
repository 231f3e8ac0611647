/**
 * The live stages' judge, in a sandbox of its own: it never runs or sees the artifact's processes. For Prime specs it
 * starts the reproduce probe (Supervisor and LLM on loopback) and exposes it as unix sockets; it prints
 * `CAMBRIAN-LIVE-READY <json>` (the host then starts the artifact in another sandbox with that environment), waits for
 * the artifact's exposed socket (start), runs the contracts and the trusted spec's vectors through it (health), awaits
 * the probe's verdict (reproduce), and prints one `CAMBRIAN-LIVE-RESULT <json>` line. Only the host reads its stdout.
 * Usage: node run-live-stages.js <input.json>
 */
import { existsSync, lstatSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { checkHttpVectors } from './check-http-vectors.js';
import { exposeProbe } from './expose-probe.js';
import {
  LIVE_BOUND_MARKER,
  LIVE_READY_MARKER,
  LIVE_RESULT_MARKER,
  type LiveFailure,
  type LiveStageCheck,
  type LiveStageInput,
  type LiveStageOutput,
} from './live-stage-types.js';
import { forwardPort, isSocketFile, STARTED_FILE } from './loopback-bridge.js';

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

const PLANTED = '; a symlink or file the artifact put there sits where its socket belongs (the rig follows no link)';

/** How long the artifact's sandbox may take to start its command before start's own clock runs anyway. */
const ARTIFACT_LAUNCH_MS = 10_000;

async function waitForFile(file: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(file) && !isLink(file)) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return true;
}

function isLink(file: string): boolean {
  try {
    return lstatSync(file).isSymbolicLink();
  } catch {
    return false;
  }
}

/** The artifact's socket exists (only once its port accepted), is a socket and not a planted link, and accepts. */
function socketAccepts(socketPath: string): Promise<boolean> {
  if (!isSocketFile(socketPath)) return Promise.resolve(false);
  return new Promise((resolve) => {
    const socket = net.connect(socketPath);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function main(): Promise<LiveStageOutput> {
  const input = JSON.parse(await readFile(process.argv[2] ?? '', 'utf8')) as LiveStageInput;
  const isPrime = input.kind === 'prime';
  const output = (
    checks: LiveStageOutput['checks'],
    stage: 'start' | 'health' | 'reproduce',
    summary: string,
    failures: LiveFailure[],
  ): LiveStageOutput => ({ checks, failure: { stage, summary, exit_code: null, failures } });

  let probe: ProbeHandle | null = null;
  let probeProblem: string | null = null;
  let closeProbeSockets = async (): Promise<void> => {};
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
        closeProbeSockets = await exposeProbe({ env: probe.env, socketDir: input.probeSocketDir });
      } catch (error) {
        probeProblem = `the reproduce probe could not start: ${(error as Error).message}`;
      }
    }
  }
  // The checks reach the artifact only through its exposed socket, on a port of this sandbox's own loopback.
  const checker = await forwardPort({ port: 0, socketPath: input.artifactSocket });
  process.stdout.write(`\n${LIVE_READY_MARKER}${JSON.stringify({ env: probe?.env ?? {} })}\n`);

  try {
    // start: the artifact's port must accept within the spec's limit (its sandbox creates the socket only then).
    // The clock starts when the artifact's command does (its sandbox's forwarder marks that); a sandbox that never
    // comes up fails start after the same limit plus ARTIFACT_LAUNCH_MS.
    const launched = await waitForFile(path.join(path.dirname(input.artifactSocket), STARTED_FILE), ARTIFACT_LAUNCH_MS);
    const startedAt = Date.now();
    let bound = false;
    while (launched && !bound && Date.now() < startedAt + input.startTimeoutMs) {
      bound = await socketAccepts(input.artifactSocket);
      if (!bound) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const startCheck: LiveStageCheck = { passed: bound, duration_ms: Date.now() - startedAt };
    const rest = isPrime ? { health: SKIPPED, reproduce: SKIPPED } : { health: SKIPPED };
    if (!launched) {
      const summary = `the artifact's sandbox did not start its command within ${ARTIFACT_LAUNCH_MS} ms`;
      return output({ start: startCheck, ...rest }, 'start', summary, []);
    }
    if (!bound) {
      const planted = existsSync(input.artifactSocket) || isLink(input.artifactSocket);
      const summary = `nothing listened on 127.0.0.1:${input.port} within ${input.startTimeoutMs} ms (start-timeout-ms)${planted ? PLANTED : ''}`;
      return output({ start: startCheck, ...rest }, 'start', summary, []);
    }
    process.stdout.write(`\n${LIVE_BOUND_MARKER}\n`);

    // health: the entry's health path, the manifest's contracts, the trusted spec's vectors.
    const healthStarted = Date.now();
    const deadline = healthStarted + input.healthTimeoutMs;
    const baseUrl = `http://127.0.0.1:${(checker.address() as net.AddressInfo).port}`;
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
      );
    }
    if (!isPrime) return { checks: { start: startCheck, health }, failure: null };

    // reproduce: the probe drives the running Prime through one scripted generation.
    const reproduceStarted = Date.now();
    if (probe === null) {
      const reproduce: LiveStageCheck = { passed: false, duration_ms: 0 };
      const summary = probeProblem ?? 'the reproduce probe did not start';
      return output({ start: startCheck, health, reproduce }, 'reproduce', summary, []);
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
      return output({ start: startCheck, health, reproduce }, 'reproduce', summary, []);
    }
    const reproduce: LiveStageCheck = {
      passed: verdict.passed,
      duration_ms: verdict.duration_ms,
      steps: verdict.steps,
    };
    if (verdict.passed) return { checks: { start: startCheck, health, reproduce }, failure: null };
    const first = verdict.failures[0];
    const summary = first === undefined ? 'the reproduce probe failed' : `${first.test}: ${first.error}`;
    return output({ start: startCheck, health, reproduce }, 'reproduce', summary, verdict.failures);
  } finally {
    checker.close();
    await probe?.close().catch(() => undefined);
    await closeProbeSockets();
  }
}

const result = await main().catch(
  (error: unknown): LiveStageOutput => ({
    checks: { start: { passed: false, duration_ms: 0 }, health: SKIPPED },
    failure: {
      stage: 'start',
      summary: `the live stage runner failed: ${(error as Error).message}`,
      exit_code: null,
      failures: [{ test: 'live stage runner', error: (error as Error).stack ?? '', file: null, line: null }],
    },
  }),
);
process.stdout.write(`\n${LIVE_RESULT_MARKER}${JSON.stringify(result)}\n`);
process.exit(0);
