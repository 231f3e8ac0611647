import chalk from 'chalk';

/** A cost in dollars to four places, or `cost unknown` for a model without a price. */
export function formatCost(cost: number | null): string {
  return cost === null ? 'cost unknown' : `$${cost.toFixed(4)}`;
}

/** The last line of a run's summary for people: what it promoted, or that it promoted nothing. */
export function formatPromoted(promoted: readonly number[]): string {
  return promoted.length > 0
    ? chalk.green(`  promoted: ${promoted.map((n) => `gen-${n}`).join(', ')}`)
    : chalk.red('  nothing promoted');
}
