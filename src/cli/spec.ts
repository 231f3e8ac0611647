import path from 'node:path';
import { Chalk } from 'chalk';
import type { Command } from 'commander';
import { compareCampaigns, findOutcomeComparison, type OutcomeComparison } from '../campaign/compare-campaigns.js';
import { renderOutcomeComparison } from '../campaign/render-outcome-comparison.js';
import { CambrianError, SpecError } from '../errors.js';
import { adoptEvolvedSpec } from '../evolve/adopt-evolved-spec.js';
import { diffSpecs } from '../spec/diff-specs.js';
import { listSpecs } from '../spec/list-specs.js';
import { loadSpec } from '../spec/load-spec.js';
import { parseSpec, type Spec } from '../spec/parse-spec.js';
import { readSpecBytes, SPEC_PATH_ERROR_CODES } from '../spec/read-spec-bytes.js';
import { renderSpecDiff, shouldColor } from '../spec/render-spec-diff.js';
import { resolveGenerationsDir } from '../supervisor/lineage-paths.js';
import { findEngineRoot } from '../version.js';
import { formatError } from './format-error.js';

/** `cambrian spec list|show|check|diff|adopt`: the spec toolkit (docs/spec-format.md). */
export function register(program: Command): void {
  const spec = program.command('spec').description('list, show, check and diff specs (the genome)');

  spec
    .command('list')
    .description('current and archived specs with their versions and hashes')
    .option('--json', 'print one JSON document')
    .action(async (options: { json?: boolean }) => {
      const listings = await listSpecs();
      if (options.json === true) return printJson({ specs: listings });
      const c = painter();
      for (const entry of listings) {
        const name = `${entry.id}@${entry.version ?? '?'}`;
        const state = entry.error === undefined ? entry.status : c.red(`invalid (${entry.error.code})`);
        process.stdout.write(
          `${name.padEnd(28)} ${state.padEnd(9)} ${c.dim(entry.hash)}  ${displayPath(entry.path)}\n`,
        );
      }
      if (listings.length === 0) process.stdout.write('no specs found\n');
    });

  spec
    .command('show <ref>')
    .description('a spec by id, id@version, path or gen-N: sections, FROZEN regions, vectors, entry')
    .option('--json', 'print one JSON document')
    .option('--generations <dir>', 'folder of gen-N artifacts for gen-N refs')
    .action(async (ref: string, options: { json?: boolean; generations?: string }) => {
      const loaded = await loadSpec(ref, generationsOption(options));
      if (options.json === true) return printJson(describeSpec(loaded));
      process.stdout.write(renderSpec(loaded));
    });

  spec
    .command('check <file>')
    .description('validate a spec file; exit 1 with the precise error when it is invalid')
    .option('--json', 'print {ok, error?} as one JSON document')
    .action(async (file: string, options: { json?: boolean }) => {
      try {
        const checked = parseSpec({ bytes: await readSpecFile(file), file });
        if (options.json === true) {
          return printJson({
            ok: true,
            id: checked.id,
            version: checked.version,
            title: checked.title,
            kind: checked.kind,
            hash: checked.hash,
            path: file,
          });
        }
        const counts = `${checked.sections.length} sections, ${checked.vectors.length} vectors, ${checked.contracts.length} contracts, ${checked.frozen.length} FROZEN regions`;
        process.stdout.write(
          `${painter().green('ok')} ${file}: ${checked.id}@${checked.version} (${checked.kind}) ${checked.hash}\n   ${counts}\n`,
        );
      } catch (error) {
        if (!(error instanceof CambrianError)) throw error;
        // An invalid spec is a negative result (1); a path that names no readable file is a usage problem (2).
        process.exitCode = SPEC_PATH_ERROR_CODES.has(error.code) ? 2 : 1;
        if (options.json === true) return printJson({ ok: false, error: describeError(error) });
        process.stderr.write(`${formatError(error)}\n`);
      }
    });

  spec
    .command('diff <a> <b>')
    .description('compare two specs (id@version, path or gen-N): section summary, FROZEN violations, unified diff')
    .option('--json', 'print the structure as one JSON document')
    .option('--generations <dir>', 'folder of gen-N artifacts for gen-N refs')
    // ── campaigns: with --campaigns, a and b are campaign ids; the outcomes are added under a `campaigns` key.
    .option('--campaigns', 'a and b are campaign ids: compare their spec versions and their outcomes')
    .action(async (a: string, b: string, options: { json?: boolean; generations?: string; campaigns?: boolean }) => {
      const loadOptions = generationsOption(options);
      let outcomes: OutcomeComparison | null;
      let diff: ReturnType<typeof diffSpecs>;
      if (options.campaigns === true) {
        const compared = await compareCampaigns({ generationsDir: options.generations, a, b });
        diff = diffSpecs(compared.specA, compared.specB);
        outcomes = compared.comparison;
      } else {
        const [specA, specB] = [await loadSpec(a, loadOptions), await loadSpec(b, loadOptions)];
        diff = diffSpecs(specA, specB);
        outcomes = await findOutcomeComparison({ generationsDir: options.generations, a: specA, b: specB });
      }
      if (options.json === true) return printJson(outcomes === null ? diff : { ...diff, campaigns: outcomes });
      const color = shouldColor();
      if (outcomes !== null)
        process.stdout.write(`${renderOutcomeComparison({ diff, comparison: outcomes, color })}\n`);
      process.stdout.write(renderSpecDiff(diff, { color }));
    });

  spec
    .command('adopt <ref>')
    .description('make a version `cambrian evolve` made (ID@version) the current spec/ file, archiving the old one')
    .option('--generations <dir>', 'generations dir whose .cambrian/specs keeps the evolved versions')
    .option('--root <dir>', 'folder holding spec/ and spec/archive/ (default: this cambrian checkout)')
    .action(async (ref: string, options: { generations?: string; root?: string }) => {
      const adopted = await adoptEvolvedSpec({
        ref,
        root: options.root === undefined ? findEngineRoot() : path.resolve(options.root),
        generationsDir: resolveGenerationsDir(options.generations),
      });
      process.stdout.write(
        `${painter().green('adopted')} ${adopted.id}@${adopted.version} as ${displayPath(adopted.current)}; ${adopted.replaced} archived as ${displayPath(adopted.archived)}\n`,
      );
    });
}

