import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { GenerationRecord } from '../artifact/generation-record-schema.js';
import { listArtifactFiles } from '../artifact/list-artifact-files.js';
import { buildLineageTree, type LineageNode } from '../campaign/build-lineage-tree.js';
import type { LineageData } from '../campaign/load-lineage-data.js';
import type { RunSummaryFile } from '../campaign/read-run-summaries.js';
import { type CampaignSummary, isInformedRetry } from '../campaign/summarize-campaign.js';
import { type CampaignListing, summarizeCampaigns, summarizeLineage } from '../campaign/summarize-campaigns.js';
import { CambrianError } from '../errors.js';
import { diffGenerationPairs } from '../supervisor/diff-generation-pairs.js';
import type { FileChange, GenerationDiff } from '../supervisor/diff-generations.js';
import { describeEvolveRuns, type ReportEvolveRun } from './describe-evolve-runs.js';
import { describeSpecVersions, type ReportSpecVersion } from './describe-spec-versions.js';

/** Everything the report page shows, embedded in it as JSON; the page renders it with textContent only. */
export interface ReportData {
  generatedAt: string;
  generationsDir: string;
  generations: ReportGeneration[];
  /** As `cambrian stats` lists them (the page shows id, spec, status, length and the summary). */
  campaigns: CampaignListing[];
  summary: CampaignSummary;
  specVersions: ReportSpecVersion[];
  /** The lineage's `cambrian evolve` runs (oldest first): archive grid and each version's ancestry. */
  evolveRuns: ReportEvolveRun[];
}

/** How a generation came from its parent: the kind of the edge the graph draws to it. */
export type EdgeKind = 'reproduction' | 'retry' | 'directed' | 'evolved';

export interface ReportGeneration {
  generation: number;
  /** A directed change's record plus its program.md text (null for reproduced generations). */
  directed: (NonNullable<LineageNode['directed']> & { programText: string | null }) | null;
  parent: number | null;
  /** directed > evolved (its spec version differs from its parent's) > retry (informed by a failure) > reproduction. */
  edge: EdgeKind;
  /** Which role wrote it: the Prime's generation model, its escalation model (informed retries), or a directed change. */
  role: 'generation' | 'escalation' | 'change' | null;
  /** The provider of that role, from the run summary; null when unknown. */
  provider: string | null;
  outcome: string;
  rigResult: string | null;
  spec: { id: string; version: string; hash: string } | null;
  model: string | null;
  tokens: { input: number; output: number; cacheRead: number; cacheWrite: number } | null;
  costUsd: number | null;
  campaign: string | null;
  run: string | null;
  created: string | null;
  completed: string | null;
  reason: string | null;
  stages: Array<{
    name: string;
    passed: boolean;
    skipped: boolean;
    durationMs: number;
    testsRun: number | null;
    testsPassed: number | null;
  }>;
  failureStage: string | null;
  diagnostics: {
    stage: string;
    summary: string;
    exitCode: number | null;
    failures: Array<{ test: string; error: string; file: string | null; line: number | null }>;
    stdoutTail: string;
    stderrTail: string;
  } | null;
  files: Array<{ path: string; bytes: number }>;
  diff: {
    from: number;
    files: FileChange[];
    additions: number;
    deletions: number;
    patch: string;
    truncated: boolean;
  } | null;
  /** Why there is no diff (parent missing, git error), or null. */
  diffError: string | null;
}

/** Per-generation cap on the embedded unified diff, so a huge artifact cannot make the page unusable. */
const MAX_PATCH_CHARS = 200_000;

// ANSI escape sequences (colours in test runner output): shown as text they are noise.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching the ESC character is the point
const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]/g;

/** Collects the report's data: records, runs, campaigns, the files of each artifact and its diff against its parent. */
export async function buildReportData(data: LineageData): Promise<ReportData> {
  // An evolve run in simulation makes no generation: its archive and ancestry are still worth a report.
  const evolveRuns = await describeEvolveRuns(data.paths);
  if (data.records.length === 0 && evolveRuns.length === 0) {
    throw new CambrianError({
      code: 'E_EMPTY_LINEAGE',
      message: `there are no generations in ${data.paths.root}: nothing to report`,
      hint: 'run `cambrian reproduce`, `cambrian campaign` or `cambrian evolve` first, or pass the right --generations DIR',
      exitCode: 2,
    });
  }
  const roots = buildLineageTree({ records: data.records, runs: data.runs, unbilledRuns: data.unbilledRuns });
  const nodes = flatten(roots);
  const byGeneration = new Map(data.records.map((record) => [record.generation, record]));
  const runs = new Map(data.runs.map((run) => [run.run, run]));
  // Every generation's diff against its parent from a fixed number of git processes, however long the lineage.
  const withParent = nodes.filter((node) => node.parent !== null);
  const pairDiffs = await diffGenerationPairs({
    generationsDir: data.paths.root,
    pairs: withParent.map((node) => ({ from: node.parent as number, to: node.generation })),
  });
  const diffs = new Map(withParent.map((node, i) => [node.generation, pairDiffs[i]]));
  // Listing each artifact's files reads the disk: a few at a time.
  const generations = await mapWithConcurrency(nodes, LIST_CONCURRENCY, (node) => {
    const record = byGeneration.get(node.generation);
    return describeGeneration({
      node,
      record,
      parentDiff: diffs.get(node.generation),
      generationsDir: data.paths.root,
      known: byGeneration,
      lineage: { records: data.records, run: runs.get(record?.run ?? '') },
    });
  });
  return {
    generatedAt: new Date().toISOString(),
    generationsDir: data.paths.root,
    generations,
    campaigns: summarizeCampaigns(data),
    summary: summarizeLineage(data),
    specVersions: withIntervals(await describeSpecVersions(data), evolveRuns),
    evolveRuns,
  };
}

