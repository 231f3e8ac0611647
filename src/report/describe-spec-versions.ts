import { existsSync } from 'node:fs';
import path from 'node:path';
import type { GenerationRecord } from '../artifact/generation-record-schema.js';
import type { LineageData } from '../campaign/load-lineage-data.js';
import { type CampaignSummary, summarizeCampaign } from '../campaign/summarize-campaign.js';
import { diffSpecs, type SpecDiff } from '../spec/diff-specs.js';
import { loadSpec } from '../spec/load-spec.js';
import type { Spec } from '../spec/parse-spec.js';
import { compareSemver, isSemver } from '../spec/semver.js';

/** One spec version of the lineage, as the report's spec-version view shows it. */
export interface ReportSpecVersion {
  ref: string;
  id: string;
  version: string;
  /** Hashes the records carry for this version (more than one means two different texts claim the same version). */
  hashes: string[];
  /** `id@parent-version` from the spec's front matter; null when it has none or its text was not found. */
  parent: string | null;
  /** Where its text came from: a generation's spec copy (`gen-N`), the engine's spec/ folder, or nowhere. */
  textSource: string | null;
  campaigns: string[];
  generations: number;
  /** Viability and cost over every generation made against this version. */
  summary: CampaignSummary;
  /**
   * The viability interval an evolve run measured for this version (its campaigns in the run's log, 95 % of the
   * Beta(1,1) posterior); null when no evolve run evaluated it, and the page shows "—".
   */
  intervals: { run: string; viable: number; attempts: number; low: number; high: number } | null;
  diff: {
    against: string;
    frontMatter: SpecDiff['frontMatter'];
    sections: SpecDiff['sections'];
    unified: string;
    truncated: boolean;
  } | null;
  /** Why there is no diff (no parent version, a text not found), or null. */
  diffError: string | null;
}

/** Cap on each embedded spec diff: the page must stay small with dozens of versions. */
const MAX_SPEC_DIFF_CHARS = 60_000;
/** How many of a version's generations are tried for a spec copy before falling back to the engine's spec/. */
const COPIES_TRIED = 3;

/** Every spec version the lineage's records name, oldest first, with its parent version and the diff against it. */
export async function describeSpecVersions(data: LineageData): Promise<ReportSpecVersion[]> {
  const groups = new Map<string, GenerationRecord[]>();
  for (const record of data.records) {
    const ref = `${record['spec-id']}@${record['spec-version']}`;
    groups.set(ref, [...(groups.get(ref) ?? []), record]);
  }
  const texts = new Map<string, { spec: Spec; source: string } | null>();
  for (const [ref, records] of groups) texts.set(ref, await findSpecText({ ref, records, data }));
  const refs = [...groups.keys()].sort(compareRefs);
  return Promise.all(
    refs.map(async (ref) => {
      const records = groups.get(ref) ?? [];
      const first = records[0] as GenerationRecord;
      const found = texts.get(ref) ?? null;
      const parent = found?.spec.parentVersion ? `${found.spec.id}@${found.spec.parentVersion}` : null;
      const campaigns = [...new Set(records.map((r) => r.campaign).filter((c): c is string => c !== null))];
      const runs = new Set(records.map((r) => r.run));
      return {
        ref,
        id: first['spec-id'],
        version: first['spec-version'],
        hashes: [...new Set(records.map((r) => r['spec-hash']))],
        parent,
        textSource: found?.source ?? null,
        campaigns,
        generations: records.length,
        summary: summarizeCampaign({
          records,
          runs: data.runs.filter((run) => runs.has(run.run)),
          unbilledRuns: data.unbilledRuns,
        }),
        intervals: null,
        ...(await diffAgainstParent({ found, parent, texts })),
      };
    }),
  );
}

/** The version's text: a spec copy in one of its generations (the hash the records carry), else the engine's. */
async function findSpecText(options: {
  ref: string;
  records: readonly GenerationRecord[];
  data: LineageData;
}): Promise<{ spec: Spec; source: string } | null> {
  const root = options.data.paths.root;
  const withCopy = options.records
    .filter((r) => existsSync(path.join(root, `gen-${r.generation}`, 'manifest.json')))
    .slice(0, COPIES_TRIED);
  for (const record of withCopy) {
    const spec = await loadSpec(`gen-${record.generation}`, { generationsDir: root }).catch(() => null);
    if (spec !== null && `${spec.id}@${spec.version}` === options.ref && spec.hash === record['spec-hash']) {
      return { spec, source: `gen-${record.generation}` };
    }
  }
  return loadEngineSpec(options.ref);
}

async function loadEngineSpec(ref: string): Promise<{ spec: Spec; source: string } | null> {
  const spec = await loadSpec(ref).catch(() => null);
  return spec === null ? null : { spec, source: 'engine spec/' };
}

async function diffAgainstParent(options: {
  found: { spec: Spec } | null;
  parent: string | null;
  texts: ReadonlyMap<string, { spec: Spec } | null>;
}): Promise<Pick<ReportSpecVersion, 'diff' | 'diffError'>> {
  const { found, parent } = options;
  if (found === null) return { diff: null, diffError: 'the text of this version was not found' };
  if (parent === null) return { diff: null, diffError: 'no parent version (the first of its line)' };
  const before = options.texts.get(parent) ?? (await loadEngineSpec(parent));
  if (before === null || before === undefined) {
    return { diff: null, diffError: `the text of the parent version ${parent} was not found` };
  }
  const diff = diffSpecs(before.spec, found.spec);
  const truncated = diff.unified.length > MAX_SPEC_DIFF_CHARS;
  return {
    diff: {
      against: parent,
      frontMatter: diff.frontMatter,
      sections: diff.sections.filter((section) => section.status !== 'unchanged'),
      unified: truncated ? diff.unified.slice(0, MAX_SPEC_DIFF_CHARS) : diff.unified,
      truncated,
    },
    diffError: null,
  };
}

function compareRefs(a: string, b: string): number {
  const [idA = '', versionA = ''] = a.split('@');
  const [idB = '', versionB = ''] = b.split('@');
  if (idA !== idB) return idA.localeCompare(idB);
  return isSemver(versionA) && isSemver(versionB)
    ? compareSemver(versionA, versionB)
    : versionA.localeCompare(versionB);
}
