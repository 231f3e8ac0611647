import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { INSIDE, type RigLayout } from './rig-layout.js';
import type { SandboxBind } from './sandbox/sandbox-types.js';

/**
 * The Vitest configuration the test stage runs under instead of the artifact's own. Vitest loads its config in its
 * main process, the one that writes the JUnit report and chooses the exit code, so an artifact's config could rewrite
 * both; this one is the rig's, bound read-only. It carries what the genome's shown config carries (include, timeout,
 * cache outside the read-only node_modules), plus: test files in child processes (`forks`, not worker threads of the
 * main process), an inline PostCSS config (else Vite searches the artifact for one and loads it), and no setup files,
 * global setup or plugins. CommonJS, so Vite compiles it in memory instead of writing a bundle into node_modules.
 */
export const RIG_VITEST_CONFIG = `// Written by the cambrian test rig; the artifact's own Vitest or Vite config is never loaded.
const os = require('node:os');
const path = require('node:path');

module.exports = {
  cacheDir: path.join(os.tmpdir(), 'cambrian-rig-vite'),
  css: { postcss: {} },
  plugins: [],
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 10000,
    pool: 'forks',
    setupFiles: [],
    globalSetup: [],
  },
};
`;

const VITEST_COMMAND = /^\s*vitest(\s|$)/;
// What would make text appended to the command land somewhere other than Vitest's own arguments.
const SHELL_CONTROL = /[;&|<>`\n]|\$\(/;

/**
 * How the test command runs: a command whose first word is `vitest` gets the rig's config and the artifact as its root
 * appended; any other runner runs as written. A `vitest` command that is not one simple command is refused: the rig
 * could not tell which Vitest its arguments reach.
 */
export function pinRigVitestConfig(
  command: string,
): { kind: 'other'; command: string } | { kind: 'vitest'; command: string } | { kind: 'refused'; reason: string } {
  if (!VITEST_COMMAND.test(command)) return { kind: 'other', command };
  if (SHELL_CONTROL.test(command)) {
    return {
      kind: 'refused',
      reason:
        'the test command starts with vitest but is not one simple command (it holds a shell operator), so the rig cannot run it under its own Vitest config',
    };
  }
  return { kind: 'vitest', command: `${command} --config ${INSIDE.vitestConfig} --root ${INSIDE.artifact}` };
}

/** Writes the rig's config into the run's own folder (outside the copy and the quota); returns its read-only bind. */
export async function writeRigVitestConfig(layout: RigLayout): Promise<SandboxBind> {
  const dir = path.join(layout.workRoot, 'rig');
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, 'vitest.config.cjs');
  await writeFile(file, RIG_VITEST_CONFIG);
  return { host: file, inside: INSIDE.vitestConfig };
}