/** Each spec version's viability interval from the latest evolve run that evaluated it. */
function withIntervals(versions: ReportSpecVersion[], runs: readonly ReportEvolveRun[]): ReportSpecVersion[] {
  return versions.map((v) => {
    for (const run of [...runs].reverse()) {
      if (run.spec.split('@')[0] !== v.id) continue;
      const viability = run.versions.find((e) => e.version === v.version)?.viability;
      if (viability !== undefined && viability !== null) {
        const { viable, attempts, low, high } = viability;
        return { ...v, intervals: { run: run.id, viable, attempts, low, high } };
      }
    }
    return v;
  });
}

const LIST_CONCURRENCY = 4;

async function mapWithConcurrency<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** The edge kind, role and provider of a generation (see ReportGeneration). */
function describeOrigin(options: {
  record: GenerationRecord | undefined;
  known: ReadonlyMap<number, GenerationRecord>;
  records: readonly GenerationRecord[];
  run: RunSummaryFile | undefined;
}): Pick<ReportGeneration, 'edge' | 'role' | 'provider'> {
  const { record, run } = options;
  if (record === undefined) return { edge: 'reproduction', role: null, provider: null };
  if (record.directed !== undefined) return { edge: 'directed', role: 'change', provider: null };
  const retry = isInformedRetry(record, options.records, new Map(run === undefined ? [] : [[run.run, run]]));
  const role = retry ? 'escalation' : 'generation';
  const parent = options.known.get(record.parent ?? -1);
  const evolved =
    parent !== undefined &&
    (parent['spec-id'] !== record['spec-id'] || parent['spec-version'] !== record['spec-version']);
  const providers = (run as { provider?: Record<string, unknown> } | undefined)?.provider;
  const provider = providers?.[role];
  return {
    edge: evolved ? 'evolved' : retry ? 'retry' : 'reproduction',
    role,
    provider: typeof provider === 'string' ? provider : null,
  };
}

async function describeGeneration(options: {
  node: LineageNode;
  record: GenerationRecord | undefined;
  /** Its diff against its parent (or why there is none); undefined for a root. */
  parentDiff: GenerationDiff | Error | undefined;
  generationsDir: string;
  known: ReadonlyMap<number, GenerationRecord>;
  lineage: { records: readonly GenerationRecord[]; run: RunSummaryFile | undefined };
}): Promise<ReportGeneration> {
  const { node, record } = options;
  const report = record?.viability ?? null;
  const dir = path.join(options.generationsDir, `gen-${node.generation}`);
  const files = await listFiles(dir);
  let diff: ReportGeneration['diff'] = null;
  let diffError: string | null = null;
  const result = options.parentDiff;
  if (result instanceof Error) diffError = result.message;
  else if (result !== undefined && node.parent !== null) {
    const truncated = result.patch.length > MAX_PATCH_CHARS;
    diff = {
      from: node.parent,
      files: result.files,
      additions: result.additions,
      deletions: result.deletions,
      patch: truncated ? result.patch.slice(0, MAX_PATCH_CHARS) : result.patch,
      truncated,
    };
  }
  return {
    generation: node.generation,
    directed:
      node.directed === null
        ? null
        : {
            ...node.directed,
            programText: await readFile(path.join(options.generationsDir, node.directed.program.file), 'utf8').catch(
              () => null,
            ),
          },
    parent: node.parent,
    ...describeOrigin({ record, known: options.known, records: options.lineage.records, run: options.lineage.run }),
    outcome: node.outcome,
    rigResult: node.rigResult,
    spec:
      record === undefined
        ? null
        : { id: record['spec-id'], version: record['spec-version'], hash: record['spec-hash'] },
    model: node.model,
    tokens: node.tokens,
    costUsd: node.costUsd,
    campaign: node.campaign,
    run: node.run,
    created: record?.created ?? null,
    completed: record?.completed ?? null,
    reason: record?.reason ?? null,
    stages:
      report === null
        ? []
        : Object.entries(report.checks).map(([name, check]) => ({
            name,
            passed: check.passed,
            skipped: check.skipped === true,
            durationMs: check.duration_ms,
            testsRun: check.tests_run ?? null,
            testsPassed: check.tests_passed ?? null,
          })),
    failureStage: report?.failure_stage ?? null,
    diagnostics:
      report?.diagnostics === undefined || report === null
        ? null
        : {
            stage: report.diagnostics.stage,
            summary: report.diagnostics.summary,
            exitCode: report.diagnostics.exit_code,
            failures: report.diagnostics.failures,
            stdoutTail: report.diagnostics.stdout_tail.replace(ANSI, ''),
            stderrTail: report.diagnostics.stderr_tail.replace(ANSI, ''),
          },
    files,
    diff,
    diffError,
  };
}

async function listFiles(dir: string): Promise<Array<{ path: string; bytes: number }>> {
  try {
    const names = await listArtifactFiles(dir);
    return await Promise.all(
      names.map(async (name) => ({ path: name, bytes: (await stat(path.join(dir, name))).size })),
    );
  } catch {
    return [];
  }
}

function flatten(roots: readonly LineageNode[]): LineageNode[] {
  const out: LineageNode[] = [];
  const walk = (node: LineageNode): void => {
    out.push(node);
    node.children.forEach(walk);
  };
  roots.forEach(walk);
  return out.sort((a, b) => a.generation - b.generation);
}
