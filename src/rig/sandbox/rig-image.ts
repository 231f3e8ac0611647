import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { nodeInstallDir } from './build-bwrap-args.js';

/** Bumped whenever buildRigImage puts something different into the image. */
const RECIPE_VERSION = 2;
export const IMAGE_REPOSITORY = 'cambrian-rig';

/** What goes into the rig image; its hash is the image's tag, so a changed input means a stale image. */
export interface RigImageInputs {
  recipe: number;
  /** Debian release and mirror that `debootstrap --variant=minbase` fetches the base from. */
  suite: string;
  mirror: string;
  /** The host's Node install, copied in at the same path (so `process.execPath` is valid inside too). */
  nodePrefix: string;
  nodeBinary: string;
  nodeVersion: string;
  nodeSize: number;
}

const FALLBACK_MIRROR = 'http://deb.debian.org/debian';

function readCodename(): string {
  const text = readFileSync('/etc/os-release', 'utf8');
  return /^VERSION_CODENAME=("?)([a-z]+)\1$/m.exec(text)?.[2] ?? 'bookworm';
}

function listSourceFiles(): string[] {
  const dir = '/etc/apt/sources.list.d';
  let names: string[] = [];
  try {
    names = readdirSync(dir).sort();
  } catch {
    // no folder
  }
  return ['/etc/apt/sources.list', ...names.map((name) => path.join(dir, name))];
}

/**
 * The Debian mirror this machine's apt already uses for `suite` (one-line and deb822 formats), so the image builds
 * wherever apt works, with no image registry.
 */
export function findDebianMirror(suite: string): string {
  for (const file of listSourceFiles()) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n')) {
      const oneLine = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)\s/.exec(line.trim());
      if (oneLine?.[2] === suite && oneLine[1] !== undefined) return oneLine[1].replace(/\/$/, '');
    }
    for (const stanza of text.split(/\n\s*\n/)) {
      const field = (name: string): string[] =>
        new RegExp(`^${name}:\\s*(.*)$`, 'mi').exec(stanza)?.[1]?.trim().split(/\s+/) ?? [];
      const uri = field('URIs')[0];
      if (uri !== undefined && field('Suites').includes(suite) && field('Types').includes('deb')) {
        return uri.replace(/\/$/, '');
      }
    }
  }
  return FALLBACK_MIRROR;
}

export function collectImageInputs(): RigImageInputs {
  const suite = readCodename();
  const nodeBinary = realpathSync(process.execPath);
  return {
    recipe: RECIPE_VERSION,
    suite,
    mirror: findDebianMirror(suite),
    nodePrefix: nodeInstallDir(),
    nodeBinary,
    nodeVersion: process.version,
    nodeSize: statSync(nodeBinary).size,
  };
}

/** `cambrian-rig:<12 hex of the inputs' hash>`: the image the rig expects on this machine now. */
export function rigImageTag(inputs: RigImageInputs = collectImageInputs()): string {
  const hash = createHash('sha256').update(JSON.stringify(inputs)).digest('hex').slice(0, 12);
  return `${IMAGE_REPOSITORY}:${hash}`;
}
