import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { diffGenerationFolders, diffGenerations, type GenerationDiff, summarizeDiff } from './diff-generations.js';
import { createLineageGit, type LineageGit } from './lineage-git.js';
import { lineagePaths } from './lineage-paths.js';
import { markAddedAndDeleted, parseNumstat } from './parse-git-diff.js';
import { splitDiffTreeOutput } from './split-diff-tree-output.js';

export interface GenerationPair {
  from: number;
  to: number;
}

/**
 * The diff of every pair, in order, with the numbers `diffGenerations` gives one pair at a time, or the error that
 * pair would throw. A report of hundreds of generations asked git five times per pair; this asks it four times in
 * all: one `for-each-ref` for every branch's tree, then one `diff-tree --stdin` each for numstat, name-status and
 * patch, fed every pair. Pairs git does not hold are compared as folders (no git). Should a batch fail (a corrupt
 * object), each pair is asked again on its own, one after another, so one bad pair costs only its own diff.
 */
export async function diffGenerationPairs(options: {
  generationsDir: string;
  pairs: readonly GenerationPair[];
}): Promise<Array<GenerationDiff | Error>> {
  const { generationsDir, pairs } = options;
  const gitDir = lineagePaths(generationsDir).lineageGit;
  const git = createLineageGit(gitDir);
  const trees = existsSync(path.join(gitDir, 'HEAD')) ? await readBranchTrees(git).catch(() => null) : new Map();
  if (trees === null) return diffEachPair({ generationsDir, pairs });
  const inGit = pairs.filter((p) => trees.has(p.from) && trees.has(p.to));
  const line = (p: GenerationPair): string => `${trees.get(p.from)} ${trees.get(p.to)}`;
  const batch = inGit.length === 0 ? new Map() : await diffTreePairs({ git, lines: inGit.map(line) }).catch(() => null);
  const out: Array<GenerationDiff | Error> = [];
  for (const pair of pairs) {
    out.push(
      await asError(async () => {
        if (!(trees.has(pair.from) && trees.has(pair.to))) return diffGenerationFolders({ generationsDir, ...pair });
        if (batch === null) return diffGenerations({ generationsDir, ...pair });
        return assemblePairDiff({ pair, parts: batch.get(line(pair)) });
      }),
    );
  }
  return out;
}

async function asError<T>(fn: () => Promise<T> | T): Promise<T | Error> {
  try {
    return await fn();
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

/** `gen-N` branch → the tree of its commit, from one `git for-each-ref`. */
async function readBranchTrees(git: LineageGit): Promise<Map<number, string>> {
  const out = await git.run(['for-each-ref', '--format=%(refname) %(tree)', 'refs/heads/']);
  const trees = new Map<number, string>();
  for (const row of out.split('\n')) {
    const match = /^refs\/heads\/gen-(\d+) ([0-9a-f]+)$/.exec(row);
    if (match !== null) trees.set(Number(match[1]), match[2] as string);
  }
  return trees;
}

interface PairParts {
  numstat: string;
  nameStatus: string;
  patch: string;
  /** The random prefix standing for `gen-<from>/` (`<prefix>a/`) and `gen-<to>/` (`<prefix>b/`) in the patch. */
  prefix: string;
}

/** Three `diff-tree --stdin` processes, each fed every `<tree> <tree>` line once. */
async function diffTreePairs(options: { git: LineageGit; lines: readonly string[] }): Promise<Map<string, PairParts>> {
  const input = `${[...new Set(options.lines)].join('\n')}\n`;
  // One patch serves pairs of different generations, so the prefixes are placeholders; random, so no artifact's
  // content can hold one.
  const prefix = `cambrian-${randomBytes(8).toString('hex')}-`;
  const common = ['diff-tree', '--stdin', '-r', '--find-renames'];
  const [numstat, nameStatus, patch] = await Promise.all([
    options.git.run([...common, '-z', '--numstat'], { input }),
    options.git.run([...common, '-z', '--name-status'], { input }),
    options.git.run([...common, '-p', '--no-color', `--src-prefix=${prefix}a/`, `--dst-prefix=${prefix}b/`], {
      input,
    }),
  ]);
  const split = {
    numstat: splitDiffTreeOutput(numstat, 'numstat'),
    nameStatus: splitDiffTreeOutput(nameStatus, 'name-status'),
    patch: splitDiffTreeOutput(patch, 'patch'),
  };
  return new Map(
    options.lines.map((line) => [
      line,
      {
        numstat: split.numstat.get(line) ?? '',
        nameStatus: split.nameStatus.get(line) ?? '',
        patch: split.patch.get(line) ?? '',
        prefix,
      },
    ]),
  );
}

function assemblePairDiff(options: { pair: GenerationPair; parts: PairParts | undefined }): GenerationDiff {
  const { pair, parts } = options;
  const files = parseNumstat(parts?.numstat ?? '');
  markAddedAndDeleted(files, parts?.nameStatus ?? '');
  const patch =
    parts === undefined
      ? ''
      : parts.patch
          .replaceAll(`${parts.prefix}a/`, `gen-${pair.from}/`)
          .replaceAll(`${parts.prefix}b/`, `gen-${pair.to}/`);
  return summarizeDiff({ from: pair.from, to: pair.to, source: 'git', files, patch });
}

/** The old way, one pair after another: only when git could not list the branches. */
async function diffEachPair(options: {
  generationsDir: string;
  pairs: readonly GenerationPair[];
}): Promise<Array<GenerationDiff | Error>> {
  const out: Array<GenerationDiff | Error> = [];
  for (const pair of options.pairs) {
    out.push(await asError(() => diffGenerations({ generationsDir: options.generationsDir, ...pair })));
  }
  return out;
}
