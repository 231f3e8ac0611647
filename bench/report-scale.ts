// The report at scale (issue 19): writes the synthetic lineage (test/report/synthetic-lineage.ts) of 40 and of 500
// generations, times `cambrian report` on each (a child process, as a user runs it) and the page's render in headless
// Chromium (navigation start to the load event: the inline script runs before it), over --rounds. Targets at 500
// generations: build < 5 s, render < 3 s. With --screenshots DIR it also writes report-40.png and report-500.png.
//
// Run (from the repo root): npm run build && npx tsc -p bench/report-scale.tsconfig.json &&
//   node bench/out/report-scale/bench/report-scale.js [--rounds 3] [--screenshots docs]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { writeSyntheticLineage } from '../test/report/synthetic-lineage.js';

const ROOT = process.cwd();
const BIN = path.join(ROOT, 'dist/src/cli/bin.js');
const args = process.argv.slice(2);
const ROUNDS = Number(args[args.indexOf('--rounds') + 1] || 1) || 1;
const SHOTS = args.includes('--screenshots') ? path.resolve(args[args.indexOf('--screenshots') + 1] ?? 'docs') : null;
const SIZES = [
  { generations: 40, campaigns: 4, specVersions: 2 },
  { generations: 500, campaigns: 50, specVersions: 10 },
];

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const dir = mkdtempSync(path.join(os.tmpdir(), 'cambrian-bench-report-'));
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu'],
});
try {
  for (const size of SIZES) {
    const generations = path.join(dir, `g${size.generations}`, 'generations');
    await writeSyntheticLineage(generations, size);
    const out = path.join(dir, `report-${size.generations}.html`);
    const builds: number[] = [];
    const renders: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const started = process.hrtime.bigint();
      execFileSync(process.execPath, [BIN, 'report', '--generations', generations, '--out', out, '--json']);
      builds.push(Number(process.hrtime.bigint() - started) / 1e6);
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      await page.goto(`file://${out}`);
      renders.push(
        // A string: the bench compiles without the DOM types.
        await page.evaluate<number>(
          "(() => { const nav = performance.getEntriesByType('navigation')[0]; return nav.loadEventEnd - nav.startTime; })()",
        ),
      );
      if (SHOTS !== null && round === 0) {
        await page.screenshot({ path: path.join(SHOTS, `report-${size.generations}.png`) });
      }
      await page.close();
    }
    const kb = Math.round(statSync(out).size / 1024);
    process.stdout.write(
      `${String(size.generations).padStart(3)} generations, ${size.campaigns} campaigns, ${size.specVersions} spec versions: ` +
        `${kb} KB; build median ${Math.round(median(builds))} ms [${builds.map(Math.round).join(', ')}]; ` +
        `render median ${Math.round(median(renders))} ms [${renders.map(Math.round).join(', ')}]\n`,
    );
  }
} finally {
  await browser.close();
  rmSync(dir, { recursive: true, force: true });
}
