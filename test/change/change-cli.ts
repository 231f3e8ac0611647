import path from 'node:path';
import { expect } from 'vitest';
import { type CliRun, runCli } from '../e2e/run-cli.js';

/** The engine's environment without the provider configuration of the machine running the tests, plus `extra`. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const clean: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(CAMBRIAN_|ANTHROPIC_|OPENAI_)/.test(key)) clean[key] = value;
  }
  return { ...clean, NO_COLOR: '1', ...extra };
}

/** The built CLI on one generations dir, from the engine root. */
export function startCli(args: string[], generations: string, extra: Record<string, string> = {}): CliRun {
  return runCli([...args, '--generations', generations], { cwd: path.resolve('.'), env: cleanEnv(extra) });
}

/** gen-1 of MINIMAL-SPEC-001, reproduced offline: the parent the directed-change tests start from (~10 s). */
export async function seedMinimal(generations: string): Promise<void> {
  const seed = await startCli(['reproduce', '--spec', 'MINIMAL-SPEC-001'], generations).done;
  expect(seed.code, seed.stderr).toBe(0);
}
