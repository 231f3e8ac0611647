import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { type PrimeFlaws, runScriptedPrime } from './scripted-prime.js';
import { PROBE_STEPS, type ProbeResult, startReproduceProbe } from './start-reproduce-probe.js';

const ENTRY = {
  build: 'tsc -p tsconfig.json',
  test: 'vitest run',
  start: 'node dist/src/main.js',
  health: '/health',
  'start-timeout-ms': 5000,
};
const CONTRACTS = [{ type: 'http', name: 'health', method: 'GET', path: '/health', expect: { status: 200 } }];
const SPEC = [
  '---',
  'id: PROBE-TEST-SPEC',
  'version: 1.2.3',
  'title: A spec for the probe tests',
  'kind: prime',
  '---',
  '# Probe test spec — naïve ünïcödé ✓',
  '',
  '## Prompts',
  '',
  '````text',
  '# Task: generate generation N',
  '```entry',
  '{"build": "shown inside an example, not the real entry"}',
  '```',
  '````',
  '',
  '## Entry',
  '',
  '```entry',
  JSON.stringify(ENTRY),
  '```',
  '',
  '## Contracts',
  '',
  '```contracts',
  JSON.stringify(CONTRACTS, null, 2),
  '```',
  '',
].join('\n');

let dir: string;
let specPath: string;
let workspaceDir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'probe-test-'));
  specPath = path.join(dir, 'PROBE-TEST-SPEC.md');
  workspaceDir = path.join(dir, 'workspace');
  await writeFile(specPath, SPEC);
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs the probe against the scripted Prime (with its flaws) and returns the probe's result. */
async function probeScriptedPrime(flaws: PrimeFlaws = {}, stepTimeoutMs = 1500): Promise<ProbeResult> {
  const probe = await startReproduceProbe({
    specPath,
    workspaceDir,
    primeGeneration: 2,
    timeoutMs: 30_000,
    stepTimeoutMs,
  });
  const prime = runScriptedPrime({
    env: probe.env,
    flaws,
    specId: 'PROBE-TEST-SPEC',
    manifestExtras: { 'spec-version': '1.2.3', entry: ENTRY, contracts: CONTRACTS },
  }).catch((error: unknown) => error);
  const result = await probe.result;
  await probe.close();
  await prime;
  return result;
}

function failedStep(result: ProbeResult): { name: string; detail: string } {
  const index = result.steps.findIndex((step) => !step.passed);
  const step = result.steps[index];
  if (step === undefined) throw new Error('no step failed');
  expect(result.steps.slice(index + 1).every((later) => !later.passed)).toBe(true);
  expect(result.passed).toBe(false);
  expect(result.failures[0]?.test).toBe(`reproduce: ${step.name}`);
  return step;
}

