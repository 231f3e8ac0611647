// The report's reads of the lineage git (bench/RESULTS.md "The report at scale"): a real lineage made offline (a
// `cambrian campaign` with the exemplar, gen-0 as the Prime, the sandboxed rig), reported by the built CLI and, with
// --old-bin, by an older build side by side: wall time of `cambrian report` as a child process over --rounds, and the
// git processes one build spawns (a `git` on PATH that logs each exec, then runs the real one). Also, in this process,
// the diff phase alone: every generation against its parent pair by pair, four at a time (as the report did), against
// diffGenerationPairs.
//
// Run (from the repo root): npm run build && npx tsc -p bench/report-git.tsconfig.json &&
//   node bench/out/report-git/bench/report-git.js [--length 60] [--rounds 3] [--generations DIR] [--old-bin BIN]
// An old build: git archive <commit> | tar -x -C /tmp/old && ln -s "$PWD/node_modules" /tmp/old/ &&
//   (cd /tmp/old && npx tsc -p tsconfig.build.json); then --old-bin /tmp/old/dist/src/cli/bin.js
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadLineageData } from '../src/campaign/load-lineage-data.js';
import { diffGenerationPairs } from '../src/supervisor/diff-generation-pairs.js';
import { diffGenerations } from '../src/supervisor/diff-generations.js';

const ROOT = process.cwd();
const args = process.argv.slice(2);
const flag = (name: string): string | undefined => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const ROUNDS = Number(flag('--rounds') ?? 3) || 3;
const LENGTH = Number(flag('--length') ?? 60) || 60;
const OLD_BIN = flag('--old-bin');
const BINS = [
  { name: 'new', bin: path.join(ROOT, 'dist/src/cli/bin.js') },
  ...(OLD_BIN === undefined ? [] : [{ name: 'old', bin: path.resolve(OLD_BIN) }]),
];
const ENV = { ...process.env, NO_COLOR: '1', CAMBRIAN_PROVIDER: '', ANTHROPIC_API_KEY: '', OPENAI_API_KEY: '' };

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const ms = (xs: number[]): string => `${Math.round(median(xs))} ms [${xs.map(Math.round).join(', ')}]`;
const time = async (fn: () => unknown): Promise<number> => {
  const started = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - started) / 1e6;
};

const dir = mkdtempSync(path.join(os.tmpdir(), 'cambrian-bench-report-git-'));
try {
  const given = flag('--generations');
  const generations = given === undefined ? path.join(dir, 'generations') : path.resolve(given);
  if (given === undefined || !existsSync(generations)) {
    const made = await time(() =>
      execFileSync(
        process.execPath,
        [BINS[0]?.bin as string, 'campaign', '--spec', 'MINIMAL-SPEC-001@0.2.0', '--length', String(LENGTH)].concat([
          '--lanes',
          '2',
          '--max-retries',
          '1',
          '--faults',
          'failing-test',
          '--generations',
          generations,
        ]),
        { env: ENV, stdio: ['ignore', 'ignore', 'inherit'] },
      ),
    );
    process.stdout.write(`made ${LENGTH} attempts in ${Math.round(made / 1000)} s\n`);
  }
  const data = await loadLineageData({ generationsDir: generations });
  const pairs = data.records.flatMap((r) => (r.parent === null ? [] : [{ from: r.parent, to: r.generation }]));
  process.stdout.write(`${data.records.length} generations, ${pairs.length} with a parent\n`);

  // A `git` first on PATH that logs each exec; the lineage git passes only PATH on, so the log path is written in.
  const log = path.join(dir, 'git-calls.log');
  const realGit = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
  writeFileSync(path.join(dir, 'git'), `#!/bin/sh\nprintf '%s\\n' "$*" >> '${log}'\nexec '${realGit}' "$@"\n`);
  chmodSync(path.join(dir, 'git'), 0o755);
  /** Runs one report; returns the CPU seconds (user + system) it and its git processes used, from sh's `times`. */
  const report = (bin: string, env: NodeJS.ProcessEnv): number => {
    const out = path.join(dir, 'report.html');
    const script = '"$0" "$1" report --generations "$2" --out "$3" --json > /dev/null && times';
    const times = execFileSync('sh', ['-c', script, process.execPath, bin, generations, out], {
      env,
      encoding: 'utf8',
    });
    const seconds = [...(times.trim().split('\n')[1] ?? '').matchAll(/(\d+)m([\d.]+)s/g)];
    return seconds.reduce((sum, m) => sum + Number(m[1]) * 60 + Number(m[2]), 0);
  };
  for (const { name, bin } of BINS) {
    writeFileSync(log, '');
    report(bin, { ...ENV, PATH: `${dir}:${process.env.PATH ?? '/usr/bin:/bin'}` });
    const gits = readFileSync(log, 'utf8')
      .split('\n')
      .filter((line) => line !== '').length;
    const builds: number[] = [];
    const cpu: number[] = [];
    for (let round = 0; round < ROUNDS; round++) builds.push(await time(() => cpu.push(report(bin, ENV) * 1000)));
    process.stdout.write(
      `cambrian report (${name}): ${gits} git processes; build median ${ms(builds)}, CPU (user + sys) ${ms(cpu)}\n`,
    );
  }

  const perPair: number[] = [];
  const batched: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    perPair.push(
      await time(async () => {
        let next = 0;
        const worker = async (): Promise<void> => {
          for (let pair = pairs[next++]; pair !== undefined; pair = pairs[next++]) {
            await diffGenerations({ generationsDir: generations, ...pair });
          }
        };
        await Promise.all([worker(), worker(), worker(), worker()]);
      }),
    );
    batched.push(await time(() => diffGenerationPairs({ generationsDir: generations, pairs })));
  }
  process.stdout.write(`diff phase: pair by pair (4 at a time) ${ms(perPair)}; batched ${ms(batched)}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
