import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { GenerationRecord } from '../artifact/generation-record-schema.js';
import { listArtifactFiles } from '../artifact/list-artifact-files.js';
import { buildLineageTree, type LineageNode } from '../campaign/build-lineage-tree.js';
import type { LineageData } from '../campaign/load-lineage-data.js';
import { type CampaignSummary, summarizeCampaign } from '../campaign/summarize-campaign.js';
import { CambrianError } from '../errors.js';
import { diffGenerations, type FileChange } from '../supervisor/diff-generations.js';

/** Everything the report page shows, embedded in it as JSON; the page renders it with textContent only. */
export interface ReportData {
  generatedAt: string;
  generationsDir: string;
  generations: ReportGeneration[];
  /** Tree layout of the lineage graph: slot x (column) and depth y per generation. */
  layout: Array<{ generation: number; x: number; y: number }>;
  campaigns: Array<{ id: string; spec: string; status: string; length: number; summary: CampaignSummary }>;
  summary: CampaignSummary;
}

export interface ReportGeneration {
  generation: number;
  /** A directed change's record plus its program.md text (null for reproduced generations). */
  directed: (NonNullable<LineageNode['directed']> & { programText: string | null }) | null;
  parent: number | null;
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
  if (data.records.length === 0) {
    throw new CambrianError({
      code: 'E_EMPTY_LINEAGE',
      message: `there are no generations in ${data.paths.root}: nothing to report`,
      hint: 'run `cambrian reproduce` or `cambrian campaign` first, or pass the right --generations DIR',
      exitCode: 2,
    });
  }
  const roots = buildLineageTree({ records: data.records, runs: data.runs, unbilledRuns: data.unbilledRuns });
  const nodes = flatten(roots);
  const byGeneration = new Map(data.records.map((record) => [record.generation, record]));
  const generations: ReportGeneration[] = [];
  for (const node of nodes) {
    const record = byGeneration.get(node.generation);
    generations.push(await describeGeneration({ node, record, generationsDir: data.paths.root, known: byGeneration }));
  }
  return {
    generatedAt: new Date().toISOString(),
    generationsDir: data.paths.root,
    generations,
    layout: layoutTree(roots),
    campaigns: data.campaigns.map((campaign) => ({
      id: campaign.id,
      spec: `${campaign.spec.id}@${campaign.spec.version}`,
      status: campaign.status,
      length: campaign.length,
      summary: summarizeCampaign({
        records: data.records.filter((r) => r.campaign === campaign.id),
        runs: data.runs.filter((run) => run.campaign === campaign.id),
        unbilledRuns: data.unbilledRuns,
      }),
    })),
    summary: summarizeCampaign({ records: data.records, runs: data.runs, unbilledRuns: data.unbilledRuns }),
  };
}

async function describeGeneration(options: {
  node: LineageNode;
  record: GenerationRecord | undefined;
  generationsDir: string;
  known: ReadonlyMap<number, GenerationRecord>;
}): Promise<ReportGeneration> {
  const { node, record } = options;
  const report = record?.viability ?? null;
  const dir = path.join(options.generationsDir, `gen-${node.generation}`);
  const files = await listFiles(dir);
  let diff: ReportGeneration['diff'] = null;
  let diffError: string | null = null;
  if (node.parent !== null) {
    try {
      const result = await diffGenerations({
        generationsDir: options.generationsDir,
        from: node.parent,
        to: node.generation,
      });
      const truncated = result.patch.length > MAX_PATCH_CHARS;
      diff = {
        from: node.parent,
        files: result.files,
        additions: result.additions,
        deletions: result.deletions,
        patch: truncated ? result.patch.slice(0, MAX_PATCH_CHARS) : result.patch,
        truncated,
      };
    } catch (error) {
      diffError = error instanceof Error ? error.message : String(error);
    }
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

/** Leaves take consecutive columns in tree order; a parent sits centred over its children; depth is the row. */
export function layoutTree(roots: readonly LineageNode[]): ReportData['layout'] {
  const out: ReportData['layout'] = [];
  let next = 0;
  const place = (node: LineageNode, depth: number): number => {
    if (node.children.length === 0) {
      const x = next++;
      out.push({ generation: node.generation, x, y: depth });
      return x;
    }
    const xs = node.children.map((child) => place(child, depth + 1));
    const x = ((xs[0] ?? 0) + (xs[xs.length - 1] ?? 0)) / 2;
    out.push({ generation: node.generation, x, y: depth });
    return x;
  };
  for (const root of roots) place(root, 0);
  return out.sort((a, b) => a.generation - b.generation);
}
