// Test rig overhead on gen-0, all in one run on this machine:
//   1. build+test of gen-0 sandboxed (bwrap, the rig's binds, env and limits) vs the same commands bare on the host
//      (same env, node_modules → the same store), alternating, median of --runs each      target ratio <= 1.15
//   2. the full rig (all stages, reproduce included) vs bare build+test                    target ratio <= 2.0
//   3. provisioning an artifact copy + store mount point (what the rig does before the manifest stage) target << 1 s
//
// Run (from the repo root, after a build):  npx tsc -p tsconfig.build.json && node bench/rig-overhead.mjs [--runs 3]
// When gen-0's manifest does not match the current genome (gen-0 in progress), a copy is resealed against the spec
// its manifest names, or the current one, with scripts/seal-artifact.mjs, and the output says so.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { copyArtifact } from '../dist/src/rig/copy-artifact.js';
import {
  artifactBinds,
  artifactEnv,
  createRigLayout,
  INSIDE,
  provideNodeModules,
  removeRigLayout,
} from '../dist/src/rig/rig-layout.js';
import { runRig } from '../dist/src/rig/run-rig.js';
import { detectSandbox } from '../dist/src/rig/sandbox/detect-sandbox.js';
import { runSandboxed } from '../dist/src/rig/sandbox/run-sandboxed.js';
import { DEFAULT_LIMITS } from '../dist/src/rig/sandbox/sandbox-types.js';
import { loadSpec } from '../dist/src/spec/load-spec.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const RUNS = Number(args[args.indexOf('--runs') + 1] || 3) || 3;
// --backends docker,podman: the full rig of gen-0 under each of these too, in the same run, against the same bare side.
const BACKENDS = args.includes('--backends')
  ? (args[args.indexOf('--backends') + 1] ?? '').split(',').filter(Boolean)
  : [];
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const secs = (ms) => `${(ms / 1000).toFixed(2)} s`;

const sandbox = await detectSandbox('bwrap');
let artifactDir = path.join(root, 'generations', 'gen-0');
const manifest = JSON.parse(readFileSync(path.join(artifactDir, 'manifest.json'), 'utf8'));
let spec;
let note = 'gen-0 as committed';
try {
  spec = await loadSpec(`${manifest['spec-id']}@${manifest['spec-version']}`, { root });
} catch {
  spec = await loadSpec(manifest['spec-id'], { root });
}
const scratch = await mkdtemp(path.join(os.tmpdir(), 'cambrian-bench-'));
// A private snapshot: the work tree may change while the bench runs (gen-0 resealed, the genome edited).
const snapshot = path.join(scratch, 'gen-0');
await copyArtifact({ sourceDir: artifactDir, targetDir: snapshot });
artifactDir = snapshot;
const probe = await runRig({ artifactDir, spec, sandbox, timeouts: { build: 1, test: 1 } });
if (probe.failure_stage === 'manifest') {
  await writeFile(path.join(scratch, `${spec.id}.md`), spec.bytes);
  execFileSync(process.execPath, [
    path.join(root, 'scripts', 'seal-artifact.mjs'),
    snapshot,
    path.join(scratch, `${spec.id}.md`),
  ]);
  note = `gen-0 resealed against ${spec.id}@${spec.version} (its manifest did not verify: ${probe.diagnostics?.summary})`;
}
const entry = JSON.parse(readFileSync(path.join(artifactDir, 'manifest.json'), 'utf8')).entry;

async function provision() {
  const layout = await createRigLayout({ diskMb: DEFAULT_LIMITS.diskMb });
  const started = performance.now();
  await copyArtifact({ sourceDir: artifactDir, targetDir: layout.copyDir });
  await provideNodeModules(layout, sandbox);
  return { layout, ms: performance.now() - started };
}

async function sandboxedBuildTest() {
  const { layout } = await provision();
  const started = performance.now();
  for (const command of [entry.build, entry.test]) {
    const result = await runSandboxed({
      sandbox,
      argv: ['sh', '-c', command],
      cwd: INSIDE.artifact,
      binds: artifactBinds(layout, sandbox),
      env: artifactEnv(),
      timeoutMs: 600_000,
    });
    if (result.exitCode !== 0) throw new Error(`sandboxed ${command} failed: ${result.stderrTail}`);
  }
  const ms = performance.now() - started;
  await removeRigLayout(layout);
  return ms;
}

