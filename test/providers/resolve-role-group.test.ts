import { describe, expect, it } from 'vitest';
import { resolveChangeRoles } from '../../src/change/change-roles.js';
import { resolveEvolveRoles } from '../../src/evolve/evolve-roles.js';
import { resolveRoleGroup } from '../../src/gateway/resolve-role-group.js';

const ROLES = ['change', 'review', 'reflect'] as const;

describe('resolveRoleGroup (the roles of change and evolve)', () => {
  it('takes the default provider from --provider, else CAMBRIAN_PROVIDER, and says which', () => {
    const env = { CAMBRIAN_PROVIDER: ' exemplar ' };
    expect(resolveRoleGroup({ roles: ROLES, flags: {}, env }).defaultProvider).toEqual({
      value: 'exemplar',
      source: 'CAMBRIAN_PROVIDER',
    });
    expect(resolveRoleGroup({ roles: ROLES, flags: { provider: '  ' }, env }).defaultProvider?.source).toBe(
      'CAMBRIAN_PROVIDER',
    );
    expect(resolveRoleGroup({ roles: ROLES, flags: { provider: 'exemplar' }, env }).defaultProvider?.source).toBe(
      '--provider',
    );
    const replayed = resolveRoleGroup({ roles: ROLES, flags: { replay: 'r.jsonl' }, env });
    expect(replayed.defaultProvider).toEqual({ value: 'replay', source: '--replay' });
    expect(ROLES.map((role) => replayed.configs[role].provider)).toEqual(['replay', 'replay', 'replay']);
    expect(replayed).toMatchObject({ replay: 'r.jsonl', record: null });
  });

  it('refuses --record with --replay, a role off the replay, and a replay role without a recording, naming the role', () => {
    expect(() => resolveRoleGroup({ roles: ROLES, flags: { record: 'a.jsonl', replay: 'b.jsonl' }, env: {} })).toThrow(
      '--record and --replay together would record a replay',
    );
    expect(() =>
      resolveRoleGroup({ roles: ROLES, flags: { replay: 'b.jsonl' }, env: { CAMBRIAN_REVIEW_PROVIDER: 'exemplar' } }),
    ).toThrow(
      expect.objectContaining({
        message: '--replay plays every exchange back, but the review role is set to exemplar',
        hint: 'drop --review-provider, or --replay',
      }),
    );
    expect(() => resolveEvolveRoles({ flags: {}, env: { CAMBRIAN_SCREEN_PROVIDER: 'replay' } })).toThrow(
      expect.objectContaining({
        message: 'the screen role uses the replay provider, but no recording was given',
        hint: 'add --replay FILE',
      }),
    );
  });

  it('change warns when no provider is configured at all; evolve does not', () => {
    const warning =
      'no provider configured: using the exemplar backend (set --provider or CAMBRIAN_PROVIDER for a model)';
    expect(resolveChangeRoles({ flags: {}, env: {} }).warnings).toEqual([warning]);
    expect(resolveChangeRoles({ flags: { provider: 'exemplar' }, env: {} }).warnings).toEqual([]);
    expect(resolveEvolveRoles({ flags: {}, env: {} }).warnings).toEqual([]);
  });
});
