import { XMLParser } from 'fast-xml-parser';
import type { Failure } from '../artifact/viability-report-schema.js';

export interface JunitSummary {
  testsRun: number;
  testsPassed: number;
  failures: Failure[];
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  textNodeName: '#text',
  isArray: (name) => ['testsuite', 'testcase', 'failure', 'error'].includes(name),
});

type Node = Record<string, unknown>;

function asNodes(value: unknown): Node[] {
  if (Array.isArray(value)) return value.filter((item): item is Node => typeof item === 'object' && item !== null);
  return typeof value === 'object' && value !== null ? [value as Node] : [];
}

/**
 * A <failure> or <error> without attributes parses to its bare text (`<failure/>` to ''), not to an object: it is still
 * a problem, so it becomes a node holding that text rather than being dropped (which would count the test as passed).
 */
function asProblems(value: unknown): Node[] {
  const items = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return items.map((item) => (typeof item === 'object' && item !== null ? (item as Node) : { '#text': String(item) }));
}

function text(node: Node | undefined, key: string): string {
  const value = node?.[key];
  return typeof value === 'string' || typeof value === 'number' ? String(value) : '';
}

/** Collects every <testsuite>, nested or under <testsuites>, whatever runner wrote them. */
function collectSuites(node: Node, out: Node[]): void {
  for (const suite of asNodes(node.testsuite)) {
    out.push(suite);
    collectSuites(suite, out);
  }
  for (const group of asNodes(node.testsuites)) collectSuites(group, out);
}

/**
 * The first `path:line[:col]` in a failure's text that points into the artifact (not node_modules), relative to it.
 * `artifactRoots` are the absolute prefixes the artifact was run under.
 */
export function locateFailure(
  detail: string,
  artifactRoots: readonly string[],
): { file: string | null; line: number | null } {
  const pattern = /((?:file:\/\/)?[\w./@+-]+\.(?:[cm]?[jt]sx?)):(\d+)(?::\d+)?/g;
  for (const match of detail.matchAll(pattern)) {
    let file = (match[1] ?? '').replace(/^file:\/\//, '');
    for (const root of artifactRoots) {
      if (file.startsWith(`${root}/`)) file = file.slice(root.length + 1);
    }
    if (file.startsWith('/') || file.includes('node_modules/') || file.startsWith('..')) continue;
    return { file: file.replace(/^\.\//, ''), line: Number(match[2]) };
  }
  return { file: null, line: null };
}

/**
 * Reads a JUnit XML report into counts and failures. Throws an Error whose message says what is wrong when the text
 * is not a JUnit report. Skipped test cases are not counted as run.
 */
export function parseJunit(xml: string, artifactRoots: readonly string[]): JunitSummary {
  let document: Node;
  try {
    document = parser.parse(xml, true) as Node;
  } catch (error) {
    throw new Error(`the JUnit report is not well-formed XML: ${(error as Error).message.split('\n')[0]}`);
  }
  const suites: Node[] = [];
  collectSuites(document, suites);
  if (suites.length === 0) throw new Error('the JUnit report has no <testsuite> element');
  let testsRun = 0;
  let testsPassed = 0;
  const failures: Failure[] = [];
  for (const suite of suites) {
    for (const testcase of asNodes(suite.testcase)) {
      if (testcase.skipped !== undefined) continue;
      testsRun++;
      const problems = [...asProblems(testcase.failure), ...asProblems(testcase.error)];
      if (problems.length === 0) {
        testsPassed++;
        continue;
      }
      const problem = problems[0];
      const message = text(problem, 'message');
      const body = text(problem, '#text');
      const name = text(testcase, 'name') || '(unnamed test)';
      const classname = text(testcase, 'classname');
      const located = locateFailure(`${body}\n${message}`, artifactRoots);
      const declared = text(testcase, 'file') || (/\.[cm]?[jt]sx?$/.test(classname) ? classname : '');
      failures.push({
        test: classname !== '' && !name.includes(classname) ? `${classname} > ${name}` : name,
        error: (message || body.split('\n')[0] || 'failed').slice(0, 2000),
        file: located.file ?? (declared === '' ? null : locateFailure(`${declared}:0`, artifactRoots).file),
        line: located.line,
      });
    }
  }
  return { testsRun, testsPassed, failures };
}
