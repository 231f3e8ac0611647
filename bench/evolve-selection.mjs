// Measures evolve's sequential selection (src/evolve/selection-rule.ts) against the original's rule on whole lines.
// Run: npm run build && node bench/evolve-selection.mjs [lines]
import { measureLines } from '../dist/src/evolve/measure-selection.js';
import { SELECTION } from '../dist/src/evolve/selection-rule.js';

const lines = Number(process.argv[2] ?? 1000);
const mutants = 12;
const base = 0.5;
const documented = {
  name: `sequential, cap 8, decide at ${SELECTION.decideAt}, ${SELECTION.atCap} at the cap`,
  cap: 8,
};
// A cheaper setting, to see how far the attempts go down at the original's accuracy.
const cheap = {
  name: 'sequential, cap 4, decide at 0.7, 0.5 at the cap',
  cap: 4,
  rule: { ...SELECTION, decideAt: 0.7, atCap: 0.5, confirmAt: 0.5 },
};
const pct = (x) => `${Math.round(x * 100)} %`.padStart(5);
console.log(
  `${lines} lines of ${mutants} mutants per difference d; the starting head's true viability ${pct(base)}, each mutant's ` +
    `${pct(base)} − d, ${pct(base)} or + d (a third each), decided against the line's head at that moment; sequential: ` +
    `decide from ${SELECTION.minAttempts} attempts on, a provisional head topped up to the cap (demoted below ` +
    `P ${SELECTION.confirmAt}), the starting head's campaign = the cap; original: the mutant's raw rate of 5 > the head's raw rate of 5`,
);
console.log('');
console.log(
  '| true difference | rule | promotes the better | keeps the worse out | picks the better (mean) | promotes neutral | attempts per decision | head after 12 mutants |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
for (const d of [0.1, 0.2, 0.3]) {
  const rows = [];
  for (const setting of [documented, cheap]) {
    const options = { base, d, mutants, lines, seed: 14, cap: setting.cap, originalLength: 5 };
    const { sequential, original } = measureLines(
      setting.rule === undefined ? options : { ...options, rule: setting.rule },
    );
    rows.push([setting.name, sequential]);
    if (setting === documented) rows.push(['original (raw rate of 5)', original]);
  }
  for (const [name, o] of rows)
    console.log(
      `| ${Math.round(d * 100)} pts | ${name} | ${pct(o.better)} | ${pct(1 - o.worse)} | ${pct((o.better + 1 - o.worse) / 2)} | ${pct(o.neutral)} | ${o.attempts.toFixed(2)} | ${pct(o.finalHead)} |`,
    );
}
