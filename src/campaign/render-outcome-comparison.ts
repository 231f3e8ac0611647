import { Chalk } from 'chalk';
import type { RateComparison } from '../evolve/selection-rule.js';
import type { SpecDiff } from '../spec/diff-specs.js';
import type { OutcomeComparison } from './compare-campaigns.js';
import { formatCost, formatPercent } from './format-campaign-summary.js';

// biome-ignore lint/suspicious/noControlCharactersInRegex: measuring text without its colour codes
const ANSI = /\u001b\[[0-9;]*m/g;

function points(delta: number | null): string {
  if (delta === null) return '';
  const pts = Math.round(delta * 100);
  return `(${pts >= 0 ? '+' : ''}${pts} pts)`;
}

function signed(delta: number | null, format: (x: number) => string): string {
  if (delta === null) return '';
  return `(${delta >= 0 ? '+' : '−'}${format(Math.abs(delta))})`;
}

/**
 * The section-level spec changes on the left, the change in outcomes on the right: what changed in the genome beside
 * what it did to reproduction.
 */
export function renderOutcomeComparison(options: {
  diff: SpecDiff;
  comparison: OutcomeComparison;
  color: boolean;
}): string {
  const { diff, comparison: k } = options;
  const c = new Chalk({ level: options.color ? 1 : 0 });
  const left: string[] = [c.bold('spec sections')];
  const paint = { added: c.green, removed: c.red, changed: c.yellow, unchanged: c.dim };
  for (const section of diff.sections) {
    if (section.status === 'unchanged') continue;
    left.push(
      `${paint[section.status](section.status.padEnd(8))} ${section.title} ${c.green(`+${section.added}`)} ${c.red(`-${section.removed}`)}`,
    );
  }
  if (left.length === 1) left.push(c.dim('no section changed'));
  for (const change of diff.frontMatter) if (change.key !== 'version') left.push(c.dim(`front matter: ${change.key}`));
  if (diff.frozenViolations.length > 0) left.push(c.red(`${diff.frozenViolations.length} FROZEN violation(s)`));

  const a = k.a.summary;
  const b = k.b.summary;
  const cell = (x: string): string => x.padStart(7);
  const right: string[] = [
    c.bold(`outcomes  ${k.a.spec.version} → ${k.b.spec.version}`),
    `attempts        ${cell(String(a.attempts))} → ${String(b.attempts).padEnd(7)}`,
    `viability       ${cell(formatPercent(a.viabilityRate))} → ${formatPercent(b.viabilityRate).padEnd(7)} ${points(k.delta.viabilityRate)}`,
    `  posterior     ${interval(k.posteriors.viability.a)} → ${interval(k.posteriors.viability.b)} ${tell(k.posteriors.viability)}`,
    `first-try rate  ${cell(formatPercent(a.firstTry.rate))} → ${formatPercent(b.firstTry.rate).padEnd(7)} ${points(k.delta.firstTryRate)}`,
    `  posterior     ${interval(k.posteriors.firstTry.a)} → ${interval(k.posteriors.firstTry.b)} ${tell(k.posteriors.firstTry)}`,
    `informed retry  ${cell(`${a.informedRetries.succeeded}/${a.informedRetries.count}`)} → ${`${b.informedRetries.succeeded}/${b.informedRetries.count}`.padEnd(7)} succeeded`,
    ...k.failureStages.map(
      (f) =>
        `fails at ${f.stage.padEnd(7)}${cell(String(f.a))} → ${String(f.b).padEnd(7)} ${signed(f.b - f.a, String)}`,
    ),
    `tokens          ${cell(kilo(total(a)))} → ${kilo(total(b)).padEnd(7)} ${signed(k.delta.tokens, kilo)}`,
    `cost            ${cell(formatCost(a.costUsd))} → ${formatCost(b.costUsd).padEnd(7)} ${signed(k.delta.costUsd, (x) => `$${x.toFixed(4)}`)}`,
  ];
  const width = Math.max(...left.map((line) => line.replace(ANSI, '').length)) + 4;
  const lines: string[] = [
    c.bold(
      `${k.a.spec.id}@${k.a.spec.version} (${k.a.campaigns.join(', ')}) → ${k.b.spec.id}@${k.b.spec.version} (${k.b.campaigns.join(', ')})`,
    ),
  ];
  for (let i = 0; i < Math.max(left.length, right.length); i += 1) {
    const l = left[i] ?? '';
    lines.push(`  ${l}${' '.repeat(Math.max(0, width - l.replace(ANSI, '').length))}${right[i] ?? ''}`.trimEnd());
  }
  return `${lines.join('\n')}\n`;
}

/** A 95 % credible interval, e.g. `[23–88%]`. */
function interval(p: RateComparison['a']): string {
  return p.trials === 0 ? '   –   ' : `[${Math.round(p.low * 100)}–${Math.round(p.high * 100)}%]`;
}

/** P(better) and what it allows one to say. */
function tell(k: RateComparison): string {
  if (k.pBetter === null) return 'no attempts on one side';
  const p = `P(better) ${k.pBetter.toFixed(2)}`;
  if (k.verdict === 'b-better') return `${p}: b is better`;
  if (k.verdict === 'a-better') return `${p}: a is better`;
  return `${p}: the samples cannot tell`;
}

function total(summary: OutcomeComparison['a']['summary']): number {
  const t = summary.tokens;
  return t.input + t.output + t.cacheRead + t.cacheWrite;
}

function kilo(n: number): string {
  return n >= 1000 ? `${(n / 1000).toFixed(1)}k` : String(n);
}
