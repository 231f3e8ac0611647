import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embedJson } from '../../src/report/render-report-html.js';
import { openLineage } from '../../src/supervisor/open-lineage.js';
import { createRecordStore } from '../../src/supervisor/record-store.js';
import { makeCampaign, makeRecord, makeRun, tempDir, writeFixtureLineage } from '../campaign/lineage-fixture.js';
import { launchChromium } from './launch-chromium.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const BIN = path.join(ROOT, 'dist/src/cli/bin.js');
// Record content is untrusted LLM output: each of these must show up as text, never run or render.
const HOSTILE = '</script><script>window.__pwned = 1</script><img src="x" onerror="window.__pwned = 2">';

async function writeArtifact(dir: string, files: Record<string, string>): Promise<void> {
  for (const [file, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), content);
  }
}

describe('cambrian report in headless Chromium', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let browser: Browser;
  let report: string;

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('cambrian-report-'));
    const generations = path.join(dir, 'generations');
    // The real lineage: gen-0 copied in and committed to the lineage git, then two offspring committed like the
    // Supervisor does, so the report's diffs come from git.
    const lineage = await openLineage({ generationsDir: generations, run: 'run-fixture', recover: false });
    const server = 'import http from "node:http";\nexport const port = 8401;\nhttp.createServer().listen(port);\n';
    await writeArtifact(path.join(generations, 'gen-1'), {
      'src/server.ts': server,
      'package.json': '{"name":"echo"}\n',
    });
    await writeArtifact(path.join(generations, 'gen-2'), {
      'src/server.ts': server.replace('8401', 'Number(process.env.CAMBRIAN_PORT ?? 8401)'),
      'package.json': '{"name":"echo"}\n',
      'test/hostile.test.ts': `// ${HOSTILE}\n`,
    });
    await lineage.git.commitArtifact({
      generation: 1,
      artifactDir: path.join(generations, 'gen-1'),
      parent: 0,
      message: 'gen-1',
    });
    await lineage.git.commitArtifact({
      generation: 2,
      artifactDir: path.join(generations, 'gen-2'),
      parent: 1,
      message: 'gen-2',
    });
    const gen1 = makeRecord({
      generation: 1,
      campaign: 'camp-r1',
      run: 'run-r1',
      outcome: 'promoted',
      rigResult: 'viable',
      passed: 5,
    });
    const gen2 = makeRecord({
      generation: 2,
      parent: 1,
      campaign: 'camp-r1',
      run: 'run-r1',
      outcome: 'failed',
      rigResult: 'non-viable',
      passed: 2,
      summary: `1 of 6 tests failed: ${HOSTILE}`,
    });
    await writeFixtureLineage(generations, {
      records: [gen1, gen2],
      runs: [
        makeRun({
          run: 'run-r1',
          campaign: 'camp-r1',
          startSec: 0,
          endSec: 60,
          costUsd: 0.0123,
          tokens: { input: 900, output: 400, cacheRead: 100, cacheWrite: 50 },
          generations: [
            { generation: 1, purposes: { fresh: 1 }, costUsd: 0.0042 },
            { generation: 2, purposes: { fresh: 1 }, costUsd: 0.0081 },
          ],
        }),
      ],
      campaigns: [makeCampaign('camp-r1')],
    });
    expect((await createRecordStore(lineage.paths).list()).map((r) => r.generation)).toEqual([1, 2]);
    report = path.join(dir, 'out', 'report.html');
    const result = await execa('node', [BIN, 'report', '--generations', generations, '--out', report, '--json'], {
      cwd: ROOT,
      reject: false,
      env: { NO_COLOR: '1' },
    });
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toMatchObject({ file: report, generations: 2 });
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await cleanup();
  });

  it('is one self-contained file, written atomically', async () => {
    const html = await readFile(report, 'utf8');
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)=/i);
    expect(html).toContain("default-src 'none'");
    // The hostile text sits in the embedded JSON with every '<' escaped: it cannot close the data element.
    expect(html.match(/<\/script>/g)).toHaveLength(2);
    expect(html).not.toContain(HOSTILE);
    expect((await readdir(path.dirname(report))).filter((name) => name !== 'report.html')).toEqual([]);
  });

  it('clicking a generation shows its spec, tokens and cost, rig stages with durations, diagnostics, files and diff', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const requests: string[] = [];
    const errors: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    page.on('pageerror', (error) => errors.push(String(error)));
    await page.goto(`file://${report}`);

    await page.click('.node[data-generation="1"]');
    await expect.poll(() => page.textContent('#detail-title')).toMatch(/^gen-1 promoted/);
    await page.click('.node[data-generation="2"]');
    expect(await page.getAttribute('.node[data-generation="2"]', 'class')).toBe('node selected');
    const facts = await page.textContent('#detail-facts');
    expect(facts).toContain('spec versionMINIMAL-SPEC-001@0.2.0');
    expect(facts).toContain(`spec hashsha256:${'020'.padStart(64, 'a')}`);
    expect(facts).toContain('modelclaude-sonnet-4-5');
    expect(facts).toContain('cost$0.0081');
    expect(facts).toMatch(/tokens200 in, 50 out, 10 cache read, 5 cache write/);
    // Stage rows with their durations, as the records hold them (fixture: 100·(i+1) + generation ms).
    const stages = await page.$$eval('#detail-stages tr[data-stage]', (rows) =>
      rows.map((row) => Array.from(row.querySelectorAll('td'), (td: { textContent: string | null }) => td.textContent)),
    );
    expect(stages).toEqual([
      ['manifest', 'passed', '102 ms', ''],
      ['build', 'passed', '202 ms', ''],
      ['test', 'failed', '1236 ms', '5/6'],
      ['start', 'skipped', '0 ms', ''],
      ['health', 'skipped', '0 ms', ''],
    ]);
    expect(await page.textContent('#detail-summary')).toBe(`1 of 6 tests failed: ${HOSTILE}`);
    expect(await page.textContent('#detail-files')).toContain('test/hostile.test.ts');
    const diff = await page.textContent('#detail-diff');
    expect(diff).toContain('added');
    expect(diff).toContain('test/hostile.test.ts');
    expect(diff).toContain('+export const port = Number(process.env.CAMBRIAN_PORT ?? 8401);');
    expect(diff).toContain('-export const port = 8401;');

    // Nothing from the records ran or rendered as markup, and the page asked for nothing over the network.
    expect(await page.evaluate(() => (globalThis as { __pwned?: unknown }).__pwned)).toBeUndefined();
    expect(await page.$$('img')).toHaveLength(0);
    expect(requests).toEqual([`file://${report}`]);
    expect(errors).toEqual([]);
    // Charts: one bar per generation in each generation chart, one campaign row.
    expect(await page.$$('#chart-viability rect')).toHaveLength(2);
    expect(await page.$$('#chart-tokens rect')).toHaveLength(8);
    expect(await page.textContent('#campaign-table')).toContain('camp-r1');

    const shot = path.join(dir, 'report.png');
    await page.screenshot({ path: shot, fullPage: true });
    expect((await readFile(shot)).subarray(1, 4).toString()).toBe('PNG');
    await page.close();
  }, 60_000);

  it('embeds JSON that cannot close its element', () => {
    expect(embedJson({ s: '</script><!-- \u2028' })).toBe('{"s":"\\u003c/script\\u003e\\u003c!-- \\u2028"}');
    expect(JSON.parse(embedJson({ s: '</script> & <b>' }))).toEqual({ s: '</script> & <b>' });
    expect(existsSync(report)).toBe(true);
  });
});
