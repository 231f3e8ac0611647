import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Failure } from '../artifact/viability-report-schema.js';

type Version = [number, number, number];

function parseVersion(text: string): Version | null {
  const match = /^v?(\d+)\.(\d+)\.(\d+)(?:[-+].*)?$/.exec(text.trim());
  return match === null ? null : [Number(match[1]), Number(match[2]), Number(match[3])];
}

/** A range operand may be partial (`>=18`, `^20.1`): missing parts are 0. */
function parseRangeVersion(text: string): Version | null {
  const match = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:[-+].*)?$/.exec(text.trim());
  return match === null ? null : [Number(match[1]), Number(match[2] ?? 0), Number(match[3] ?? 0)];
}

function compare(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/** Enough of semver ranges for a package.json: exact, ^, ~, >=, <, x-ranges, *, ||. Unknown forms never match. */
export function satisfies(version: string, range: string): boolean {
  const have = parseVersion(version);
  if (have === null) return false;
  return range.split('||').some((alternative) =>
    alternative
      .trim()
      .split(/\s+/)
      .every((part) => satisfiesOne(have, part)),
  );
}

function satisfiesOne(have: Version, part: string): boolean {
  if (part === '' || part === '*' || part === 'x' || part === 'latest') return true;
  const xRange = /^(\d+)(?:\.(\d+|x|\*))?(?:\.(x|\*))?$/.exec(part);
  if (xRange !== null && !/^\d+\.\d+\.\d+$/.test(part)) {
    if (have[0] !== Number(xRange[1])) return false;
    return xRange[2] === undefined || xRange[2] === 'x' || xRange[2] === '*' || have[1] === Number(xRange[2]);
  }
  const op = /^(\^|~|>=|<=|>|<|=)?(.*)$/.exec(part);
  const want = parseRangeVersion(op?.[2] ?? '');
  if (want === null) return false;
  const order = compare(have, want);
  switch (op?.[1]) {
    case '^':
      if (order < 0) return false;
      if (want[0] > 0) return have[0] === want[0];
      if (want[1] > 0) return have[0] === 0 && have[1] === want[1];
      return compare(have, want) === 0;
    case '~':
      return order >= 0 && have[0] === want[0] && have[1] === want[1];
    case '>=':
      return order >= 0;
    case '<=':
      return order <= 0;
    case '>':
      return order > 0;
    case '<':
      return order < 0;
    default:
      return order === 0;
  }
}

/**
 * Every dependency the artifact's package.json declares must be in the read-only store at a compatible version: the
 * sandbox has no network, so anything else could only fail later with a confusing error.
 */
export async function checkStoreDependencies(options: {
  artifactDir: string;
  storeDir: string;
}): Promise<{ passed: boolean; summary: string; failures: Failure[]; count: number }> {
  let pkg: Record<string, unknown>;
  try {
    pkg = JSON.parse(await readFile(path.join(options.artifactDir, 'package.json'), 'utf8')) as Record<string, unknown>;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      return { passed: true, summary: '', failures: [], count: 0 };
    const summary = `package.json is not JSON: ${(error as Error).message}`;
    return {
      passed: false,
      summary,
      failures: [{ test: 'dependencies', error: summary, file: 'package.json', line: null }],
      count: 0,
    };
  }
  const wanted: Array<[string, string]> = [];
  for (const field of ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies']) {
    const deps = pkg[field];
    if (typeof deps === 'object' && deps !== null) {
      for (const [name, range] of Object.entries(deps)) wanted.push([name, String(range)]);
    }
  }
  const failures: Failure[] = [];
  for (const [name, range] of wanted) {
    if (name.includes('..') || path.isAbsolute(name)) {
      failures.push({ test: 'dependencies', error: `invalid package name ${name}`, file: 'package.json', line: null });
      continue;
    }
    const installed = await readFile(path.join(options.storeDir, name, 'package.json'), 'utf8')
      .then((text) => String((JSON.parse(text) as { version?: unknown }).version ?? ''))
      .catch(() => null);
    if (installed === null) {
      failures.push({
        test: 'dependencies',
        error: `package ${name}@${range} is not in the package store (the sandbox is offline; only the genome's packages are provided)`,
        file: 'package.json',
        line: null,
      });
    } else if (!satisfies(installed, range)) {
      failures.push({
        test: 'dependencies',
        error: `package ${name}@${range} does not match the store's ${name}@${installed}`,
        file: 'package.json',
        line: null,
      });
    }
  }
  const summary =
    failures.length === 0
      ? ''
      : `dependencies not available offline: ${failures.map((failure) => failure.error.split(' (')[0]).join('; ')}`;
  return { passed: failures.length === 0, summary, failures, count: wanted.length };
}
