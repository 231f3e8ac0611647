import { Chalk } from 'chalk';
import type { Command } from 'commander';
import { computeStats } from '../campaign/compute-stats.js';
import { formatCampaignSummary, formatCost, formatPercent } from '../campaign/format-campaign-summary.js';
import { loadCampaignData, loadLineageData } from '../campaign/load-lineage-data.js';
import { formatCacheUsage } from '../campaign/sum-cache-usage.js';
import { summarizeCampaign } from '../campaign/summarize-campaign.js';
import { shouldColor } from '../spec/render-spec-diff.js';

/** `cambrian stats [--campaign <id>]`: the run "by the numbers", computed from the records on disk. */
export function register(program: Command): void {
  program
    .command('stats')
    .description('the lineage (or one campaign) by the numbers: viability, first-try rate, tokens, cost, time')
    .option('--campaign <id>', 'only this campaign')
    .option('--generations <dir>', 'generations dir (default ./generations, env CAMBRIAN_ARTIFACTS_ROOT)')
    .option('--json', 'print one JSON document')
    .action(async (options: { campaign?: string; generations?: string; json?: boolean }) => {
      const data = await loadLineageData({ generationsDir: options.generations });
      const c = new Chalk({ level: shouldColor() ? 1 : 0 });
      if (options.campaign !== undefined) {
        const { campaign, records, runs } = await loadCampaignData(data, options.campaign);
        const summary = summarizeCampaign({ records, runs, unbilledRuns: data.unbilledRuns });
        if (options.json === true) {
          const { summary: _stored, ...rest } = campaign;
          process.stdout.write(`${JSON.stringify({ campaign: rest, summary }, null, 2)}\n`);
          return;
        }
        process.stdout.write(
          `${c.bold(`campaign ${campaign.id}`)}  ${campaign.spec.id}@${campaign.spec.version}  ${campaign.status}${campaign.reason === null ? '' : ` (${campaign.reason})`}  length ${campaign.length}, lanes ${campaign.lanes}\n${formatCampaignSummary(summary)}`,
        );
        return;
      }
      const stats = computeStats(data);
      if (options.json === true) {
        process.stdout.write(`${JSON.stringify(stats, null, 2)}\n`);
        return;
      }
      if (stats.generations === 0 && stats.runs === 0) {
        process.stdout.write(`no generations yet in ${stats.generationsDir}\n`);
        return;
      }
      const out = [
        c.bold(
          `${stats.generationsDir}: ${stats.generations} generations, ${stats.promoted} promoted, ${stats.runs} runs`,
        ),
        formatCampaignSummary(stats.summary).trimEnd(),
        '',
        c.bold('by spec version'),
        ...stats.bySpec.map(
          (s) =>
            `  ${s.spec.padEnd(28)} ${String(s.summary.attempts).padStart(4)} attempts  viability ${formatPercent(s.summary.viabilityRate).padStart(4)}  first try ${formatPercent(s.summary.firstTry.rate).padStart(4)}  ${formatCost(s.summary.costUsd)}`,
        ),
      ];
      if (
        stats.cache !== null &&
        stats.cache.writes['5m'] + stats.cache.writes['1h'] + stats.cache.reads['5m'] + stats.cache.reads['1h'] > 0
      ) {
        out.push('', c.bold('prompt cache'), `  ${formatCacheUsage(stats.cache)}`);
      }
      if (stats.rigWorkers.length > 0) {
        out.push('', c.bold('rig time per worker'));
        for (const w of stats.rigWorkers)
          out.push(
            `  ${w.worker.padEnd(28)} ${String(w.verdicts).padStart(4)} verdicts  ${(w.rigMs / 1000).toFixed(1).padStart(7)} s  mean ${(w.meanRigMs / 1000).toFixed(1)} s${w.crashes > 0 ? `  ${w.crashes} crashed` : ''}${w.lost > 0 ? `  ${w.lost} lost to a takeover` : ''}`,
          );
      }
      const d = stats.directed;
      if (d.attempted > 0) {
        out.push(
          '',
          c.bold('directed changes'),
          `  ${d.attempted} attempted, ${d.promoted} promoted, ${d.rejectedByRig} rejected by the rig, ${d.rejectedByGuards} by guards, ${d.rejectedByReviewer} by the reviewer; cost ${formatCost(d.costUsd)}, per promotion ${d.costPerPromotion === null ? '—' : formatCost(d.costPerPromotion)}`,
        );
      }
      if (stats.campaigns.length > 0) {
        out.push('', c.bold('campaigns'));
        for (const k of stats.campaigns)
          out.push(
            `  ${k.id}  ${k.spec.padEnd(24)} ${k.status.padEnd(8)} ${k.summary.attempts}/${k.length} attempts  viability ${formatPercent(k.summary.viabilityRate).padStart(4)}  first try ${formatPercent(k.summary.firstTry.rate).padStart(4)}  ${formatCost(k.summary.costUsd)}`,
          );
      }
      process.stdout.write(`${out.join('\n')}\n`);
    });
}
