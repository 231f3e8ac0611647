import type { CampaignSummary } from './summarize-campaign.js';

export function formatPercent(value: number | null): string {
  return value === null ? '—' : `${(value * 100).toFixed(0)}%`;
}

export function formatCost(cost: number | null): string {
  return cost === null ? 'unknown (a model without a price)' : `$${cost.toFixed(4)}`;
}

export function formatMs(ms: number | null): string {
  if (ms === null) return '—';
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

function distribution(counts: Record<string, number>, label = (key: string) => key): string {
  const entries = Object.entries(counts).filter(([, n]) => n > 0);
  return entries.length === 0 ? 'none' : entries.map(([key, n]) => `${label(key)}: ${n}`).join(', ');
}

/** The summary as aligned lines for people ("by the numbers"). */
export function formatCampaignSummary(summary: CampaignSummary, indent = '  '): string {
  const t = summary.tokens;
  const signed = (x: number | null): string => (x === null ? '—' : `${x >= 0 ? '+' : ''}${x.toFixed(3)} per attempt`);
  const lines = [
    `attempts          ${summary.attempts} (${summary.viable} viable, ${summary.promoted} promoted)${summary.interrupted > 0 ? `; ${summary.interrupted} interrupted` : ''}${summary.pending > 0 ? `; ${summary.pending} undecided` : ''}`,
    `viability rate    ${formatPercent(summary.viabilityRate)}`,
    `first-try rate    ${formatPercent(summary.firstTry.rate)} (${summary.firstTry.viable} of ${summary.firstTry.attempts} first tries)`,
    `informed retries  ${summary.informedRetries.count} (${summary.informedRetries.succeeded} succeeded)`,
    `fitness           mean pass rate ${summary.fitness.mean === null ? '—' : summary.fitness.mean.toFixed(3)}; viability trend ${signed(summary.fitness.trend)}`,
    `failures by stage ${distribution(summary.failuresByStage)}`,
    `stages completed  ${distribution(summary.stagesCompleted, (key) => `${key} stage${key === '1' ? '' : 's'}`)}`,
    `tokens            ${t.input} in, ${t.output} out, ${t.cacheRead} cache read, ${t.cacheWrite} cache write (from ${t.source})`,
    `cost              ${formatCost(summary.costUsd)}`,
    `wall time         ${formatMs(summary.wallMs)} over ${summary.runs} run${summary.runs === 1 ? '' : 's'}`,
    `parse repairs     ${summary.parseRepairs ?? '—'}; continuations ${summary.continuations ?? '—'}`,
  ];
  return `${lines.map((line) => `${indent}${line}`).join('\n')}\n`;
}
