import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, expect, it } from 'vitest';
import { isLockFree } from '../supervisor/supervisor-helpers.js';
import { runCli } from './run-cli.js';

const cleanups: string[] = [];
const servers: Array<ReturnType<typeof runCli>> = [];
afterAll(async () => {
  // A failed assertion must not leave the server running (it holds a port and the lineage lock).
  for (const server of servers) {
    if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
    await server.done.catch(() => undefined);
  }
  for (const dir of cleanups) await rm(dir, { recursive: true, force: true });
});

it('cambrian supervise serves the Supervisor and the gateway for a hand-started Prime, and stops on SIGINT', async () => {
  const work = await mkdtemp(path.join(os.tmpdir(), 'cambrian-sv-'));
  cleanups.push(work);
  const generations = path.join(work, 'generations');
  const serve = runCli(['supervise', '--spec', 'MINIMAL-SPEC-001', '--generations', generations], {
    cwd: work,
    env: { ...process.env, NO_COLOR: '1' },
  });
  servers.push(serve);
  await serve.waitForStderr('cambrian: serving');
  const env = Object.fromEntries(
    serve
      .stdout()
      .trim()
      .split('\n')
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  ) as Record<string, string>;
  expect(env.ANTHROPIC_API_KEY).toMatch(/^cambrian-run-[0-9a-f]{48}$/);
  const versions = await fetch(`${env.CAMBRIAN_SUPERVISOR_URL}/versions`);
  expect(await versions.json()).toEqual({ ok: true, generations: [] });
  const refused = await fetch(`${env.ANTHROPIC_BASE_URL}/v1/messages`, {
    method: 'POST',
    headers: { 'x-api-key': 'wrong' },
    body: '{}',
  });
  expect(refused.status).toBe(401);
  expect(await isLockFree(generations)).toBe(false);

  serve.child.kill('SIGINT');
  const result = await serve.done;
  expect(result.code).toBe(0);
  await sleep(10);
  expect(await isLockFree(generations)).toBe(true);
});
