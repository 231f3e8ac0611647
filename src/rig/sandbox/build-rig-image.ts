import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { EnvironmentError } from '../../errors.js';
import { type ContainerEngine, engineCommand, runEngine } from './container-engine.js';
import { collectImageInputs, type RigImageInputs, rigImageTag } from './rig-image.js';

/** Mount points the rig binds into; created in the image so a read-only root still has them. */
const MOUNT_POINTS = ['artifact', 'cambrian', 'run/cambrian'];
/**
 * Beyond minbase: python3 (with ctypes), which the bwrap backend's bound /usr offers too, so an artifact finds the same
 * interpreters under every backend and the hostile forgers (raw pidfd_getfd calls through ctypes) run in containers.
 */
const EXTRA_PACKAGES = ['python3'];

function run(file: string, args: string[], onLine?: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile(file, args, { maxBuffer: 64 * 1024 * 1024 }, (error, _stdout, stderr) => {
      if (error === null) resolve();
      else
        reject(
          new Error(`${file} ${args.slice(0, 3).join(' ')} failed: ${stderr.trim().split('\n').slice(-3).join(' ')}`),
        );
    });
    child.stderr?.on('data', (chunk: Buffer) => onLine?.(chunk.toString().trim()));
  });
}

/** Where the built root file system is kept, so importing it into a second engine costs no second debootstrap. */
export function imageCacheDir(): string {
  return path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'cambrian');
}

/** The Node install goes in at the host's own path: the binary, and npm/npx beside it when the prefix is /usr. */
async function copyNode(inputs: RigImageInputs, rootfs: string): Promise<void> {
  const into = (host: string): string => path.join(rootfs, host);
  if (inputs.nodePrefix !== '/usr') {
    await cp(inputs.nodePrefix, into(inputs.nodePrefix), { recursive: true, verbatimSymlinks: true });
    return;
  }
  await mkdir(path.dirname(into(inputs.nodeBinary)), { recursive: true });
  await cp(inputs.nodeBinary, into(inputs.nodeBinary));
  for (const part of ['lib/node_modules/npm', 'bin/npm', 'bin/npx']) {
    const host = path.join(inputs.nodePrefix, part);
    if (existsSync(host)) await cp(host, into(host), { recursive: true, verbatimSymlinks: true });
  }
}

/** debootstrap (minbase) + the host's Node, packed as a tarball in the cache; reused when it already exists. */
async function buildRootfsTarball(inputs: RigImageInputs, tag: string, log: (line: string) => void): Promise<string> {
  const cacheDir = imageCacheDir();
  const tarball = path.join(cacheDir, `${tag.replace(':', '-')}.tar`);
  if (existsSync(tarball)) {
    log(`reusing ${tarball}`);
    return tarball;
  }
  if (process.getuid?.() !== 0) {
    throw new EnvironmentError({
      code: 'E_SANDBOX_IMAGE',
      message: 'building the rig image needs root (debootstrap creates device files and owners)',
      hint: 'sudo cambrian sandbox image',
    });
  }
  await mkdir(cacheDir, { recursive: true });
  const work = await mkdtemp(path.join(os.tmpdir(), 'cambrian-image-'));
  try {
    const rootfs = path.join(work, 'rootfs');
    log(`debootstrap --variant=minbase ${inputs.suite} from ${inputs.mirror} (about two minutes)`);
    const include = `--include=${EXTRA_PACKAGES.join(',')}`;
    await run('debootstrap', ['--variant=minbase', include, inputs.suite, rootfs, inputs.mirror]).catch(
      (error: Error) => {
        throw new EnvironmentError({
          code: 'E_SANDBOX_IMAGE',
          message: `cannot build the rig image's base: ${error.message}`,
          hint: existsSync('/usr/sbin/debootstrap')
            ? `check that apt can reach ${inputs.mirror}`
            : 'sudo apt-get install -y debootstrap',
          cause: error,
        });
      },
    );
    await copyNode(inputs, rootfs);
    for (const dir of MOUNT_POINTS) await mkdir(path.join(rootfs, dir), { recursive: true });
    await rm(path.join(rootfs, 'var/cache/apt/archives'), { recursive: true, force: true });
    await rm(path.join(rootfs, 'var/lib/apt/lists'), { recursive: true, force: true });
    const partial = `${tarball}.partial`;
    await run('tar', ['--numeric-owner', '-C', rootfs, '-cf', partial, '.']);
    await rename(partial, tarball);
    return tarball;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * `cambrian sandbox image`: builds the rig image offline (no image registry): a Debian minbase root from the mirror
 * apt already uses, plus the host's Node, imported into the engine and tagged by the hash of those inputs.
 */
export async function buildRigImage(options: {
  engine: ContainerEngine;
  log: (line: string) => void;
  /** Do nothing when the engine already has the image for these inputs. */
  ifStale?: boolean;
}): Promise<string> {
  const inputs = collectImageInputs();
  const tag = rigImageTag(inputs);
  if (options.ifStale === true) {
    const found = await runEngine({ engine: options.engine, args: ['image', 'inspect', tag], timeoutMs: 30_000 });
    if (found.ok) {
      options.log(`${options.engine} already has ${tag}`);
      return tag;
    }
  }
  const tarball = await buildRootfsTarball(inputs, tag, options.log);
  options.log(`importing into ${options.engine} as ${tag}`);
  const [file, ...prefix] = engineCommand(options.engine);
  await run(file ?? options.engine, [
    ...prefix,
    'import',
    '--change',
    'WORKDIR /artifact',
    '--change',
    'CMD ["node", "--version"]',
    tarball,
    tag,
  ]);
  return tag;
}
