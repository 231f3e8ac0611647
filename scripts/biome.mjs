#!/usr/bin/env node
// Runs Biome (the formatter and linter) from its platform package. The `@biomejs/biome` wrapper is not used: it lists
// every platform's binary as an optional dependency, and a registry that carries only the Linux ones makes `npm ci`
// refuse the lockfile. The Linux x64 and arm64 binaries are this project's optional dependencies instead.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const pkg = `@biomejs/cli-${process.platform}-${process.arch}`;
let binary;
try {
  binary = require.resolve(`${pkg}/biome`);
} catch {
  console.error(
    `biome: no binary for ${process.platform}-${process.arch} (${pkg} is not installed); on Linux x64/arm64 run npm ci, elsewhere npm install --no-save ${pkg}`,
  );
  process.exit(2);
}
const result = spawnSync(binary, process.argv.slice(2), { stdio: 'inherit' });
process.exit(result.status ?? 1);
