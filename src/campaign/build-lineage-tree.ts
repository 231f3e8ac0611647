import type { GenerationRecord } from '../artifact/generation-record-schema.js';
import type { RunSummaryFile } from './read-run-summaries.js';
import { generationCost } from './summarize-campaign.js';

/** One generation in the tree `cambrian lineage` prints. gen-0, the shipped reference Prime, has no record. */
export interface LineageNode {
  generation: number;
  parent: number | null;
  outcome: GenerationRecord['outcome'] | 'reference';
  rigResult: GenerationRecord['rig-result'];
  spec: string | null;
  model: string | null;
  tokens: { input: number; output: number; cacheRead: number; cacheWrite: number } | null;
  costUsd: number | null;
  tests: { run: number; passed: number } | null;
  failureStage: string | null;
  summary: string | null;
  campaign: string | null;
  run: string | null;
  created: string | null;
  /** What a directed change recorded (program, guards, review, usage per role); null for reproduced generations. */
  directed: NonNullable<GenerationRecord['directed']> | null;
  children: LineageNode[];
}

export function nodeOf(
  record: GenerationRecord,
  run: RunSummaryFile | undefined,
  unbilledRuns: ReadonlySet<string> | undefined,
): LineageNode {
  const usage = record['token-usage'];
  const test = record.viability?.checks.test;
  return {
    generation: record.generation,
    parent: record.parent,
    outcome: record.outcome,
    rigResult: record['rig-result'],
    spec: `${record['spec-id']}@${record['spec-version']}`,
    model: record['producer-model'],
    tokens:
      usage === null
        ? null
        : {
            input: usage.input,
            output: usage.output,
            cacheRead: usage['cache-read'],
            cacheWrite: usage['cache-write'],
          },
    costUsd: generationCost(record, run, unbilledRuns ?? new Set()),
    tests: test?.tests_run === undefined ? null : { run: test.tests_run, passed: test.tests_passed ?? 0 },
    failureStage: record.directed?.failure_stage ?? record.viability?.failure_stage ?? null,
    summary: record.directed?.failure_stage ? record.reason : (record.viability?.diagnostics?.summary ?? record.reason),
    campaign: record.campaign,
    run: record.run,
    created: record.created,
    directed: record.directed ?? null,
    children: [],
  };
}

/**
 * The generation tree, parent → child, rooted at gen-0 (the reference Prime). A record whose parent is not in the
 * lineage (a damaged or removed record) becomes a root of its own, so nothing is hidden.
 */
export function buildLineageTree(options: {
  records: readonly GenerationRecord[];
  runs: readonly RunSummaryFile[];
  /** Runs that billed nothing (see summarizeCampaign). */
  unbilledRuns?: ReadonlySet<string>;
}): LineageNode[] {
  const runs = new Map(options.runs.map((run) => [run.run, run]));
  const nodes = new Map<number, LineageNode>();
  nodes.set(0, {
    generation: 0,
    parent: null,
    outcome: 'reference',
    rigResult: null,
    spec: null,
    model: null,
    tokens: null,
    costUsd: null,
    tests: null,
    failureStage: null,
    summary: 'the reference Prime (hand-written, ships with cambrian)',
    campaign: null,
    run: null,
    created: null,
    directed: null,
    children: [],
  });
  for (const record of options.records)
    nodes.set(record.generation, nodeOf(record, runs.get(record.run ?? ''), options.unbilledRuns));
  const roots: LineageNode[] = [];
  for (const node of [...nodes.values()].sort((a, b) => a.generation - b.generation)) {
    const parent = node.parent === null ? undefined : nodes.get(node.parent);
    if (parent === undefined || parent === node) roots.push(node);
    else parent.children.push(node);
  }
  return roots;
}

/** The tree as indented lines: `├─ gen-2 promoted MINIMAL-SPEC-001@0.2.0 …`. */
export function renderLineageTree(roots: readonly LineageNode[], describe: (node: LineageNode) => string): string {
  const out: string[] = [];
  const walk = (node: LineageNode, prefix: string, last: boolean, top: boolean): void => {
    out.push(`${top ? '' : `${prefix}${last ? '└─ ' : '├─ '}`}${describe(node)}`);
    const childPrefix = top ? '' : `${prefix}${last ? '   ' : '│  '}`;
    for (const [i, child] of node.children.entries()) walk(child, childPrefix, i === node.children.length - 1, false);
  };
  for (const root of roots) walk(root, '', true, true);
  return `${out.join('\n')}\n`;
}
