import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { LineageData } from '../campaign/load-lineage-data.js';
import { writeFileAtomic } from '../supervisor/write-file-atomic.js';
import { buildReportData } from './build-report-data.js';
import { renderReportHtml } from './render-report-html.js';

/**
 * `cambrian report`: builds the data (an empty lineage is an error before anything is written), renders the page and
 * writes it atomically (temp + rename), so a failure never leaves a half-written report.
 */
export async function writeReport(options: {
  data: LineageData;
  out: string;
}): Promise<{ file: string; bytes: number; generations: number; evolveRuns: number }> {
  const report = await buildReportData(options.data);
  const html = renderReportHtml(report);
  const file = path.resolve(options.out);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFileAtomic(file, html);
  return {
    file,
    bytes: Buffer.byteLength(html),
    generations: report.generations.length - 1,
    evolveRuns: report.evolveRuns.length,
  };
}
