#!/usr/bin/env node
// Seals a hand-written artifact (gen-0): copies the spec into <artifact>/spec/<ID>.md byte for byte and writes
// manifest.json exactly as docs/contracts.md §7 says, the same way a Prime computes it for its offspring.
//
//   node scripts/seal-artifact.mjs <artifact-dir> <spec-file> [--generation 0] [--model hand-written]
//
// Plain Node ESM without dependencies, so it runs before `npm ci`.
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

const USAGE = 'usage: node scripts/seal-artifact.mjs <artifact-dir> <spec-file> [--generation N] [--model NAME]';
const IGNORED_TOP_LEVEL = new Set(['node_modules', 'dist', 'manifest.json']);

function fail(message) {
  process.stderr.write(`seal-artifact: ${message}\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const positional = [];
  const options = { generation: 0, model: 'hand-written' };
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index];
    if (arg === '--generation' || arg === '--model') {
      const value = argv[index + 1];
      if (value === undefined) fail(`${arg} needs a value\n${USAGE}`);
      index += 1;
      if (arg === '--model') options.model = value;
      else if (/^\d+$/.test(value)) options.generation = Number(value);
      else fail(`--generation must be a whole number >= 0, got ${JSON.stringify(value)}`);
    } else if (arg === '--help' || arg === '-h') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else if (arg.startsWith('--')) {
      fail(`unknown option ${arg}\n${USAGE}`);
    } else {
      positional.push(arg);
    }
  }
  if (positional.length !== 2) fail(USAGE);
  return { artifactDir: path.resolve(positional[0]), specFile: path.resolve(positional[1]), ...options };
}

function frontMatter(text, specFile) {
  const lines = text
    .replace(/^\uFEFF/, '')
    .split('\n')
    .map((line) => line.replace(/\r$/, ''));
  if (lines[0] !== '---') fail(`${specFile}:1: no front matter (the first line must be ---)`);
  const fields = {};
  for (let index = 1; index < lines.length; index += 1) {
    if (lines[index] === '---') return fields;
    const match = /^([A-Za-z0-9_-]+):\s*(.*)$/.exec(lines[index]);
    if (match) fields[match[1]] = match[2].trim().replace(/^(['"])(.*)\1$/, '$2');
  }
  return fail(`${specFile}:1: the front matter is never closed by a line ---`);
}

function fencedJson(text, info, specFile) {
  const lines = text.split('\n').map((line) => line.replace(/\r$/, ''));
  const start = lines.findIndex((line) => line.trimEnd() === `\`\`\`${info}`);
  if (start === -1) return undefined;
  const end = lines.findIndex((line, index) => index > start && line.trimEnd() === '```');
  if (end === -1) fail(`${specFile}:${start + 1}: the \`\`\`${info} block is never closed`);
  try {
    return JSON.parse(lines.slice(start + 1, end).join('\n'));
  } catch (error) {
    return fail(`${specFile}:${start + 2}: the \`\`\`${info} block is not valid JSON: ${error.message}`);
  }
}

async function listFiles(root, rel = '') {
  const found = [];
  for (const entry of await readdir(path.join(root, rel), { withFileTypes: true })) {
    const child = rel === '' ? entry.name : `${rel}/${entry.name}`;
    if (rel === '' && IGNORED_TOP_LEVEL.has(entry.name)) continue;
    if (entry.isDirectory()) found.push(...(await listFiles(root, child)));
    else if (entry.isFile()) found.push(child);
    else fail(`${path.join(root, child)} is neither a file nor a folder (symlink?); an artifact holds only files`);
  }
  return found;
}

const sha256 = (bytes) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

async function main() {
  const { artifactDir, specFile, generation, model } = parseArgs(process.argv.slice(2));
  const specBytes = await readFile(specFile).catch((error) => fail(`cannot read ${specFile}: ${error.message}`));
  const specText = specBytes.toString('utf8');
  const front = frontMatter(specText, specFile);
  if (!/^[A-Za-z0-9_@+-][A-Za-z0-9._@+-]*$/.test(front.id ?? '')) fail(`${specFile}: the front matter needs an id`);
  if (!front.version) fail(`${specFile}: the front matter needs a version`);
  const entry = fencedJson(specText, 'entry', specFile);
  if (entry === undefined) fail(`${specFile}: no \`\`\`entry block`);
  for (const key of ['build', 'test', 'start', 'health']) {
    if (typeof entry[key] !== 'string') fail(`${specFile}: the entry block needs a string "${key}"`);
  }
  const contracts = fencedJson(specText, 'contracts', specFile) ?? [];
  if (!Array.isArray(contracts)) fail(`${specFile}: the contracts block must be a JSON array`);

  const specPath = `spec/${front.id}.md`;
  await mkdir(path.join(artifactDir, 'spec'), { recursive: true });
  // Re-sealing with the artifact's own spec copy: nothing to copy (copying a file onto itself could truncate it).
  if (path.join(artifactDir, specPath) !== specFile) await copyFile(specFile, path.join(artifactDir, specPath));

  // Sorted by UTF-16 code unit order, as Array.prototype.sort does and as contracts §7 asks.
  const files = (await listFiles(artifactDir)).sort();
  const strays = files.filter((file) => file.startsWith('spec/') && file !== specPath);
  if (strays.length > 0) {
    process.stderr.write(
      `seal-artifact: warning: spec/ also holds ${strays.join(', ')}; they are sealed as artifact files\n`,
    );
  }
  const hash = createHash('sha256');
  for (const file of files) {
    hash.update(Buffer.from(file, 'utf8'));
    hash.update(Buffer.from([0]));
    hash.update(await readFile(path.join(artifactDir, file)));
  }
  const manifest = {
    'cambrian-version': 1,
    generation,
    'parent-generation': generation === 0 ? null : generation - 1,
    'spec-id': front.id,
    'spec-version': front.version,
    'spec-path': specPath,
    'spec-hash': sha256(specBytes),
    'artifact-hash': `sha256:${hash.digest('hex')}`,
    'producer-model': model,
    'token-usage': { input: 0, output: 0, 'cache-read': 0, 'cache-write': 0 },
    files,
    'created-at': new Date().toISOString(),
    entry,
    contracts,
  };
  await writeFile(path.join(artifactDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  process.stdout.write(`sealed ${artifactDir}: ${files.length} files, ${manifest['artifact-hash']}\n`);
}

await main();
