// Scale-out on one machine: the same offline campaign with its rig runs on a BullMQ queue served by 1 worker and by 2
// workers, in one run, alternating; plus the queue's own overhead per rig job (enqueue → a worker starts it) against
// the rig's duration, from the workers' own log lines.
//
// Run (from the repo root, after a build; needs redis-server):
//   npx tsc -p tsconfig.build.json && node bench/rig-queue.mjs [--rounds 2] [--length 6] [--lanes 3]
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(root, 'dist', 'src', 'cli', 'bin.js');
const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : fallback);
const ROUNDS = Number(option('rounds', 2));
const LENGTH = option('length', '6');
const LANES = option('lanes', '3');
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Starts a process and resolves once `ready` appears on its stdout or stderr. */
function startUntil(file, argv, env, ready) {
  const child = spawn(file, argv, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const lines = [];
  const onData = (chunk) => {
    output += chunk.toString('utf8');
    lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const started = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${file} did not get ready:\n${output}`)), 60_000);
    const check = () => {
      if (output.includes(ready)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', check);
    child.stderr.on('data', check);
    child.on('exit', () => reject(new Error(`${file} exited:\n${output}`)));
  });
  return { child, lines, started };
}

if (spawnSync('redis-server', ['--version']).error !== undefined) {
  console.error('redis-server is not installed: apt-get install -y redis-server');
  process.exit(2);
}
const port = await freePort();
const password = randomBytes(12).toString('hex');
const redis = startUntil(
  'redis-server',
  ['--port', String(port), '--bind', '127.0.0.1', '--requirepass', password, '--save', '', '--appendonly', 'no'],
  process.env,
  'Ready to accept connections',
);
await redis.started;
const url = `redis://127.0.0.1:${port}`;
const env = {
  ...process.env,
  NO_COLOR: '1',
  CAMBRIAN_PROVIDER: '',
  ANTHROPIC_API_KEY: '',
  OPENAI_API_KEY: '',
  CAMBRIAN_REDIS_PASSWORD: password,
};

async function campaignWith(workerCount) {
  const workers = [];
  for (let i = 0; i < workerCount; i++) {
    workers.push(startUntil(process.execPath, [BIN, 'worker', '--queue', url, '--name', `w${i + 1}`], env, 'ready on'));
  }
  await Promise.all(workers.map((worker) => worker.started));
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cambrian-bench-queue-'));
  try {
    const started = performance.now();
    // Not spawnSync: the workers' log lines must be read while the campaign runs.
    const campaign = await new Promise((resolve) => {
      const child = spawn(
        process.execPath,
        [
          BIN,
          'campaign',
          '--spec',
          'MINIMAL-SPEC-001',
          '--length',
          LENGTH,
          '--lanes',
          LANES,
          '--generations',
          dir,
          '--rig-queue',
          url,
          '--json',
        ],
        { cwd: root, env, stdio: ['ignore', 'ignore', 'pipe'] },
      );
      let stderr = '';
      child.stderr.on('data', (chunk) => {
        stderr = (stderr + chunk.toString('utf8')).slice(-4000);
      });
      child.on('close', (status) => resolve({ status, stderr }));
    });
    const wallMs = performance.now() - started;
    if (campaign.status !== 0) throw new Error(`campaign exited ${campaign.status}:\n${campaign.stderr.slice(-2000)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const waits = [];
    const rigs = [];
    for (const worker of workers) {
      for (const line of worker.lines) {
        const waited = / taken after (\d+) ms in the queue/.exec(line);
        if (waited !== null) waits.push(Number(waited[1]));
        const judged = / in (\d+) ms$/.exec(line);
        if (judged !== null) rigs.push(Number(judged[1]));
      }
    }
    return { wallMs, waits, rigs };
  } finally {
    for (const worker of workers) worker.child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  }
}

const results = { 1: [], 2: [] };
for (let round = 0; round < ROUNDS; round++) {
  // alternate the order so drift hits both sides alike
  for (const count of round % 2 === 0 ? [1, 2] : [2, 1]) {
    const result = await campaignWith(count);
    results[count].push(result);
    console.log(
      `round ${round + 1}, ${count} worker${count === 1 ? '' : 's'}: ${(result.wallMs / 1000).toFixed(1)} s, ${result.rigs.length} rig jobs`,
    );
  }
}
redis.child.kill('SIGKILL');

const wall = (count) => median(results[count].map((r) => r.wallMs));
const waits = [...results[1], ...results[2]].flatMap((r) => r.waits);
const rigs = [...results[1], ...results[2]].flatMap((r) => r.rigs);
console.log(
  `\ncampaign --spec MINIMAL-SPEC-001 --length ${LENGTH} --lanes ${LANES} --rig-queue, exemplar, ${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(1)}, median of ${ROUNDS}:\n` +
    `  1 worker  ${(wall(1) / 1000).toFixed(1)} s\n  2 workers ${(wall(2) / 1000).toFixed(1)} s   ratio 1/2 = ${(wall(1) / wall(2)).toFixed(2)}\n` +
    `  queue wait per job (enqueue → a worker starts it): median ${median(waits)} ms over ${waits.length} jobs (includes waiting for a busy worker); least ${Math.min(...waits)} ms (an idle worker)\n` +
    `  rig per job: median ${median(rigs)} ms; wait ÷ rig = ${(median(waits) / median(rigs)).toFixed(3)}`,
);
