import { XMLParser } from 'fast-xml-parser';
import type { Failure } from '../artifact/viability-report-schema.js';

export interface JunitSummary {
  testsRun: number;
  testsPassed: number;
  failures: Failure[];
}

// No `isArray`: one child parses to a value and several to an array, and asNodes/asProblems take either.
const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', textNodeName: '#text' });

type Node = Record<string, unknown>;

function isNode(item: unknown): item is Node {
  if (typeof item !== 'object') return false;
  // Stryker disable next-line ConditionalExpression: equivalent, the XML parser never yields null (typeof null is 'object')
  return item !== null;
}

/** The element children of one name; an element without attributes or children parses to text and is left out. */
function asNodes(value: unknown): Node[] {
  return (Array.isArray(value) ? value : [value]).filter(isNode);
}

/**
 * A <failure> or <error> without attributes parses to its bare text (`<failure/>` to ''), not to an object: it is still
 * a problem, so it becomes a node holding that text rather than being dropped (which would count the test as passed).
 */
function asProblems(value: unknown): Node[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map((item) => (isNode(item) ? item : { '#text': String(item) }));
}

/** An attribute or the text of a node as a string; the parser turns a numeric text (`<failure>42</failure>`) into a number. */
function text(node: Node, key: string): string {
  const value = node[key];
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
  // The scheme is matched outside the path's group (a path cannot hold ':'); the column after the line is not needed.
  const pattern = /(?:file:\/\/)?([\w./@+-]+\.(?:[cm]?[jt]sx?)):(\d+)/g;
  for (const match of detail.matchAll(pattern)) {
    let file = match[1] ?? '';
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
    // Stryker disable next-line StringLiteral: equivalent while fast-xml-parser's messages are one line (a guard for later)
    const firstLine = (error as Error).message.split('\n')[0];
    throw new Error(`the JUnit report is not well-formed XML: ${firstLine}`);
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
      const [problem] = [...asProblems(testcase.failure), ...asProblems(testcase.error)];
      if (problem === undefined) {
        testsPassed++;
        continue;
      }
      const message = text(problem, 'message');
      const body = text(problem, '#text');
      const name = text(testcase, 'name') || '(unnamed test)';
      const classname = text(testcase, 'classname');
      const located = locateFailure(`${body}\n${message}`, artifactRoots);
      // A declared file or a classname that is a path; locateFailure finds nothing in any other classname.
      const declared = text(testcase, 'file') || classname;
      failures.push({
        // Every name includes '' too: a test without a classname is named by its name alone.
        test: name.includes(classname) ? name : `${classname} > ${name}`,
        error: (message || body.split('\n')[0] || 'failed').slice(0, 2000),
        file: located.file ?? locateFailure(`${declared}:0`, artifactRoots).file,
        line: located.line,
      });
    }
  }
  return { testsRun, testsPassed, failures };
}
