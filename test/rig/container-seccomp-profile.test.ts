import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  buildContainerSeccompProfile,
  loadContainerSeccompProfile,
  PODMAN_PROFILE_PATHS,
} from '../../src/rig/sandbox/build-container-seccomp-profile.js';
import { DENIED_SYSCALLS } from '../../src/rig/sandbox/build-seccomp-filter.js';

const DENIED: readonly string[] = DENIED_SYSCALLS;

interface Rule {
  names: string[];
  action: string;
  errnoRet?: number;
}

describe('buildContainerSeccompProfile', () => {
  it('answers the denied calls with EPERM and leaves them in no other rule, the rest of the base intact', () => {
    const base = {
      defaultAction: 'SCMP_ACT_ERRNO',
      defaultErrnoRet: 38,
      archMap: [{ architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86', 'SCMP_ARCH_X32'] }],
      syscalls: [
        { names: ['read', 'ptrace', 'pidfd_getfd'], action: 'SCMP_ACT_ALLOW', args: [] },
        { names: ['kcmp'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_PTRACE'] } },
      ],
    };
    const profile = JSON.parse(buildContainerSeccompProfile(base, 'base.json')) as typeof base & { syscalls: Rule[] };
    expect(profile.defaultAction).toBe('SCMP_ACT_ERRNO');
    expect(profile.defaultErrnoRet).toBe(38);
    expect(profile.archMap).toEqual(base.archMap);
    expect(profile.syscalls).toEqual([
      { names: ['read'], action: 'SCMP_ACT_ALLOW', args: [] },
      expect.objectContaining({ names: [...DENIED_SYSCALLS], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }),
    ]);
  });

  for (const engine of ['docker', 'podman'] as const) {
    it(`derives ${engine}'s from its default profile, the calls in no other rule`, (context) => {
      if (engine === 'podman' && !PODMAN_PROFILE_PATHS.some((file) => existsSync(file))) {
        context.skip('containers-common is not installed (podman cannot run here either)');
      }
      const rules = (JSON.parse(loadContainerSeccompProfile(engine)) as { syscalls: Rule[] }).syscalls;
      const naming = rules.filter((rule) => rule.names.some((name) => DENIED.includes(name)));
      expect(naming).toEqual([expect.objectContaining({ action: 'SCMP_ACT_ERRNO', errnoRet: 1 })]);
      expect(rules.some((rule) => rule.names.includes('read') && rule.action === 'SCMP_ACT_ALLOW')).toBe(true);
    });
  }

  it('refuses a base that is not a seccomp profile, naming the file', () => {
    expect(() => buildContainerSeccompProfile({ syscalls: 'all' }, '/etc/containers/seccomp.json')).toThrow(
      expect.objectContaining({
        code: 'E_SANDBOX_UNAVAILABLE',
        exitCode: 2,
        message: expect.stringContaining('/etc/containers/seccomp.json is not a seccomp profile'),
      }),
    );
  });
});
