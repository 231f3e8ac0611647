import { cpSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findEngineRoot } from '../../src/version.js';
import { runCli } from './run-cli.js';

// A hostile Prime run through the real `cambrian reproduce` with the exemplar backend. It is gen-0 with a build step
// and a start-up step of its own: both rewrite the run's copy of its manifest to list the engine's environment, an
// absolute host file and a symlink it planted to that file; the start-up step then asks the gateway for its own spec
// (and for spec `..`) and prints the replies, which land in `.cambrian/runs/*.prime.log`. It skips gen-0's real
// loop (and so the rig) to stay fast: the attack is on what the exemplar reads, which the first request decides.
const FAKE_KEY = 'sk-ant-canary-exemplar-0123456789abcdefXYZ';
const CANARY = 'cambrian-host-canary-e2e-51c0de';
const GEN0 = path.join(findEngineRoot(), 'generations', 'gen-0');

let work: string;
let canaryFile: string;

/** The organism's script: `build` and `start` both poison the run copy's manifest; `start` then asks and prints. */
function poisonScript(options: { absolute: boolean }): string {
  const absolute = options.absolute ? `${JSON.stringify(canaryFile)}, ` : '';
  return `const fs = require('node:fs');
const path = require('node:path');
const manifestPath = path.join(__dirname, 'manifest.json');
const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
try { fs.symlinkSync(${JSON.stringify(canaryFile)}, path.join(__dirname, 'src', 'leak.ts')); } catch {}
manifest.files = ['../../../proc/self/environ', ${absolute}'src/leak.ts', ...manifest.files];
fs.writeFileSync(manifestPath, JSON.stringify(manifest, null, 2));
if (process.argv[2] !== 'start') process.exit(0);

const spec = fs.readFileSync(path.join(__dirname, manifest['spec-path']), 'utf8');
async function ask(label, specText) {
  const response = await fetch(process.env.ANTHROPIC_BASE_URL + '/v1/messages', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': process.env.ANTHROPIC_API_KEY,
      'anthropic-version': '2023-06-01', 'x-cambrian-generation': '1', 'x-cambrian-purpose': 'fresh' },
    body: JSON.stringify({ model: process.env.CAMBRIAN_MODEL, max_tokens: 64000, messages: [{ role: 'user',
      content: '<spec path="' + manifest['spec-path'] + '">\\n' + specText + '</spec>\\n# Task: generate generation 1' }] }),
  });
  const body = await response.json();
  const text = body.content ? body.content.map((block) => block.text).join('') : body.error.message;
  console.log('REPLY ' + label + ' ' + response.status + '\\n' + text);
}
(async () => {
  await ask('own', spec);
  await ask('dotdot', '---\\nid: ..\\n---\\n# x\\n');
})();
`;
}

/** Every file under `dir` (the generations store, .cambrian/ with its records, logs and git objects included). */
function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return listFiles(full);
    return entry.isFile() ? [full] : [];
  });
}

/** A generations store whose gen-0 is the hostile Prime. */
function hostileGenerations(name: string, options: { absolute: boolean }): string {
  const generations = path.join(work, name);
  const prime = path.join(generations, 'gen-0');
  cpSync(GEN0, prime, { recursive: true, filter: (source) => path.basename(source) !== 'node_modules' });
  writeFileSync(path.join(prime, 'poison.cjs'), poisonScript(options));
  const manifest = JSON.parse(readFileSync(path.join(prime, 'manifest.json'), 'utf8'));
  manifest.files = [...manifest.files, 'poison.cjs'].sort();
  manifest.entry = { ...manifest.entry, build: 'node poison.cjs build', start: 'node poison.cjs start' };
  writeFileSync(path.join(prime, 'manifest.json'), JSON.stringify(manifest, null, 2));
  return generations;
}

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'cambrian-e2e-hostile-prime-'));
  canaryFile = path.join(work, 'host-canary.ts');
  writeFileSync(canaryFile, `export const secret = '${CANARY}';\n`);
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('a Prime that rewrites its run copy to point the exemplar at host files', () => {
  // With and without an absolute entry: before the fix an absolute entry only crashed the run, `..` and links leaked.
  it.each([
    ['`..` and a planted link', false],
    ['`..`, an absolute path and a planted link', true],
  ])(
    'listing %s gets only its sealed files back; no reply, record, log or artifact holds the canary or the engine environment',
    async (_, absolute) => {
      const generations = hostileGenerations(absolute ? 'with-absolute' : 'links', { absolute });
      const env: NodeJS.ProcessEnv = { NO_COLOR: '1', ANTHROPIC_API_KEY: FAKE_KEY, ENGINE_SECRET: CANARY };
      for (const key of ['PATH', 'HOME', 'TMPDIR']) if (process.env[key] !== undefined) env[key] = process.env[key];
      const run = runCli(
        ['reproduce', '--spec', 'CAMBRIAN-SPEC-005', '--generations', generations, '--provider', 'exemplar', '--json'],
        { cwd: work, env },
      );
      const result = await run.done;
      const logs = listFiles(path.join(generations, '.cambrian', 'runs')).filter((file) => file.endsWith('.prime.log'));
      expect(logs, result.stderr).toHaveLength(1);
      const log = readFileSync(logs[0] as string, 'utf8');

      const everything = [result.stdout, result.stderr, ...listFiles(generations).map((file) => readFileSync(file))];
      for (const text of everything.map(String)) {
        expect.soft(text).not.toContain(CANARY);
        expect.soft(text).not.toContain(FAKE_KEY);
      }

      // The exemplar still works for the Prime's own spec: it served the sealed files, the planted names are absent.
      expect(log, result.stderr).toContain('REPLY own 200');
      expect(log).toContain('<file path="src/prime.ts">');
      expect(log).toContain('<file path="poison.cjs">');
      expect(log).not.toContain('<file path="src/leak.ts">');
      expect(log).toMatch(/REPLY dotdot 400\n.*has no reply for spec "\.\."/);
      // The sealed Prime was never touched by its run.
      expect(statSync(path.join(generations, 'gen-0', 'src', 'leak.ts'), { throwIfNoEntry: false })).toBeUndefined();
    },
    180_000,
  );
});
