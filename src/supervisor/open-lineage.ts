import { existsSync } from 'node:fs';
import { mkdir, realpath } from 'node:fs/promises';
import path from 'node:path';
import { EnvironmentError } from '../errors.js';
import { findEngineRoot } from '../version.js';
import { copyArtifactTree } from './copy-artifact-tree.js';
import { createLineageGit, type LineageGit, sweepDeadCommitIndexes } from './lineage-git.js';
import { type LineagePaths, lineagePaths } from './lineage-paths.js';
import { createRecordStore, type RecordStore } from './record-store.js';
import { type RecoveryReport, recoverLineage } from './recover-lineage.js';

export interface Lineage {
  paths: LineagePaths;
  records: RecordStore;
  git: LineageGit;
}

/**
 * Prepares a generations dir for use: its `.cambrian/` folders, the lineage git with gen-0 (the engine's shipped
 * reference Prime, copied in when the dir is elsewhere) as its root commit, tagged `gen-0`. With `recover`, runs
 * start-up recovery (only while holding the lock). Sweeps the temporary git indexes of killed commits.
 */
export async function openLineage(options: {
  generationsDir: string;
  run: string;
  recover: boolean;
}): Promise<Lineage & { recovery: RecoveryReport | null }> {
  const paths = lineagePaths(options.generationsDir);
  await mkdir(paths.records, { recursive: true });
  await mkdir(paths.runs, { recursive: true });
  const git = createLineageGit(paths.lineageGit);
  await git.init();
  await sweepDeadCommitIndexes();
  const gen0 = path.join(paths.root, 'gen-0');
  if (!existsSync(gen0)) {
    const shipped = path.join(findEngineRoot(), 'generations', 'gen-0');
    if (!existsSync(path.join(shipped, 'manifest.json'))) {
      throw new EnvironmentError({
        code: 'E_NO_GEN0',
        message: `the reference Prime ${shipped} is missing`,
        hint: 'reinstall cambrian: generations/gen-0 ships with it',
      });
    }
    if ((await realpath(shipped)) !== (await realpath(path.dirname(gen0)).then((dir) => path.join(dir, 'gen-0')))) {
      await copyArtifactTree({ from: shipped, to: gen0 });
    }
  }
  if ((await git.branchCommit(0)) === null) {
    await git.commitArtifact({ generation: 0, artifactDir: gen0, parent: null, message: 'gen-0: the reference Prime' });
    await git.setTag('gen-0', 0);
  }
  const records = createRecordStore(paths);
  const recovery = options.recover ? await recoverLineage({ paths, records, git, run: options.run }) : null;
  return { paths, records, git, recovery };
}
