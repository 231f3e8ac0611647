import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { GenerationRecord } from '../artifact/generation-record-schema.js';
import { makeWritable } from './copy-artifact-tree.js';
import type { LineageGit } from './lineage-git.js';
import { generationDirName, type LineagePaths } from './lineage-paths.js';
import type { RecordStore } from './record-store.js';

export interface RecoveryReport {
  /** Records a dead run left undecided, with their new outcome. */
  recovered: Array<{ generation: number; from: string; to: string; reason: string }>;
  /** Artifact folders without a record, moved under `.cambrian/quarantine/`. */
  quarantined: string[];
  /** Git refs created, moved or deleted to match the records. */
  gitFixes: string[];
}

/**
 * Start-up recovery, run while holding the lock (so every undecided record belongs to a dead run): in_progress
 * records become failed, tested-but-undecided ones timeout, each with a reason; artifact folders without a record are
 * quarantined; branches and tags are made to match the records.
 */
export async function recoverLineage(options: {
  paths: LineagePaths;
  records: RecordStore;
  git: LineageGit;
  run: string;
}): Promise<RecoveryReport> {
  const { paths, records, git, run } = options;
  const report: RecoveryReport = { recovered: [], quarantined: [], gitFixes: [] };
  await rm(paths.staging, { recursive: true, force: true });
  const now = new Date().toISOString();
  const known = new Map<number, GenerationRecord>();
  for (const record of await records.list()) {
    let next = record;
    if (record.outcome === 'in_progress' || record.outcome === 'tested') {
      const to = record.outcome === 'in_progress' ? 'failed' : 'timeout';
      const reason =
        record.outcome === 'in_progress'
          ? `run ${record.run ?? '?'} ended before the rig's verdict (engine stopped or killed); recovered by run ${run}`
          : `run ${record.run ?? '?'} ended before the Prime promoted or rolled back; recovered by run ${run}`;
      next = { ...record, outcome: to, completed: record.completed ?? now, reason };
      report.recovered.push({ generation: record.generation, from: record.outcome, to, reason });
    }
    if (!existsSync(path.join(paths.root, generationDirName(record.generation))) && next.outcome !== 'failed') {
      next = {
        ...next,
        outcome: 'failed',
        reason: `artifact folder ${generationDirName(record.generation)} is missing`,
      };
      report.recovered.push({
        generation: record.generation,
        from: record.outcome,
        to: 'failed',
        reason: next.reason ?? '',
      });
    }
    if (next !== record) await records.put(next);
    known.set(next.generation, next);
  }

  for (const name of await readdir(paths.root)) {
    const match = /^gen-(\d+)$/.exec(name);
    if (match === null || Number(match[1]) === 0 || known.has(Number(match[1]))) continue;
    await mkdir(paths.quarantine, { recursive: true });
    const target = path.join(paths.quarantine, `${name}-${Date.now()}`);
    await makeWritable(path.join(paths.root, name));
    await rename(path.join(paths.root, name), target);
    report.quarantined.push(name);
  }

  const tags = new Set(await git.tags());
  for (const record of known.values()) {
    const dir = path.join(paths.root, generationDirName(record.generation));
    if (existsSync(dir) && (await git.branchCommit(record.generation)) === null) {
      await git.commitArtifact({
        generation: record.generation,
        artifactDir: dir,
        parent: record.parent,
        message: `gen-${record.generation} (recovered)`,
      });
      report.gitFixes.push(`branch gen-${record.generation} created`);
    }
    const hasBranch = (await git.branchCommit(record.generation)) !== null;
    const want = new Set<string>();
    if (record.outcome === 'promoted') want.add(`gen-${record.generation}`);
    if (record.outcome === 'failed' || record.outcome === 'timeout') want.add(`gen-${record.generation}-failed`);
    for (const tag of [`gen-${record.generation}`, `gen-${record.generation}-failed`]) {
      if (want.has(tag) && !tags.has(tag) && hasBranch) {
        await git.setTag(tag, record.generation);
        report.gitFixes.push(`tag ${tag} set`);
      } else if (!want.has(tag) && tags.has(tag)) {
        await git.deleteTag(tag);
        report.gitFixes.push(`tag ${tag} deleted`);
      }
    }
  }
  // Refs of generations that have no record (their artifact was quarantined) go too.
  const branches = (await git.run(['for-each-ref', '--format=%(refname:short)', 'refs/heads/']))
    .split('\n')
    .filter(Boolean);
  for (const ref of [...branches, ...tags]) {
    const match = /^gen-(\d+)(-failed)?$/.exec(ref);
    if (match === null || Number(match[1]) === 0 || known.has(Number(match[1]))) continue;
    const isBranch = branches.includes(ref) && match[2] === undefined;
    await git.run(['update-ref', '-d', isBranch ? `refs/heads/${ref}` : `refs/tags/${ref}`]);
    report.gitFixes.push(`${isBranch ? 'branch' : 'tag'} ${ref} deleted (no record)`);
  }
  return report;
}
