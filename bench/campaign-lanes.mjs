// Campaign lanes: the same campaign of 6 attempts with `--lanes 1` and `--lanes 2`, in one benchmark run on this
// machine, each in a fresh generations dir. Exemplar backend, MINIMAL-SPEC-001, `--faults failing-test` and
// `--max-retries 1`, so every Prime run is "fail, diagnose, succeed": 3 runs of 2 attempts. Prints wall times and
// the ratio lanes 1 / lanes 2 (target > 1: lanes 2 finishes sooner). The order alternates over --rounds.
//
// Run (from the repo root, after a build):  npx tsc -p tsconfig.build.json && node bench/campaign-lanes.mjs [--rounds 1]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(root, 'dist', 'src', 'cli', 'bin.js');
const args = process.argv.slice(2);
const ROUNDS = Number(args[args.indexOf('--rounds') + 1] || 1) || 1;
const LENGTH = 6;

function runCampaign(lanes) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cambrian-bench-lanes-'));
  try {
    const started = process.hrtime.bigint();
    const result = spawnSync(
      process.execPath,
      [
        bin,
        'campaign',
        '--spec',
        'MINIMAL-SPEC-001',
        '--length',
        String(LENGTH),
        '--lanes',
        String(lanes),
        '--max-retries',
        '1',
        '--faults',
        'failing-test',
        '--generations',
        dir,
        '--json',
      ],
      { cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 64 * 1024 * 1024 },
    );
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    if (result.status !== 0)
      throw new Error(`campaign --lanes ${lanes} exited ${result.status}:\n${result.stderr.slice(-2000)}`);
    const campaign = JSON.parse(result.stdout);
    const records = readdirSync(path.join(dir, '.cambrian', 'records')).map((name) =>
      JSON.parse(readFileSync(path.join(dir, '.cambrian', 'records', name), 'utf8')),
    );
    const numbers = records.map((r) => r.generation);
    if (new Set(numbers).size !== numbers.length) throw new Error(`duplicate generation numbers: ${numbers}`);
    if (campaign.summary.attempts !== LENGTH) throw new Error(`summary counts ${campaign.summary.attempts} attempts`);
    return { ms, summary: campaign.summary, runs: campaign.runs.length };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const results = { 1: [], 2: [] };
for (let round = 0; round < ROUNDS; round += 1) {
  for (const lanes of round % 2 === 0 ? [1, 2] : [2, 1]) {
    const r = runCampaign(lanes);
    results[lanes].push(r.ms);
    console.log(
      `round ${round + 1} --lanes ${lanes}: ${(r.ms / 1000).toFixed(1)} s, ${r.runs} runs, ${r.summary.attempts} attempts, ` +
        `viability ${Math.round(r.summary.viabilityRate * 100)}%, first try ${Math.round(r.summary.firstTry.rate * 100)}%, ` +
        `retries ${r.summary.informedRetries.succeeded}/${r.summary.informedRetries.count} succeeded`,
    );
  }
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const one = median(results[1]);
const two = median(results[2]);
console.log(
  `cpus ${os.cpus().length}; median --lanes 1 ${(one / 1000).toFixed(1)} s, --lanes 2 ${(two / 1000).toFixed(1)} s`,
);
console.log(`ratio lanes1/lanes2 = ${(one / two).toFixed(2)} (> 1: two lanes finish the campaign sooner)`);