/** The JSON form of a spec for `show --json`: everything but the raw bytes and text. */
export function describeSpec(spec: Spec): Record<string, unknown> {
  return {
    id: spec.id,
    version: spec.version,
    title: spec.title,
    kind: spec.kind,
    parentVersion: spec.parentVersion,
    changes: spec.changes,
    path: spec.path,
    hash: spec.hash,
    frontMatter: spec.frontMatter,
    sections: spec.sections.map(({ title, startLine, endLine }) => ({ title, startLine, endLine })),
    frozen: spec.frozen.map(({ name, startLine, endLine }) => ({ name, startLine, endLine })),
    contracts: spec.contracts,
    vectors: spec.vectors,
    entry: spec.entry,
  };
}

function renderSpec(spec: Spec): string {
  const c = painter();
  const out = [`${c.bold(`${spec.id}@${spec.version}`)}  ${spec.title} (${spec.kind})`];
  out.push(`  path     ${displayPath(spec.path)}`, `  hash     ${spec.hash}`);
  if (spec.parentVersion !== null) out.push(`  parent   ${spec.id}@${spec.parentVersion}`);
  for (const change of spec.changes) out.push(`  change   ${change}`);
  out.push('', c.bold(`sections (${spec.sections.length})`));
  for (const section of spec.sections)
    out.push(`  ${c.dim(`${section.startLine}-${section.endLine}`.padEnd(9))} ${section.title}`);
  out.push('', c.bold(`FROZEN regions (${spec.frozen.length})`));
  for (const region of spec.frozen)
    out.push(`  ${c.dim(`${region.startLine}-${region.endLine}`.padEnd(9))} ${region.name}`);
  out.push('', c.bold(`vectors (${spec.vectors.length})`));
  for (const vector of spec.vectors)
    out.push(`  ${vector.name}: ${vector.method} ${vector.path} → ${vector.expect.status}`);
  if (spec.contracts.length > 0) out.push('', c.bold(`contracts (${spec.contracts.length})`));
  if (spec.entry !== null) {
    out.push('', c.bold('entry'));
    out.push(`  build    ${spec.entry.build}`, `  test     ${spec.entry.test}`, `  start    ${spec.entry.start}`);
    out.push(`  health   ${spec.entry.health} (start timeout ${spec.entry.startTimeoutMs} ms)`);
  }
  return `${out.join('\n')}\n`;
}

function describeError(error: CambrianError): Record<string, unknown> {
  const file = error instanceof SpecError ? error.file : undefined;
  const line = error instanceof SpecError ? error.line : undefined;
  const where = file === undefined ? '' : line === undefined ? `${file}: ` : `${file}:${line}: `;
  const message = where !== '' && error.message.startsWith(where) ? error.message.slice(where.length) : error.message;
  return { code: error.code, file: file ?? null, line: line ?? null, message, hint: error.hint ?? null };
}

async function readSpecFile(file: string): Promise<Buffer> {
  const bytes = await readSpecBytes(file);
  if (bytes === undefined) {
    throw new SpecError({ code: 'E_SPEC_NOT_FOUND', file, message: 'no such spec file', hint: 'check the path' });
  }
  return bytes;
}

function generationsOption(options: { generations?: string }): { generationsDir?: string } {
  return options.generations === undefined ? {} : { generationsDir: path.resolve(options.generations) };
}

function printJson(document: unknown): void {
  process.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
}

function painter(): InstanceType<typeof Chalk> {
  return new Chalk({ level: shouldColor() ? 1 : 0 });
}

function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
}