async function bareBuildTest() {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cambrian-bench-bare-'));
  const copy = path.join(dir, 'artifact');
  await copyArtifact({ sourceDir: artifactDir, targetDir: copy });
  await symlink(path.join(root, 'test-rig', 'store', 'node_modules'), path.join(copy, 'node_modules'));
  const env = {
    ...artifactEnv(),
    PATH: `${copy}/node_modules/.bin:${artifactEnv().PATH.split(':').slice(1).join(':')}`,
    CAMBRIAN_JUNIT_PATH: path.join(dir, 'junit.xml'),
    HOME: dir,
    NODE_OPTIONS: '--max-old-space-size=1024',
  };
  const started = performance.now();
  for (const command of [entry.build, entry.test]) {
    const result = spawnSync('sh', ['-c', command], { cwd: copy, env, stdio: 'pipe', maxBuffer: 64 << 20 });
    if (result.status !== 0) throw new Error(`bare ${command} failed: ${result.stderr}`);
  }
  const ms = performance.now() - started;
  await rm(dir, { recursive: true, force: true });
  return ms;
}

console.log(`rig overhead on ${note}`);
console.log(`machine: ${os.cpus().length} cores, node ${process.version}, sandbox ${sandbox.kind}, runs ${RUNS}`);
const bare = [];
const boxed = [];
const rig = [];
for (let i = 0; i < RUNS; i++) {
  // alternate so drift (page cache, CPU boost) hits both sides alike
  bare.push(await bareBuildTest());
  boxed.push(await sandboxedBuildTest());
  const started = performance.now();
  const report = await runRig({ artifactDir, spec, sandbox });
  rig.push(performance.now() - started);
  if (report.status !== 'viable')
    console.log(`  note: rig run ${i + 1} non-viable at ${report.failure_stage}: ${report.diagnostics?.summary}`);
}
const byBackend = new Map();
for (const kind of BACKENDS) {
  const other = await detectSandbox(kind);
  const times = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    const report = await runRig({ artifactDir, spec, sandbox: other });
    times.push(performance.now() - started);
    if (report.status !== 'viable')
      console.log(`  note: ${kind} rig run ${i + 1} non-viable at ${report.failure_stage}`);
  }
  byBackend.set(kind, times);
}
const provisions = [];
for (let i = 0; i < 10; i++) {
  const { layout, ms } = await provision();
  provisions.push(ms);
  await removeRigLayout(layout);
}
// The fixed cost of one sandboxed command: `true` through runSandboxed, with the run's cgroups and without them.
async function fixedCost(withCgroups) {
  const box = withCgroups ? sandbox : { ...sandbox, cgroups: null };
  const times = [];
  for (let i = 0; i < 20; i++) {
    const started = performance.now();
    const result = await runSandboxed({
      sandbox: box,
      argv: ['true'],
      cwd: '/tmp',
      binds: [],
      env: {},
      timeoutMs: 10_000,
    });
    if (result.exitCode !== 0) throw new Error(`sandboxed true exited ${result.exitCode}: ${result.stderrTail}`);
    times.push(performance.now() - started);
  }
  return median(times);
}
const fixedWith = await fixedCost(true);
const fixedWithout = await fixedCost(false);
await rm(scratch, { recursive: true, force: true });

const bareMs = median(bare);
const boxedMs = median(boxed);
const rigMs = median(rig);
// On a shared 2-core machine other work inflates single runs; the fastest run of each side is the least disturbed.
const min = (values) => Math.min(...values);
const lines = [
  `bare build+test        median ${secs(bareMs)}   (${bare.map(secs).join(', ')})`,
  `sandboxed build+test   median ${secs(boxedMs)}   (${boxed.map(secs).join(', ')})`,
  `full rig (6 stages)    median ${secs(rigMs)}   (${rig.map(secs).join(', ')})`,
  `provision copy+store   median ${median(provisions).toFixed(1)} ms (10 runs, max ${Math.max(...provisions).toFixed(1)} ms)`,
  `sandboxed \`true\`        median ${fixedWith.toFixed(1)} ms with the cgroups, ${fixedWithout.toFixed(1)} ms without (20 runs each)`,
  `ratio sandboxed/bare build+test: ${(boxedMs / bareMs).toFixed(3)}   (target <= 1.15)`,
  `ratio full rig/bare build+test:  ${(rigMs / bareMs).toFixed(3)}   (target <= 2.0)`,
  ...[...byBackend].map(
    ([kind, times]) =>
      `full rig under ${kind.padEnd(6)} median ${secs(median(times))}   (${times.map(secs).join(', ')}); ÷ bare build+test ${(median(times) / bareMs).toFixed(3)}, ÷ full rig under bwrap ${(median(times) / rigMs).toFixed(3)}`,
  ),
  `ratios of the fastest runs: sandboxed/bare ${(min(boxed) / min(bare)).toFixed(3)}, full rig/bare ${(min(rig) / min(bare)).toFixed(3)}`,
];
console.log(lines.join('\n'));
await writeFile(path.join(root, 'bench', 'out', 'rig-overhead.txt'), `${lines.join('\n')}\n`).catch(() => undefined);
