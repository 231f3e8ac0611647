import { describe, expect, it } from 'vitest';
import { locateFailure, parseJunit } from '../../src/rig/parse-junit.js';

/** parseJunit and locateFailure at their edges, each case one element or one character from the next (issue 16). */
const roots = ['/artifact', '/tmp/copy'];

describe('parseJunit', () => {
  it('finds suites nested in suites and under several <testsuites>, a lone testcase included', () => {
    const xml =
      '<testsuites><testsuites><testsuite><testcase name="a"/><testsuite><testcase name="b"/></testsuite></testsuite></testsuites>' +
      '<testsuites><testsuite><testcase name="c"/><testcase name="d"/></testsuite></testsuites></testsuites>';
    expect(parseJunit(xml, roots)).toEqual({ testsRun: 4, testsPassed: 4, failures: [] });
    expect(parseJunit('<testsuite><testcase name="only"/></testsuite>', roots).testsRun).toBe(1);
  });

  it('leaves out a bare <testcase/> (no name, nothing in it), one or several', () => {
    const one = '<testsuite><testcase/></testsuite>';
    expect(parseJunit(one, roots)).toEqual({ testsRun: 0, testsPassed: 0, failures: [] });
    const several = '<testsuite><testcase/><testcase/><testcase name="a"/></testsuite>';
    expect(parseJunit(several, roots)).toEqual({ testsRun: 1, testsPassed: 1, failures: [] });
  });

  it('counts a bare <failure> and <error> as failures, with their text, numbers included', () => {
    const xml =
      '<testsuite><testcase name="a"><failure>went wrong</failure></testcase><testcase name="b"><error/></testcase>' +
      '<testcase name="c"><failure type="x">42</failure></testcase></testsuite>';
    const summary = parseJunit(xml, roots);
    expect(summary.testsPassed).toBe(0);
    expect(summary.failures.map((failure) => failure.error)).toEqual(['went wrong', 'failed', '42']);
  });

  it('counts a skipped test as not run and an empty <skipped/> as skipped', () => {
    const xml = '<testsuite><testcase name="a"/><testcase name="b"><skipped/></testcase></testsuite>';
    expect(parseJunit(xml, roots)).toEqual({ testsRun: 1, testsPassed: 1, failures: [] });
  });

  it('counts an <error> like a <failure>, and takes the first problem of several', () => {
    const xml =
      '<testsuite><testcase name="e"><error message="first"/><failure message="second"/></testcase>' +
      '<testcase name="f"><failure message="one"/><failure message="two"/></testcase></testsuite>';
    const summary = parseJunit(xml, roots);
    expect(summary.testsPassed).toBe(0);
    expect(summary.failures.map((failure) => failure.error)).toEqual(['second', 'one']);
  });

  it('names a test by classname > name, by name alone when it holds the classname, and (unnamed test) without', () => {
    const xml =
      '<testsuite><testcase classname="math" name="adds"><failure message="x"/></testcase>' +
      '<testcase classname="math" name="math adds"><failure message="x"/></testcase>' +
      '<testcase><failure message="x"/></testcase><testcase classname="" name="n"><failure message="x"/></testcase></testsuite>';
    expect(parseJunit(xml, roots).failures.map((failure) => failure.test)).toEqual([
      'math > adds',
      'math adds',
      '(unnamed test)',
      'n',
    ]);
  });

  it('takes the message, else the first line of the body, else "failed", cut at 2000 characters', () => {
    const long = 'y'.repeat(2001);
    const xml =
      '<testsuite><testcase name="a"><failure>body one\nbody two</failure></testcase>' +
      '<testcase name="b"><failure/></testcase>' +
      `<testcase name="c"><failure message="${long}"/></testcase><testcase name="d"><failure message="7"/></testcase></testsuite>`;
    const errors = parseJunit(xml, roots).failures.map((failure) => failure.error);
    expect(errors).toEqual(['body one', 'failed', 'y'.repeat(2000), '7']);
  });

  it('locates a failure from its text, else from the declared file attribute, else from a classname that is a file', () => {
    const xml =
      '<testsuite><testcase name="a" file="src/declared.test.ts"><failure message="at /artifact/src/a.ts:3:1"/></testcase>' +
      '<testcase name="b" file="src/declared.test.ts"><failure message="no place"/></testcase>' +
      '<testcase name="c" classname="src/c.test.mts"><failure message="no place"/></testcase>' +
      '<testcase name="d" classname="suite name"><failure message="no place"/></testcase>' +
      '<testcase name="e" classname="src/e.test.ts"><failure message="no place"/></testcase></testsuite>';
    expect(parseJunit(xml, roots).failures.map(({ file, line }) => ({ file, line }))).toEqual([
      { file: 'src/a.ts', line: 3 },
      { file: 'src/declared.test.ts', line: null },
      { file: 'src/c.test.mts', line: null },
      { file: null, line: null },
      { file: 'src/e.test.ts', line: null },
    ]);
  });

  it('says what is wrong with text that is not a JUnit report', () => {
    expect(() => parseJunit('<testsuite><testcase>', roots)).toThrow(/^the JUnit report is not well-formed XML: \S/);
    expect(() => parseJunit('<testsuites/>', roots)).toThrow(/^the JUnit report has no <testsuite> element$/);
  });
});

describe('locateFailure', () => {
  it('strips either root and a file:// scheme, and keeps the line, not the column', () => {
    expect(locateFailure('at file:///artifact/src/x.ts:12:5', roots)).toEqual({ file: 'src/x.ts', line: 12 });
    expect(locateFailure('at /tmp/copy/lib/y.mjs:4', roots)).toEqual({ file: 'lib/y.mjs', line: 4 });
    expect(locateFailure('at ./src/z.tsx:9:1', roots)).toEqual({ file: 'src/z.tsx', line: 9 });
    // Only a leading ./ is dropped.
    expect(locateFailure('at lib./w.ts:2', roots)).toEqual({ file: 'lib./w.ts', line: 2 });
  });

  it('skips frames outside the artifact, in node_modules or above it, and takes the first inside', () => {
    const detail = [
      'at /usr/lib/node/a.js:1:1',
      'at /artifact/node_modules/vitest/b.js:2:2',
      'at ../outside/c.ts:3:3',
      'at /artifactx/d.ts:4:4',
      'at /artifact/src/e.cts:5:5',
      'at /artifact/src/f.ts:6:6',
    ].join('\n');
    expect(locateFailure(detail, roots)).toEqual({ file: 'src/e.cts', line: 5 });
  });

  it('finds nothing in text without a source location', () => {
    expect(locateFailure('expected 1 to be 2 (src/a.json:3)', roots)).toEqual({ file: null, line: null });
  });
});
