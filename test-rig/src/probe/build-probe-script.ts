import { randomBytes } from 'node:crypto';
import type { GenerationRecord } from '../../../src/artifact/generation-record-schema.js';
import type { ViabilityReport } from '../../../src/artifact/viability-report-schema.js';
import type { ProbeSpec } from './read-probe-spec.js';

/** One scripted reply: its text, and the files a correct parser gets from it. */
export interface ScriptedReply {
  text: string;
  files: Map<string, string>;
}

/** Everything the probe says to the Prime, fixed up front; the markers are random so nothing can be hard-coded. */
export interface ProbeScript {
  expectedGeneration: number;
  history: GenerationRecord[];
  historySummary: string;
  malformedReply: string;
  /** The path of the block the malformed reply leaves open. */
  unclosedPath: string;
  firstReply: ScriptedReply;
  /** The retry's reply: the complete codebase, or under `retry: edit` an edit of the first reply's files. */
  retryReply: ScriptedReply;
  /** What the retry's folder must hold besides the spec copy: the reply's files, or the first reply's files edited. */
  retryFiles: Map<string, string>;
  /** Under `retry: edit`: the manifest's `kept-files` of the retry; null when the manifest must have none. */
  keptFiles: string[] | null;
  /** Where the retry reply is cut by a `max_tokens` stop: the text before, the continuation after. */
  retryCut: { streamed: string; kept: string; continuation: string };
  failedFile: string;
  /** Under `retry: edit`: the first reply's files the retry carries in full (the failed file, the file it imports). */
  carriedFiles: string[];
  failureSummary: string;
  failureMarker: string;
  nonViableReport(generation: number): ViabilityReport;
  viableReport(generation: number): ViabilityReport;
}

export function buildProbeScript(options: { spec: ProbeSpec; primeGeneration: number }): ProbeScript {
  const { spec, primeGeneration } = options;
  const tag = randomBytes(4).toString('hex');
  const failureMarker = `probe-marker-${tag}`;
  const failureSummary = `1 of 1 tests failed (probe-summary-${tag})`;
  const historySummary = `2 of 5 tests failed: parser drops the last line (probe-history-${tag})`;
  const testName = `answer is 42 (probe-${tag})`;
  const failedFile = 'test/answer.test.ts';
  // A file no genome inherits (its name is random): a genome may inherit package.json, and no reply holds an inherited file.
  const notes = `probe-offspring-${tag}.json`;
  const files = (answer: number): Map<string, string> =>
    new Map([
      [notes, `{\n  "name": "probe-offspring-${tag}",\n  "version": "0.0.1"\n}\n`],
      [
        'src/answer.ts',
        [
          '/* A block marker inside content is content, not a new block:',
          '<file path="decoy.txt">',
          '*/',
          `export const answer = (): number => ${answer};`,
          '',
        ].join('\n'),
      ],
      [
        failedFile,
        [
          "import { expect, test } from 'vitest';",
          "import { answer } from '../src/answer.js';",
          '',
          `test('${testName}', () => {`,
          '  expect(answer()).toBe(42);',
          '});',
          '',
        ].join('\n'),
      ],
    ]);
  const firstFiles = files(41);
  // A file the edit-mode retry deletes.
  const unused = 'src/unused.ts';
  firstFiles.set(unused, `export const unused = 'probe-${tag}';\n`);
  const fixed = files(42);
  fixed.delete(notes);
  fixed.delete(failedFile);
  // An LLM file at the spec copy's path must be overwritten by the real spec.
  const specFile = `# not the spec (probe-${tag})\n`;
  const firstReply = renderReply(firstFiles, 'Here is the complete artifact.');
  const edit = spec.retry === 'edit';
  const retryReply = edit
    ? renderReply(new Map([...fixed, [`spec/${spec.id}.md`, specFile]]), 'Fixed: answer() now returns 42.', [unused])
    : renderReply(new Map([...files(42), [`spec/${spec.id}.md`, specFile]]), 'Fixed: answer() now returns 42.');
  const retryFiles = edit ? new Map([...firstFiles, ...fixed]) : new Map(retryReply.files);
  if (edit) retryFiles.delete(unused);
  retryFiles.delete(`spec/${spec.id}.md`);
  const malformedReply = firstReply.text.slice(0, firstReply.text.indexOf('export const answer'));
  const cutAt = retryReply.text.indexOf('=> 42;');
  const streamed = retryReply.text.slice(0, cutAt);
  const lastNewline = streamed.lastIndexOf('\n');
  const history = buildHistory({ spec, primeGeneration, tag, historySummary });
  return {
    expectedGeneration: primeGeneration + 3,
    history,
    historySummary,
    malformedReply,
    unclosedPath: 'src/answer.ts',
    firstReply,
    retryReply,
    retryFiles,
    keptFiles: edit ? [notes, failedFile] : null,
    retryCut: {
      streamed,
      kept: streamed.slice(0, lastNewline),
      continuation: retryReply.text.slice(lastNewline + 1),
    },
    failedFile,
    carriedFiles: [failedFile, 'src/answer.ts'],
    failureSummary,
    failureMarker,
    nonViableReport: (generation) => ({
      generation,
      status: 'non-viable',
      failure_stage: 'test',
      checks: {
        manifest: { passed: true, duration_ms: 3 },
        build: { passed: true, duration_ms: 900 },
        test: { passed: false, duration_ms: 700, tests_run: 1, tests_passed: 0 },
        start: { passed: false, duration_ms: 0, skipped: true },
        health: { passed: false, duration_ms: 0, skipped: true },
        reproduce: { passed: false, duration_ms: 0, skipped: true },
      },
      fitness: { tests_run: 1, pass_rate: 0 },
      completed_at: new Date().toISOString(),
      diagnostics: {
        stage: 'test',
        summary: failureSummary,
        exit_code: 1,
        failures: [{ test: testName, error: `expected 41 to be 42 // ${failureMarker}`, file: failedFile, line: 5 }],
        stdout_tail: `FAIL ${failedFile} > ${testName}`,
        stderr_tail: '',
      },
    }),
    viableReport: (generation) => ({
      generation,
      status: 'viable',
      failure_stage: null,
      checks: Object.fromEntries(
        ['manifest', 'build', 'test', 'start', 'health', 'reproduce'].map((stage) => [
          stage,
          { passed: true, duration_ms: 5 },
        ]),
      ),
      fitness: { tests_run: 1, pass_rate: 1 },
      completed_at: new Date().toISOString(),
    }),
  };
}

