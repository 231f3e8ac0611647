import { execFileSync, spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { listRigContainers } from '../../src/rig/sandbox/container-sweep.js';
import { runSandboxed } from '../../src/rig/sandbox/run-sandboxed.js';
import { findEngineRoot } from '../../src/version.js';
import { backendsUnderTest, backendTitle } from './sandbox-backends.js';
import { RIG_SPEC_PATH, sealFixture } from './seal-fixture.js';

const BACKENDS = (await backendsUnderTest()).filter((backend) => backend.kind !== 'bwrap');

async function waitFor<T>(read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!ok(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    value = await read();
  }
  return value;
}

for (const backend of BACKENDS) {
  describe.skipIf(backend.skipReason !== null)(`a SIGKILLed rig under ${backendTitle(backend)}`, () => {
    it('leaves no container: the launcher removes it when the rig dies, in the engine listing and ps -a', async () => {
      const engine = backend.kind as 'docker' | 'podman';
      await backend.sandbox();
      const fixture = await sealFixture({ name: 'infinite-test', files: { 'marker.txt': 'orphan\n' } });
      try {
        const rig = spawn(
          process.execPath,
          [
            path.join(findEngineRoot(), 'dist/src/cli/bin.js'),
            'rig',
            fixture.dir,
            '--spec',
            RIG_SPEC_PATH,
            '--sandbox',
            engine,
          ],
          { stdio: 'ignore' },
        );
        const owner = rig.pid ?? -1;
        const ours = async () => (await listRigContainers({ engine })).filter((c) => c.owner === owner);
        // The endless test stage is running in a container of this rig…
        const running = await waitFor(ours, (list) => list.length > 0, 60_000);
        expect(running.length).toBe(1);
        rig.kill('SIGKILL');
        // …and once the rig is dead, nothing of it is left, by the engine's own listing. The launcher's `rm` under
        // podman took over 20 s once with the machine loaded (CI in a fresh clone beside two helpers), hence 45 s.
        const left = await waitFor(ours, (list) => list.length === 0, 45_000);
        expect(left).toEqual([]);
        const ps = execFileSync(engine, ['ps', '--all', '--format', '{{.Names}}']).toString();
        expect(ps).not.toContain(`cambrian-rig-${owner}-`);
      } finally {
        await fixture.cleanup();
      }
    }, 120_000);

    it("times the command, not the engine's start: a 1.8 s command meets a 2 s limit the whole run overshoots", async () => {
      const sandbox = await backend.sandbox();
      const argv = ['sh', '-c', 'echo before-sleep >&2; sleep 1.8; echo after-sleep >&2'];
      const result = await runSandboxed({ sandbox, argv, cwd: '/', binds: [], env: {}, timeoutMs: 2000 });
      expect(result).toMatchObject({ exitCode: 0, timedOut: false });
      // the engine's create and start came on top of the 2 s
      expect(result.durationMs).toBeGreaterThan(2000);
      // the entry's launch marker is the rig's, never part of the command's output
      expect(result.stderrTail).toBe('before-sleep\nafter-sleep\n');
      const endless = await runSandboxed({
        sandbox,
        argv: ['sleep', '60'],
        cwd: '/',
        binds: [],
        env: {},
        timeoutMs: 1000,
      });
      expect(endless).toMatchObject({ timedOut: true, killedFor: 'timeout' });
      expect(endless.durationMs).toBeLessThan(15_000);
    }, 60_000);

    it("an engine failure is the environment's, never the artifact's: a missing image rejects with exit 2", async () => {
      const sandbox = { ...(await backend.sandbox()), image: 'cambrian-rig:does-not-exist' };
      const run = runSandboxed({ sandbox, argv: ['true'], cwd: '/', binds: [], env: {}, timeoutMs: 60_000 });
      await expect(run).rejects.toMatchObject({ code: 'E_SANDBOX_ENGINE', exitCode: 2 });
      const engine = backend.kind as 'docker' | 'podman';
      expect((await listRigContainers({ engine })).filter((c) => c.owner === process.pid)).toEqual([]);
    }, 60_000);
  });
}
