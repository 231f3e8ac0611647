import path from 'node:path';

/** Where everything of one generations dir lives (`gen-N/` artifacts next to the engine's `.cambrian/` state). */
export interface LineagePaths {
  root: string;
  state: string;
  records: string;
  runs: string;
  lineageGit: string;
  lock: string;
  quarantine: string;
  staging: string;
}

export function lineagePaths(generationsDir: string): LineagePaths {
  const root = path.resolve(generationsDir);
  const state = path.join(root, '.cambrian');
  return {
    root,
    state,
    records: path.join(state, 'records'),
    runs: path.join(state, 'runs'),
    lineageGit: path.join(state, 'lineage.git'),
    lock: path.join(state, 'lock'),
    quarantine: path.join(state, 'quarantine'),
    staging: path.join(state, 'staging'),
  };
}

/** `--generations DIR` > `CAMBRIAN_ARTIFACTS_ROOT` > `<cwd>/generations`. */
export function resolveGenerationsDir(
  flag: string | undefined,
  env: Readonly<Record<string, string | undefined>> = process.env,
): string {
  const chosen = flag ?? env.CAMBRIAN_ARTIFACTS_ROOT;
  return path.resolve(chosen !== undefined && chosen !== '' ? chosen : path.join(process.cwd(), 'generations'));
}

export function generationDirName(generation: number): string {
  return `gen-${generation}`;
}
