import { execFileSync } from 'node:child_process';

/** End-to-end tests run the built CLI, so build once before any test file runs. */
export default function setup(): void {
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
}
