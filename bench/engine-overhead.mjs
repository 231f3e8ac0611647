// Engine overhead per generation: the wall time of `cambrian reproduce` minus the time the test rig spent judging,
// with the exemplar backend and no pacing, so what is left is the engine (lock, lineage, Supervisor, gateway, sealing,
// git) plus the Prime's own work (start-up, prompt, parse, write, polling). Target: ≤ 1 s per generation.
//
// Run (from the repo root, after a build):
//   npx tsc -p tsconfig.build.json && node bench/engine-overhead.mjs
// Options: --runs 3 --gens 3 --spec MINIMAL-SPEC-001
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runReproduce } from '../dist/src/supervisor/run-reproduce.js';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(`--${name}`);
  return at === -1 ? fallback : args[at + 1];
};
const RUNS = Number(option('runs', 3));
const GENS = Number(option('gens', 3));
const SPEC = option('spec', 'MINIMAL-SPEC-001');

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

async function measure(generationsDir, label, gens = GENS) {
  // The rig's own time per generation is reported by the Supervisor (rigMs); the rest of the wall time is overhead.
  const summary = await runReproduce({ spec: SPEC, generationsDir, maxGens: gens });
  if (summary.promoted.length !== gens) throw new Error(`${label}: ${summary.promoted.length} of ${gens} promoted`);
  const rigMs = summary.generations.reduce((sum, g) => sum + (g.rigMs ?? 0), 0);
  const overheadMs = summary.wallMs - rigMs;
  console.log(
    `${label}: wall ${summary.wallMs} ms, rig ${rigMs} ms, Prime build ${summary.primeBuildMs} ms${summary.primeBuildCached ? ' (cached)' : ''} → ` +
      `overhead ${(overheadMs / gens).toFixed(0)} ms/generation`,
  );
  return { perGen: overheadMs / gens, total: overheadMs, buildMs: summary.primeBuildMs, rigPerGen: rigMs / gens };
}

const cold = [];
const warm = [];
const oneCold = [];
const oneWarm = [];
const steady = [];
for (let i = 0; i < RUNS; i++) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cambrian-bench-'));
  try {
    // The default run is one generation: cold (new dir: gen-0 imported, the Prime built) and warm (same dir again).
    const oneDir = path.join(dir, 'one');
    oneCold.push(await measure(oneDir, `trial ${i + 1} one generation, cold`, 1));
    oneWarm.push(await measure(oneDir, `trial ${i + 1} one generation, warm`, 1));
    const generationsDir = path.join(dir, 'generations');
    // Cold: a new generations dir, the Prime is built in the sandbox. Warm: the same dir again, build cached.
    cold.push(await measure(generationsDir, `trial ${i + 1} cold`));
    const warmRun = await measure(generationsDir, `trial ${i + 1} warm`);
    warm.push(warmRun);
    // Steady state: what each generation after the first adds, one-time costs cancelled (both runs warm).
    steady.push({ perGen: (warmRun.total - oneWarm[i].total) / (GENS - 1), buildMs: 0, rigPerGen: 0 });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
const line = (name, rows) => {
  const perGen = median(rows.map((r) => r.perGen));
  return `  ${name}: ${perGen.toFixed(0)} ms per generation (ratio to the 1000 ms target ${(perGen / 1000).toFixed(2)}: ${perGen <= 1000 ? 'met' : 'NOT met'}); Prime build ${median(rows.map((r) => r.buildMs)).toFixed(0)} ms once per run`;
};
console.log(
  `\nmedian of ${RUNS} trials, ${GENS} generations of ${SPEC} per run (exemplar, no pacing, ${os.cpus().length} cores, load average ${os.loadavg()[0].toFixed(1)}):\n` +
    `${line('one generation (the default run), cold', oneCold)}\n${line('one generation (the default run), warm', oneWarm)}\n` +
    `${line(`${GENS} generations, cold`, cold)}\n${line(`${GENS} generations, warm`, warm)}\n` +
    `${line('steady state (each generation after the first)', steady)}\n` +
    `  rig per generation (not overhead): ${median(cold.concat(warm).map((r) => r.rigPerGen)).toFixed(0)} ms`,
);
