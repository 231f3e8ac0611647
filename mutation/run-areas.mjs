#!/usr/bin/env node
// `npm run mutate [area…]`: one Stryker run per trust boundary (all of them when none is named), in turn, so each run
// reruns only its own area's tests. Exits non-zero when any area scores below the break threshold or fails to run.
import { spawnSync } from 'node:child_process';
import { AREAS } from './areas.mjs';

const names = process.argv.slice(2);
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
