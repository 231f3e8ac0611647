#!/usr/bin/env node
// `npm run mutate [area…]`: one Stryker run per trust boundary (all of them when none is named), in turn, so each run
// reruns only its own area's tests. `npm run mutate -- --changed <git-rev>`: only the areas whose mutated files or
// tests differ from <git-rev> (for CI on a change: a full run takes the better part of an hour on two cores).
// Exits non-zero when any area scores below the break threshold (stryker.config.mjs) or fails to run.
import { execFileSync, spawnSync } from 'node:child_process';
import { AREAS } from './areas.mjs';

const args = process.argv.slice(2);
let names = args;
const changedAt = args.indexOf('--changed');
if (changedAt !== -1) {
  const base = args[changedAt + 1];
  if (base === undefined) {
    console.error('mutate: --changed needs a git revision to compare with, e.g. --changed origin/main');
    process.exit(2);
  }
  const changed = new Set(
    execFileSync('git', ['diff', '--name-only', base, '--'], { encoding: 'utf8' }).split('\n').filter(Boolean),
  );
  names = Object.entries(AREAS)
    .filter(([, area]) => [...area.mutate, ...area.tests].some((file) => changed.has(file)))
    .map(([name]) => name);
  console.log(`mutate: areas changed since ${base}: ${names.join(', ') || 'none'}`);
  if (names.length === 0) process.exit(0);
}
const unknown = names.filter((name) => !(name in AREAS));
if (unknown.length > 0) {
  console.error(`mutate: no area ${unknown.join(', ')}; the areas are ${Object.keys(AREAS).join(', ')}`);
  process.exit(2);
}
const failed = [];
for (const name of names.length > 0 ? names : Object.keys(AREAS)) {
  console.log(`\n=== mutation area: ${name} ===`);
  const run = spawnSync('npx', ['stryker', 'run', 'stryker.config.mjs'], {
    stdio: 'inherit',
    env: { ...process.env, MUTATE_AREA: name },
  });
  if (run.status !== 0) failed.push(name);
}
if (failed.length > 0) {
  console.error(`mutate: below the threshold or failed: ${failed.join(', ')}`);
  process.exit(1);
}
