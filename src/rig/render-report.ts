import { Chalk } from 'chalk';
import type { ViabilityReport } from '../artifact/viability-report-schema.js';

function lastLines(text: string, count: number): string {
  return text.trimEnd().split('\n').slice(-count).join('\n');
}

/** The readable stage table, the diagnostics and the fitness line of a viability report. */
export function renderReport(report: ViabilityReport, options: { color: boolean }): string {
  const c = new Chalk({ level: options.color ? 1 : 0 });
  const out: string[] = [];
  const verdict = report.status === 'viable' ? c.green.bold('viable') : c.red.bold('non-viable');
  out.push(`generation ${report.generation}: ${verdict}`);
  out.push('');
  for (const [stage, check] of Object.entries(report.checks)) {
    const state = check.skipped === true ? c.dim('skipped') : check.passed ? c.green('passed ') : c.red('FAILED ');
    const extra = typeof check.tests_run === 'number' ? `  ${check.tests_passed ?? 0}/${check.tests_run} tests` : '';
    out.push(`  ${stage.padEnd(10)} ${state}  ${String(check.duration_ms).padStart(7)} ms${extra}`);
  }
  const diagnostics = report.diagnostics;
  if (diagnostics !== undefined) {
    out.push('', `${c.red(diagnostics.stage)}: ${diagnostics.summary}`);
    for (const failure of diagnostics.failures.slice(0, 10)) {
      const where =
        failure.file === null ? '' : c.dim(` (${failure.file}${failure.line === null ? '' : `:${failure.line}`})`);
      out.push(`  - ${failure.test}: ${failure.error.split('\n')[0]}${where}`);
    }
    if (diagnostics.failures.length > 10) out.push(`  … ${diagnostics.failures.length - 10} more`);
    if (diagnostics.stderr_tail.trim() !== '')
      out.push(c.dim('stderr (tail):'), lastLines(diagnostics.stderr_tail, 15));
    else if (diagnostics.stdout_tail.trim() !== '')
      out.push(c.dim('stdout (tail):'), lastLines(diagnostics.stdout_tail, 15));
  }
  const f = report.fitness as Record<string, unknown>;
  out.push(
    '',
    c.dim(
      `fitness: ${f.tests_run ?? 0} tests, pass rate ${f.pass_rate ?? 0}, ${f.source_lines ?? '?'} source / ${f.test_lines ?? '?'} test lines, ` +
        `${f.dependency_count ?? '?'} deps, trivial assertions ${f.trivial_assertion_share ?? 0}, rig ${f.total_ms ?? '?'} ms`,
    ),
  );
  return `${out.join('\n')}\n`;
}
