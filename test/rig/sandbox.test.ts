import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectCgroups } from '../../src/rig/sandbox/cgroup-limits.js';
import { detectSandbox } from '../../src/rig/sandbox/detect-sandbox.js';
import { runSandboxed } from '../../src/rig/sandbox/run-sandboxed.js';
import type { Sandbox } from '../../src/rig/sandbox/sandbox-types.js';
import { spawnSandboxed } from '../../src/rig/sandbox/spawn-sandboxed.js';
import { backendsUnderTest, backendTitle, LIMITS_REQUIRED } from './sandbox-backends.js';

function survivors(marker: string): string[] {
  try {
    return execFileSync('pgrep', ['-f', marker], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

function hasCommand(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

let sandbox: Sandbox;
let dir: string;
beforeAll(async () => {
  sandbox = await detectSandbox('bwrap');
  dir = await mkdtemp(path.join(os.tmpdir(), 'cambrian-sandbox-test-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const base = () => ({ sandbox, cwd: '/tmp', binds: [], env: {}, timeoutMs: 10_000 });

describe('detectSandbox', () => {
  it('finds bwrap with its cgroup limits on this machine', async () => {
    const found = await detectSandbox('auto');
    expect(found.kind).toBe('bwrap');
    expect(found.warning).toBeNull();
  });

  // Where the engines are installed, test/rig/container-backend.test.ts runs their assertions instead (required in CI).
  it.skipIf(hasCommand('dockerd'))('says how to fix a docker backend that cannot run here', async () => {
    // docker's client may be installed without an engine
    await expect(detectSandbox('docker')).rejects.toMatchObject({
      code: 'E_SANDBOX_UNAVAILABLE',
      exitCode: 2,
      message: expect.stringMatching(/^docker is (installed but its engine does not answer|not installed)$/),
    });
  });

  it.skipIf(hasCommand('podman'))('says how to install a podman backend that is missing', async () => {
    await expect(detectSandbox('podman')).rejects.toMatchObject({
      code: 'E_SANDBOX_UNAVAILABLE',
      hint: 'sudo apt-get install -y podman runc, or use --sandbox bwrap',
    });
  });

  it('warns whenever the none backend is chosen', async () => {
    const none = await detectSandbox('none');
    expect(none.warning).toMatch(/can read and write your files and reach the network/);
  });
});

describe('runSandboxed (bwrap)', () => {
  it("gives the process exactly the environment it was handed, never the parent's", async () => {
    process.env.ANTHROPIC_API_KEY = 'sk-ant-parent-secret-1234';
    try {
      const result = await runSandboxed({ ...base(), argv: ['env'], env: { ONLY_THIS: 'yes' } });
      const keys = result.stdoutTail
        .trim()
        .split('\n')
        .map((line) => line.split('=')[0])
        .sort();
      expect(keys).toEqual(['HOME', 'NODE_OPTIONS', 'ONLY_THIS', 'PATH', 'PWD']);
      expect(result.stdoutTail).not.toContain('sk-ant-parent-secret');
      expect(result.stdoutTail).toContain('NODE_OPTIONS=--max-old-space-size=1024');
    } finally {
      delete process.env.ANTHROPIC_API_KEY;
    }
  });

  it('has no network: a server on the host loopback is unreachable', async () => {
    const server = http.createServer((_req, res) => res.end('reached'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const script = `fetch('http://127.0.0.1:${port}/').then(r=>r.text()).then(t=>console.log('GOT',t),e=>console.log('FAILED',e.cause?.code??e.message))`;
      const result = await runSandboxed({ ...base(), argv: ['node', '-e', script] });
      expect(result.stdoutTail).toContain('FAILED ECONNREFUSED');
      const ext = await runSandboxed({
        ...base(),
        argv: ['node', '-e', "require('dns').lookup('registry.npmjs.org',(e)=>console.log(e?'DNS-FAILED':'DNS-OK'))"],
      });
      expect(ext.stdoutTail).toContain('DNS-FAILED');
    } finally {
      server.close();
    }
  });

  it('shows only what a Node program needs, read-only, plus the writable binds', async () => {
    const writable = path.join(dir, 'rw');
    const readonly = path.join(dir, 'ro');
    await mkdir(writable);
    await mkdir(readonly);
    await writeFile(path.join(readonly, 'data.txt'), 'ro-data');
    const result = await runSandboxed({
      ...base(),
      binds: [
        { host: writable, inside: '/work/rw', writable: true },
        { host: readonly, inside: '/work/ro' },
      ],
      argv: [
        'sh',
        '-c',
        [
          'for p in /root /home /work/main /etc/shadow /var /opt; do [ -e $p ] && echo VISIBLE $p; done',
          'touch /usr/bin/evil 2>/dev/null && echo WROTE-USR',
          'echo x > /work/ro/data.txt 2>/dev/null && echo WROTE-RO',
          'cat /work/ro/data.txt; echo',
          'echo inside > /work/rw/out.txt && echo WROTE-RW',
        ].join('; '),
      ],
    });
    expect(result.stdoutTail).not.toContain('VISIBLE');
    expect(result.stdoutTail).not.toContain('WROTE-USR');
    expect(result.stdoutTail).not.toContain('WROTE-RO');
    expect(result.stdoutTail).toContain('ro-data');
    expect(result.stdoutTail).toContain('WROTE-RW');
    expect(await readFile(path.join(writable, 'out.txt'), 'utf8')).toBe('inside\n');
    expect(await readFile(path.join(readonly, 'data.txt'), 'utf8')).toBe('ro-data');
  });

  it('cannot remount its read-only view writable (no capabilities)', async () => {
    const result = await runSandboxed({
      ...base(),
      argv: ['sh', '-c', 'mount -o remount,bind,rw /usr 2>&1; touch /usr/evil 2>&1 && echo ESCAPED'],
    });
    expect(result.stdoutTail).not.toContain('ESCAPED');
  });

  it('bridges a loopback port inside to a unix socket on the host', async () => {
    const socketPath = path.join(dir, 'bridge.sock');
    const server = http.createServer((req, res) => res.end(`host saw ${req.method} ${req.url}`));
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    try {
      const result = await runSandboxed({
        ...base(),
        bridges: [{ port: 8400, socketPath }],
        argv: ['node', '-e', "fetch('http://127.0.0.1:8400/versions').then(r=>r.text()).then(console.log)"],
      });
      expect(result.stderrTail).toBe('');
      expect(result.stdoutTail.trim()).toBe('host saw GET /versions');
      expect(result.exitCode).toBe(0);
    } finally {
      server.close();
    }
  });

  it('exposes a loopback port inside as a unix socket on the host, only once the port accepts', async () => {
    const socketDir = path.join(dir, 'expose');
    await mkdir(socketDir);
    const socketPath = path.join(socketDir, 'app.sock');
    const serve = "require('http').createServer((q,s)=>s.end('inside saw '+q.url)).listen(8401,'127.0.0.1')";
    const proc = spawnSandboxed({
      ...base(),
      timeoutMs: 20_000,
      exposes: [{ port: 8401, socketPath }],
      argv: ['sh', '-c', `sleep 1; node -e "${serve}"`],
    });
    try {
      // before anything listens inside there is no socket, so "the socket accepts" means "the port accepts"
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(existsSync(socketPath)).toBe(false);
      const deadline = Date.now() + 15_000;
      while (!existsSync(socketPath) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const body = await new Promise<string>((resolve, reject) => {
        http
          .get({ socketPath, path: '/ping' }, (res) => {
            let text = '';
            res.on('data', (chunk: Buffer) => {
              text += chunk.toString();
            });
            res.on('end', () => resolve(text));
          })
          .on('error', reject);
      });
      expect(body).toBe('inside saw /ping');
    } finally {
      await proc.kill();
    }
  });

  it('kills the whole tree on timeout, background children included', async () => {
    const marker = `1000.${randomBytes(3).readUIntBE(0, 3)}`;
    const result = await runSandboxed({
      ...base(),
      timeoutMs: 400,
      argv: ['sh', '-c', `sleep ${marker} & (sleep ${marker} &) ; sleep ${marker}`],
    });
    expect(result.timedOut).toBe(true);
    expect(result.killedFor).toBe('timeout');
    expect(survivors(`sleep ${marker}`)).toEqual([]);
  });

  it('kill() ends a long-running process and everything it started', async () => {
    const marker = `2000.${randomBytes(3).readUIntBE(0, 3)}`;
    const proc = spawnSandboxed({
      ...base(),
      timeoutMs: 60_000,
      argv: ['sh', '-c', `sleep ${marker} & sleep ${marker}`],
    });
    for (let i = 0; i < 100 && survivors(`sleep ${marker}`).length < 2; i++)
      await new Promise((r) => setTimeout(r, 20));
    expect(survivors(`sleep ${marker}`).length).toBeGreaterThanOrEqual(2);
    await proc.kill();
    const result = await proc.done;
    expect(result.killedFor).toBe('killed');
    expect(survivors(`sleep ${marker}`)).toEqual([]);
  });

  it('aborts on the signal', async () => {
    const controller = new AbortController();
    const running = runSandboxed({ ...base(), signal: controller.signal, argv: ['sleep', '30'] });
    setTimeout(() => controller.abort(), 100);
    const result = await running;
    expect(result.killedFor).toBe('aborted');
    expect(result.durationMs).toBeLessThan(10_000);
  });

  // Without a writable pids/memory cgroup (an unprivileged rig, cgroup v2 only) these limits do not exist; docs/sandbox.md.
  it.skipIf(detectCgroups()?.pids == null && !LIMITS_REQUIRED)('refuses forks beyond the pid limit', async () => {
    const result = await runSandboxed({
      ...base(),
      limits: { pids: 32 },
      argv: [
        'sh',
        '-c',
        'for i in $(seq 1 100); do sleep 5 & done 2>/dev/null; echo spawned; kill $(jobs -p) 2>/dev/null',
      ],
    });
    expect(result.limitsHit).toContain('pids');
  });

  it.skipIf(detectCgroups()?.memory == null && !LIMITS_REQUIRED)(
    'kills a tree that outgrows its memory limit',
    async () => {
      const result = await runSandboxed({
        ...base(),
        limits: { memoryMb: 96, heapMb: 4096 },
        argv: ['node', '-e', 'const a=[];for(;;){a.push(Buffer.alloc(8<<20).fill(1))}'],
      });
      expect(result.killedFor).toBe('memory');
      expect(result.exitCode).not.toBe(0);
    },
  );

  it('stops a file from growing beyond the file-size limit', async () => {
    const result = await runSandboxed({
      ...base(),
      limits: { fileSizeMb: 1 },
      argv: ['sh', '-c', 'head -c 5000000 /dev/zero > /tmp/big; echo status=$?; wc -c < /tmp/big'],
    });
    expect(result.stdoutTail).toBe(`status=${128 + 25}\n${1024 * 1024}\n`);
    const direct = await runSandboxed({
      ...base(),
      limits: { fileSizeMb: 1 },
      argv: ['sh', '-c', 'exec head -c 5000000 /dev/zero > /tmp/big'],
    });
    expect(direct.killedFor).toBe('file-size');
  });

  it('keeps only the tail of huge output', async () => {
    const result = await runSandboxed({
      ...base(),
      argv: [
        'node',
        '-e',
        "const b='x'.repeat(1<<20)+'\\n';for(let i=0;i<20;i++)process.stdout.write(b);console.log('END')",
      ],
    });
    expect(result.stdoutBytes).toBeGreaterThan(20 * (1 << 20));
    expect(result.stdoutTail.length).toBeLessThan(9000);
    expect(result.stdoutTail.trimEnd().endsWith('END')).toBe(true);
  });
});

// Every backend: bwrap's own filter, the containers' derived profile (their engine defaults each allow some of these).
const REACH_PROBE = [
  'import ctypes, os, subprocess',
  'libc = ctypes.CDLL(None, use_errno=True)',
  "nr = {'x86_64': (310, 312), 'aarch64': (270, 272)}[os.uname().machine]",
  "child = subprocess.Popen(['sleep', '5'], stdout=subprocess.PIPE)",
  "def show(name, ret): print(name, 'ok' if ret >= 0 else os.strerror(ctypes.get_errno()))",
  "show('pidfd_getfd', libc.syscall(438, libc.syscall(434, child.pid, 0), 1, 0))",
  "show('process_vm_readv', libc.syscall(nr[0], child.pid, None, 0, None, 0, 0))",
  "show('kcmp', libc.syscall(nr[1], os.getpid(), child.pid, 0, 1, 1))",
  "show('ptrace', libc.ptrace(0, 0, 0, 0))",
  'child.kill()',
].join('\n');

for (const backend of await backendsUnderTest()) {
  describe.skipIf(backend.skipReason !== null)(`reaching into another process under ${backendTitle(backend)}`, () => {
    it('refuses ptrace, pidfd_getfd, process_vm_readv and kcmp with EPERM (seccomp), even on a process of its own', async () => {
      const result = await runSandboxed({
        sandbox: await backend.sandbox(),
        cwd: '/tmp',
        binds: [],
        env: {},
        timeoutMs: 60_000,
        argv: ['/usr/bin/python3', '-c', REACH_PROBE],
      });
      expect(result.stderrTail).toBe('');
      expect(result.stdoutTail).toBe(
        [
          'pidfd_getfd Operation not permitted',
          'process_vm_readv Operation not permitted',
          'kcmp Operation not permitted',
          'ptrace Operation not permitted',
          '',
        ].join('\n'),
      );
    }, 120_000);
  });
}