function renderReply(files: Map<string, string>, preamble: string, deletes: string[] = []): ScriptedReply {
  const lines = deletes.map((path) => `<delete path="${path}"/>\n`);
  const blocks = [...files].map(([path, content]) => `<file path="${path}">\n${content}</file:end>\n`);
  return { text: `${preamble}\n\n${lines.join('')}${blocks.join('')}\nThat is all.\n`, files };
}

function buildHistory(options: {
  spec: ProbeSpec;
  primeGeneration: number;
  tag: string;
  historySummary: string;
}): GenerationRecord[] {
  const { spec, primeGeneration, historySummary } = options;
  const base = (generation: number): GenerationRecord => ({
    generation,
    parent: primeGeneration,
    'spec-id': spec.id,
    'spec-version': spec.version,
    'spec-hash': spec.hash,
    'artifact-path': `gen-${generation}`,
    'artifact-hash': `sha256:${'0'.repeat(63)}${generation % 10}`,
    outcome: 'failed',
    'rig-result': null,
    viability: null,
    'producer-model': 'probe-model-a',
    'token-usage': { input: 1000, output: 2000, 'cache-read': 0, 'cache-write': 0 },
    created: '2026-01-01T00:00:00.000Z',
    completed: '2026-01-01T00:05:00.000Z',
    campaign: null,
    run: `probe-${options.tag}`,
    reason: null,
  });
  const failed = base(primeGeneration + 1);
  failed['rig-result'] = 'non-viable';
  failed.viability = {
    generation: failed.generation,
    status: 'non-viable',
    failure_stage: 'test',
    checks: {
      manifest: { passed: true, duration_ms: 3 },
      build: { passed: true, duration_ms: 900 },
      test: { passed: false, duration_ms: 800, tests_run: 5, tests_passed: 3 },
    },
    fitness: {},
    completed_at: '2026-01-01T00:05:00.000Z',
    diagnostics: {
      stage: 'test',
      summary: historySummary,
      exit_code: 1,
      failures: [],
      stdout_tail: historySummary,
      stderr_tail: '',
    },
  };
  const promoted = base(primeGeneration + 2);
  promoted.outcome = 'promoted';
  promoted['rig-result'] = 'viable';
  promoted.viability = {
    generation: promoted.generation,
    status: 'viable',
    failure_stage: null,
    checks: { manifest: { passed: true, duration_ms: 3 } },
    fitness: {},
    completed_at: '2026-01-01T00:05:00.000Z',
  };
  return [failed, promoted];
}
