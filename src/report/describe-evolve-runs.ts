import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { buildArchive, type Descriptor } from '../evolve/build-archive.js';
import { type EvolveEntry, readLog } from '../evolve/evolve-log.js';
import type { LineagePaths } from '../supervisor/lineage-paths.js';
import { describeEvolveVersions, type ReportEvolveVersion } from './describe-evolve-versions.js';

/** One evolve run as the report draws it: its MAP-Elites grid and every version's step, from its log alone. */
export interface ReportEvolveRun {
  id: string;
  /** The starting spec (`ID@version`), the mode, and how the run ended (null while it runs or after a kill). */
  spec: string;
  mode: string;
  head: string;
  ended: string | null;
  /** Evaluations as `--campaigns` counts them (the head's, then one per mutant), and the batches they ran in. */
  campaigns: number;
  batches: number;
  /** Why the run could not be read (a damaged log); the rest is then empty. */
  error: string | null;
  axes: { viability: string[]; cost: Descriptor['cost'][]; stages: string[] };
  /** Occupied cells only: the grid's other cells are empty. `elite` is the version the archive keeps there. */
  cells: Array<{ cell: string; viability: number; cost: string; stage: string; elite: string; members: string[] }>;
  versions: ReportEvolveVersion[];
  /** The meta-monitor's decisions, as logged. */
  monitor: Array<{ step: number; rule: string; action: string }>;
}

/** The runs a report shows, newest last: an old project can hold many, and each is small, but the page is not. */
export const MAX_EVOLVE_RUNS = 20;
const VIABILITY_LABELS = ['0–25 %', '25–50 %', '50–75 %', '75–100 %'];
const COSTS: Descriptor['cost'][] = ['cheaper', 'same', 'dearer'];
/** Stage columns in the order a generation meets them; `none` (no failures) first. */
const STAGE_ORDER = ['none', 'manifest', 'build', 'test', 'start', 'health', 'reproduce'];

/** Where `cambrian evolve` keeps its runs: `<generations>/.cambrian/evolve/<id>/log.jsonl`. */
export function evolveRunsDir(paths: LineagePaths): string {
  return path.join(paths.state, 'evolve');
}

/** Every evolve run of the lineage (none is fine: the report then says so), the latest `MAX_EVOLVE_RUNS`. */
export async function describeEvolveRuns(paths: LineagePaths): Promise<ReportEvolveRun[]> {
  const root = evolveRunsDir(paths);
  const ids = (await readdir(root).catch(() => [] as string[])).sort().slice(-MAX_EVOLVE_RUNS);
  const runs: ReportEvolveRun[] = [];
  for (const id of ids) {
    const entries = await readLog(path.join(root, id, 'log.jsonl')).catch((error: unknown) => error as Error);
    if (entries instanceof Error) {
      // A folder without a log is not a run; a damaged log is shown as such, not hidden.
      if ((entries as NodeJS.ErrnoException).code !== 'ENOENT') runs.push(unreadable(id, entries.message));
      continue;
    }
    runs.push(describeEvolveRun(id, entries));
  }
  return runs;
}

export function describeEvolveRun(id: string, entries: readonly EvolveEntry[]): ReportEvolveRun {
  const start = entries.find((e) => e.type === 'start');
  const end = entries.findLast((e) => e.type === 'end');
  const archive = buildArchive(entries);
  const versions = describeEvolveVersions(entries, archive);
  const lastHead = entries.findLast((e) => e.type === 'decision' || e.type === 'end');
  const head = lastHead !== undefined && 'head' in lastHead ? lastHead.head : (start?.spec.version ?? '');
  const stages = [...new Set(archive.members.map((m) => m.descriptor.stage))].sort(
    (a, b) => rank(a) - rank(b) || a.localeCompare(b),
  );
  return {
    id,
    spec: start === undefined ? '' : `${start.spec.id}@${start.spec.version}`,
    mode: start?.mode ?? '',
    head,
    ended: end?.reason ?? null,
    campaigns: new Set(entries.flatMap((e) => (e.type === 'campaign' ? [e.step] : []))).size,
    batches: entries.filter((e) => e.type === 'campaign').length,
    error: start === undefined ? 'the log has no start entry' : null,
    axes: { viability: VIABILITY_LABELS, cost: COSTS, stages },
    cells: archive.elites.map((elite) => ({
      cell: elite.cell,
      viability: elite.descriptor.viability,
      cost: elite.descriptor.cost,
      stage: elite.descriptor.stage,
      elite: elite.version,
      members: archive.members.filter((m) => m.cell === elite.cell).map((m) => m.version),
    })),
    versions,
    monitor: entries.flatMap((e) => (e.type === 'monitor' ? [{ step: e.step, rule: e.rule, action: e.action }] : [])),
  };
}

function rank(stage: string): number {
  const i = STAGE_ORDER.indexOf(stage);
  return i === -1 ? STAGE_ORDER.length : i;
}

function unreadable(id: string, error: string): ReportEvolveRun {
  return {
    id,
    spec: '',
    mode: '',
    head: '',
    ended: null,
    campaigns: 0,
    batches: 0,
    error,
    axes: { viability: VIABILITY_LABELS, cost: COSTS, stages: [] },
    cells: [],
    versions: [],
    monitor: [],
  };
}