describe('startReproduceProbe', () => {
  test('returns the Prime environment the contract lists', async () => {
    const probe = await startReproduceProbe({ specPath, workspaceDir, primeGeneration: 4, timeoutMs: 5000 });
    await probe.close();
    expect(probe.env).toMatchObject({
      CAMBRIAN_SPEC_PATH: specPath,
      CAMBRIAN_WORKSPACE: workspaceDir,
      CAMBRIAN_MODEL: 'probe-model-a',
      CAMBRIAN_ESCALATION_MODEL: 'probe-model-b',
      CAMBRIAN_MAX_GENS: '1',
      CAMBRIAN_MAX_RETRIES: '2',
      CAMBRIAN_POLL_INTERVAL_MS: '100',
      CAMBRIAN_GENERATION: '4',
    });
    expect(probe.env.CAMBRIAN_SUPERVISOR_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(probe.env.ANTHROPIC_BASE_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(probe.env.ANTHROPIC_API_KEY).toMatch(/^probe-[0-9a-f]{48}$/);
    expect(probe.env).not.toHaveProperty('CAMBRIAN_EXIT_WHEN_DONE');
    const result = await probe.result;
    expect(result.steps[0]).toMatchObject({ name: 'history', passed: false });
    expect(result.steps[0]?.detail).toContain('closed while waiting for GET /versions');
  });

  test('passes a Prime that follows the contract, through every step', async () => {
    const result = await probeScriptedPrime();
    expect(result.failures).toEqual([]);
    expect(result.passed).toBe(true);
    expect(result.steps.map((step) => step.name)).toEqual([...PROBE_STEPS]);
    expect(result.steps.every((step) => step.passed)).toBe(true);
    expect(result.steps.find((step) => step.name === 'history')?.detail).toContain('the next generation must be 5');
  });

  test('fails at informed-retry when the genome says retry: edit and the retry carries no failed source', async () => {
    await writeFile(specPath, SPEC.replace('kind: prime\n', 'kind: prime\nretry: edit\n'));
    const step = failedStep(await probeScriptedPrime({}, 800));
    expect(step.name).toBe('informed-retry');
    expect(step.detail).toContain(
      'its first user message is not [spec, <failed-source generation="5"> block, task] (the genome\'s retry: edit): it has 2 text blocks',
    );
  });

  test('fails at informed-retry when the retry: edit source carries every file in full and lists none', async () => {
    await writeFile(specPath, SPEC.replace('kind: prime\n', 'kind: prime\nretry: edit\n'));
    const step = failedStep(await probeScriptedPrime({ wholeFailedSource: true }, 800));
    expect(step.name).toBe('informed-retry');
    // The kept file has a name drawn per probe (package.json is inherited under 0.5.0).
    expect(step.detail).toMatch(
      /its failed source does not list probe-offspring-[0-9a-f]+\.json, src\/unused\.ts as <listed path="…" bytes="…"\/> lines with their sizes/,
    );
    expect(step.detail).toMatch(
      /its failed source carries probe-offspring-[0-9a-f]+\.json, src\/unused\.ts in full, which the diagnostics neither name nor reach by an import/,
    );
    expect(step.detail).not.toContain('lacks');
  });

  test('fails at parse-repair when the Prime never repairs the malformed reply', async () => {
    const step = failedStep(await probeScriptedPrime({ stopOnParseError: true }, 800));
    expect(step).toEqual({
      name: 'parse-repair',
      passed: false,
      detail: 'no parse-repair request within 0.8 s of the malformed reply',
    });
  });

  test('fails at informed-retry when the retry does not escalate', async () => {
    const step = failedStep(await probeScriptedPrime({ retryModel: 'probe-model-a' }));
    expect(step.name).toBe('informed-retry');
    expect(step.detail).toBe('retry request: used model probe-model-a, expected the escalation model probe-model-b');
  });

  test('fails at informed-retry when the retry lacks the failed source', async () => {
    const step = failedStep(await probeScriptedPrime({ omitFailedSource: true }));
    expect(step.name).toBe('informed-retry');
    expect(step.detail).toContain('lacks the failed file test/answer.test.ts as a <file> block');
  });

  test('fails at artifact on a wrong artifact-hash, naming both hashes and the manifest', async () => {
    const result = await probeScriptedPrime({ corruptArtifactHash: true });
    const step = failedStep(result);
    expect(step.name).toBe('artifact');
    expect(step.detail).toMatch(/^manifest artifact-hash sha256:e{64} does not match recomputed sha256:[0-9a-f]{64}$/);
    expect(result.failures[0]?.file).toBe('gen-5/manifest.json');
  });

  test('fails at artifact when the spec copy is missing', async () => {
    const step = failedStep(await probeScriptedPrime({ omitSpecCopy: true }));
    expect(step.name).toBe('artifact');
    expect(step.detail).toContain('no spec copy at gen-5/spec/PROBE-TEST-SPEC.md');
  });

  test('fails at artifact when the manifest entry is not the spec entry', async () => {
    const step = failedStep(await probeScriptedPrime({ alterEntry: true }));
    expect(step.name).toBe('artifact');
    expect(step.detail).toBe('manifest entry.test is "echo ok", expected "vitest run" (the spec\'s ```entry block)');
  });

  test('fails at rollback when the Prime promotes a non-viable generation', async () => {
    const step = failedStep(await probeScriptedPrime({ promoteNonViable: true }));
    expect(step.name).toBe('rollback');
    expect(step.detail).toBe('the Prime promoted generation 5 although the verdict of 5 is non-viable');
  });

  test('fails when the Prime promotes itself before any verdict', async () => {
    const step = failedStep(await probeScriptedPrime({ promoteWithoutVerdict: true }));
    expect(step.name).toBe('poll-non-viable');
    expect(step.detail).toContain('POST /promote {"generation":5} before the rig\'s verdict (self-promotion)');
  });

  test('fails at fresh-request when the Prime ignores the history', async () => {
    const step = failedStep(await probeScriptedPrime({ ignoreHistory: true }));
    expect(step.name).toBe('fresh-request');
    expect(step.detail).toContain('Prime asked for generation 3, expected 5');
  });

  test('names a missing purpose header even when the task line is right', async () => {
    const step = failedStep(await probeScriptedPrime({ omitPurposeHeader: true }));
    expect(step).toMatchObject({
      name: 'fresh-request',
      detail: 'fresh request: no x-cambrian-purpose header (expected "fresh")',
    });
  });

  test('fails at fresh-request when the spec block is not marked for caching', async () => {
    const step = failedStep(await probeScriptedPrime({ noCacheControl: true }));
    expect(step.detail).toBe('fresh request: its spec block has no cache_control {"type":"ephemeral"}');
  });

  test('fails at continuation when the kept text includes the partial line', async () => {
    const step = failedStep(await probeScriptedPrime({ keepPartialLine: true }));
    expect(step.name).toBe('continuation');
    expect(step.detail).toContain('its assistant turn is not the reply up to its last complete line verbatim');
  });
});
