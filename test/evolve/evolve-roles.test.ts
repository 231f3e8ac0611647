import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { afterEach, describe, expect, it } from 'vitest';
import type { EvolveEntry } from '../../src/evolve/evolve-log.js';
import { addEvolveProviderOptions, resolveEvolveRoles } from '../../src/evolve/evolve-roles.js';
import { loadLandscape } from '../../src/evolve/landscape.js';
import { mutateExemplar } from '../../src/evolve/mutate-exemplar.js';
import { runEvolve } from '../../src/evolve/run-evolve.js';
import type { ProviderFlags } from '../../src/gateway/roles.js';
import { loadSpec } from '../../src/spec/load-spec.js';
import { type AnthropicServer, startAnthropicServer } from '../providers/helpers/anthropic-server.js';

const root = path.resolve(import.meta.dirname, '../..');
const landscapeFile = path.join(root, 'examples/evolve/landscape.json');
const KEY = 'sk-ant-evolve-test-0123456789';
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

function flagsOf(argv: string[]): ProviderFlags {
  const command = addEvolveProviderOptions(new Command('evolve').exitOverride());
  command.parse(argv, { from: 'user' });
  return command.opts<ProviderFlags>();
}

async function setUp(): Promise<{
  server: AnthropicServer;
  dir: string;
  roles: ReturnType<typeof resolveEvolveRoles>;
}> {
  const server = await startAnthropicServer({ key: KEY });
  const dir = mkdtempSync(path.join(tmpdir(), 'cambrian-evolve-roles-'));
  cleanups.push(
    () => server.close(),
    () => rmSync(dir, { recursive: true, force: true }),
  );
  const roles = resolveEvolveRoles({
    flags: flagsOf(['--mutate-provider', 'anthropic', '--screen-model', 'small-screen-model']),
    env: { CAMBRIAN_SCREEN_PROVIDER: 'anthropic', ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: server.url },
  });
  return { server, dir, roles };
}

describe('roles mutate and screen', () => {
  it('resolve like every role: flags, CAMBRIAN_<ROLE>_*, the default provider, the exemplar', () => {
    const roles = resolveEvolveRoles({
      flags: flagsOf(['--mutate-provider', 'openai', '--mutate-base-url', 'http://127.0.0.1:9/v1']),
      env: { CAMBRIAN_SCREEN_PROVIDER: 'exemplar', CAMBRIAN_MUTATE_MODEL: 'qwen' },
    });
    expect(roles.mutate).toMatchObject({ provider: 'openai', model: 'qwen', baseUrl: 'http://127.0.0.1:9/v1' });
    expect(roles.screen.provider).toBe('exemplar');
    expect(() => resolveEvolveRoles({ flags: flagsOf(['--screen-provider', 'gpt']), env: {} })).toThrow(
      /unknown provider/,
    );
    expect(() => resolveEvolveRoles({ flags: flagsOf(['--mutate-provider', 'anthropic']), env: {} })).toThrow(
      /needs a key/,
    );
  });

  it('through the Anthropic SDK: mutate writes a whole spec, screen answers a JSON verdict, each one request', async () => {
    const { server, dir, roles } = await setUp();
    const parent = await loadSpec('CAMBRIAN-SPEC-005');
    const { edits } = await loadLandscape(landscapeFile);
    const edit = edits.find((e) => e.name === 'vitest-example');
    if (edit === undefined) throw new Error('landscape lacks vitest-example');
    const version = parent.version.replace(/\.\d+$/, '.1');
    const mutant = mutateExemplar({ parent, edit: { ...edit, why: 'show a working vitest file' }, version })
      .toString()
      .replace(/ \(evolve: [^)]*\)/, '');
    server.replies.push(
      server.cachedReply(`Here is the new version.\n\n\`\`\`markdown\n${mutant}\n\`\`\`\n`),
      server.cachedReply('{"coherent": true, "issues": [], "summary": "same contract, one example added"}'),
    );
    const result = await runEvolve({
      spec: 'CAMBRIAN-SPEC-005',
      simulate: landscapeFile,
      campaigns: 2,
      length: 8,
      seed: 'sdk',
      generationsDir: dir,
      roles,
    });
    expect(server.requests).toHaveLength(2);
    const [mutateRequest, screenRequest] = server.requests;
    expect(mutateRequest?.body.model).toBe('claude-sonnet-4-6');
    expect(JSON.stringify(mutateRequest?.body.system)).toContain('You evolve a genome');
    expect(JSON.stringify(mutateRequest?.body.messages)).toContain(`<parent-spec version=\\"${parent.version}\\"`);
    expect(JSON.stringify(mutateRequest?.body.messages)).toContain(`New version: ${version}`);
    expect(screenRequest?.body.model).toBe('small-screen-model');
    expect(JSON.stringify(screenRequest?.body.messages)).toContain(`<mutant-spec version=\\"${version}\\"`);
    const byType = (type: EvolveEntry['type']) => result.entries.filter((e) => e.type === type);
    expect(byType('mutant')).toEqual([
      expect.objectContaining({
        version,
        changes: ['show a working vitest file'],
        mutation: { type: 'refinement', name: `refinement-${version}` },
        tokens: expect.any(Number),
      }),
    ]);
    expect(byType('admitted')).toEqual([expect.objectContaining({ screen: 'same contract, one example added' })]);
    // Two evaluations: the head's campaign, then the mutant's batches (and top-up) until the rule decides it.
    const stages = byType('campaign').map((e) => e.type === 'campaign' && e.stage);
    expect(stages[0]).toBe('head');
    expect(stages.slice(1).every((stage) => stage === 'mutant' || stage === 'confirm')).toBe(true);
    expect(byType('decision')).toEqual([expect.objectContaining({ version, why: expect.any(String) })]);
  });

  it('a reply that is no spec is refused by the guard, prose from the screen is refused, neither gets a campaign', async () => {
    const { server, dir, roles } = await setUp();
    const parent = await loadSpec('CAMBRIAN-SPEC-005');
    const { edits } = await loadLandscape(landscapeFile);
    const edit = edits[0];
    if (edit === undefined) throw new Error('empty landscape');
    const mutant = mutateExemplar({ parent, edit, version: parent.version.replace(/\.\d+$/, '.2') }).toString();
    server.replies.push(
      server.cachedReply('I would add a paragraph about retries to the Generation Loop section.'),
      server.cachedReply(`\`\`\`markdown\n${mutant}\n\`\`\``),
      server.cachedReply('Looks coherent to me!'),
    );
    const controller = new AbortController();
    const result = await runEvolve({
      spec: 'CAMBRIAN-SPEC-005',
      simulate: landscapeFile,
      campaigns: 5,
      seed: 'hostile',
      generationsDir: dir,
      roles,
      signal: controller.signal,
      onEntry: (entry) => {
        if (entry.type === 'rejected' && entry.by === 'screen') controller.abort();
      },
    });
    const rejected = result.entries.filter((e) => e.type === 'rejected');
    expect(rejected).toEqual([
      expect.objectContaining({ by: 'guard', reason: expect.stringMatching(/^spec check/), tokens: 0 }),
      expect.objectContaining({ by: 'screen', reason: 'the screen answered no valid verdict' }),
    ]);
    expect(result.entries.filter((e) => e.type === 'campaign')).toHaveLength(1);
    expect(server.requests).toHaveLength(3);
  });
});
