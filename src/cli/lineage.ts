import { Chalk } from 'chalk';
import type { Command } from 'commander';
import { buildLineageTree, type LineageNode, renderLineageTree } from '../campaign/build-lineage-tree.js';
import { loadLineageData, requireGeneration } from '../campaign/load-lineage-data.js';
import { shouldColor } from '../spec/render-spec-diff.js';
import { parseGenerationRef } from '../supervisor/diff-generations.js';

/** `cambrian lineage [gen-N]`: the generation tree with outcome, spec version, model, tokens and tests. */
export function register(program: Command): void {
  program
    .command('lineage [generation]')
    .description('the generation tree (parent → child): outcome, spec version, model, tokens, tests')
    .option('--generations <dir>', 'generations dir (default ./generations, env CAMBRIAN_ARTIFACTS_ROOT)')
    .option('--json', 'print the tree as one JSON document')
    .action(async (ref: string | undefined, options: { generations?: string; json?: boolean }) => {
      const data = await loadLineageData({ generationsDir: options.generations });
      let roots = buildLineageTree({ records: data.records, runs: data.runs, unbilledRuns: data.unbilledRuns });
      if (ref !== undefined) {
        const generation = parseGenerationRef(ref);
        if (generation !== 0) requireGeneration(data, generation);
        roots = [findNode(roots, generation)].filter((node): node is LineageNode => node !== null);
      }
      if (options.json === true) {
        process.stdout.write(
          `${JSON.stringify({ generationsDir: data.paths.root, generations: data.records.length, roots }, null, 2)}\n`,
        );
        return;
      }
      const c = new Chalk({ level: shouldColor() ? 1 : 0 });
      if (data.records.length === 0) {
        process.stdout.write(
          `gen-0 (reference Prime)\nno generations yet in ${data.paths.root}: run \`cambrian reproduce\` or \`cambrian campaign\`\n`,
        );
        return;
      }
      process.stdout.write(renderLineageTree(roots, (node) => describeNode(node, c)));
    });
}

function findNode(nodes: readonly LineageNode[], generation: number): LineageNode | null {
  for (const node of nodes) {
    if (node.generation === generation) return node;
    const found = findNode(node.children, generation);
    if (found !== null) return found;
  }
  return null;
}

function describeNode(node: LineageNode, c: InstanceType<typeof Chalk>): string {
  if (node.outcome === 'reference') return `${c.bold('gen-0')} ${c.dim('reference Prime')}`;
  const outcome =
    node.outcome === 'promoted'
      ? c.green(node.outcome)
      : node.outcome === 'failed' || node.outcome === 'timeout'
        ? c.red(node.outcome)
        : c.yellow(node.outcome);
  const tokens =
    node.tokens === null
      ? 'tokens ?'
      : `${node.tokens.input + node.tokens.cacheRead + node.tokens.cacheWrite} in / ${node.tokens.output} out`;
  const tests = node.tests === null ? 'tests —' : `tests ${node.tests.passed}/${node.tests.run}`;
  const why =
    node.outcome === 'promoted' || node.summary === null
      ? ''
      : ` ${c.dim(`${node.failureStage ?? ''} ${oneLine(node.summary)}`.trim())}`;
  const campaign = node.campaign === null ? '' : ` ${c.cyan(node.campaign)}`;
  return `${c.bold(`gen-${node.generation}`)} ${outcome}  ${node.spec}  ${node.model ?? 'model ?'}  ${tokens}  ${tests}${campaign}${why}${describeDirected(node, c)}`;
}

/** A directed generation's program, verdicts and cost per role, on the lines under it. */
function describeDirected(node: LineageNode, c: InstanceType<typeof Chalk>): string {
  const d = node.directed;
  if (d === null) return '';
  const stage = node.outcome === 'promoted' ? null : (d.failure_stage ?? node.failureStage ?? '?');
  const verdict = stage === null ? c.green('promoted after rig and review') : c.red(`refused at ${stage}`);
  const review =
    d.review === null
      ? 'no review'
      : `review ${d.review.approved ? 'approved' : 'rejected'} (${d.review.confidence}${d.review.malformed ? ', malformed answer' : ''})${d.review.issues.length === 0 ? '' : `: ${oneLine(d.review.issues.join(' / '))}`}`;
  const cost = (usage: { costUsd: number | null; exchanges: number }) =>
    `${usage.exchanges} req ${usage.costUsd === null ? 'cost ?' : `$${usage.costUsd.toFixed(4)}`}`;
  const diff = d.diff === null ? '' : `  diff ${d.diff.files} files +${d.diff.additions} -${d.diff.deletions}`;
  const lines = [
    `   ${c.magenta('directed')} "${oneLine(d.program.title)}" (attempt ${d.attempt + 1}) ${verdict}${diff}`,
    `   ${review}; change ${cost(d.usage.change)}, review ${cost(d.usage.review)}; program ${d.program.file}`,
  ];
  if (d.failure_stage === 'guard') lines.push(`   guards: ${oneLine(d.diagnostics.join(' / '))}`);
  return `\n${lines.join('\n')}`;
}

// Record text is LLM output: no control characters (terminal escapes) reach the terminal.
// biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

function oneLine(text: string): string {
  const line = text.replace(CONTROL, ' ').replace(/\s+/g, ' ').trim();
  return line.length > 100 ? `${line.slice(0, 99)}…` : line;
}
