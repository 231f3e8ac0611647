// Measures evolve's selection (src/evolve/selection-rule.ts) against the original's rule on known rates.
// Run: npm run build && node bench/evolve-selection.mjs [trials]
import { measureSelection } from '../dist/src/evolve/measure-selection.js';
import { SELECTION } from '../dist/src/evolve/selection-rule.js';

const trials = Number(process.argv[2] ?? 2000);
const base = 0.5;
const cascade = { parentAttempts: 8, screening: 3, full: 8, originalLength: 5 };
const pct = (x) => `${Math.round(x * 100)} %`.padStart(5);
console.log(
  `${trials} decisions per cell; parent true viability ${pct(base)}; cascade ${cascade.screening} + ${cascade.full - cascade.screening} attempts ` +
    `against a head known from ${cascade.parentAttempts}; continue at P ≥ ${SELECTION.continueAt}, promote at P ≥ ${SELECTION.promoteAt}; ` +
    `original: mutant's raw rate of ${cascade.originalLength} > parent's raw rate of ${cascade.originalLength}`,
);
console.log('');
console.log(
  '| true difference | rule | promotes the better | keeps the worse out | picks the better (mean) | attempts on the mutant |',
);
console.log('| --- | --- | --- | --- | --- | --- |');
for (const d of [0.1, 0.2, 0.3]) {
  const up = measureSelection({ ...cascade, parentRate: base, mutantRate: base + d, trials, seed: 11 });
  const down = measureSelection({ ...cascade, parentRate: base, mutantRate: base - d, trials, seed: 12 });
  for (const rule of ['cascade', 'original']) {
    const better = up[rule].promoted;
    const keptOut = 1 - down[rule].promoted;
    const attempts = (up[rule].attempts + down[rule].attempts) / 2;
    console.log(
      `| ${Math.round(d * 100)} pts | ${rule === 'cascade' ? 'posterior cascade' : 'original (raw rate of 5)'} | ${pct(better)} | ${pct(keptOut)} | ${pct((better + keptOut) / 2)} | ${attempts.toFixed(1)} |`,
    );
  }
}
const neutral = measureSelection({ ...cascade, parentRate: base, mutantRate: base, trials, seed: 13 });
console.log('');
console.log(
  `no true difference: the cascade promotes ${pct(neutral.cascade.promoted)} of neutral mutants (${neutral.cascade.attempts.toFixed(1)} attempts), the original ${pct(neutral.original.promoted)}`,
);
