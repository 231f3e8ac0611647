import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { GenerationRecord } from '../../src/artifact/generation-record-schema.js';
import { hashBytes } from '../../src/artifact/hash.js';
import type { CampaignFile } from '../../src/campaign/campaign-store.js';
import { findEngineRoot } from '../../src/version.js';
import { makeCampaign, makeRecord, makeRun, SERVICE_STAGES, writeFixtureLineage } from '../campaign/lineage-fixture.js';

/**
 * A synthetic lineage at the scale directed change and evolution produce: hundreds of generations over dozens of
 * campaigns and a line of spec versions (one of them branching off an older one), with fresh attempts, informed
 * retries on an escalation model, directed changes refused by the rig, the guards or the reviewer, and generations
 * whose spec evolved from their parent's. Seeded: the same options write the same records, byte for byte.
 */
export interface SyntheticLineageOptions {
  generations: number;
  campaigns: number;
  specVersions: number;
  seed?: number;
}

export interface SyntheticLineage {
  records: GenerationRecord[];
  runs: Array<Record<string, unknown>>;
  campaigns: CampaignFile[];
  /** Spec versions in order, each with its parent version and its text (written as a generation's spec copy). */
  specs: Array<{ version: string; parent: string; text: string; hash: string }>;
}

const SPEC_ID = 'MINIMAL-SPEC-001';
const PROVIDERS = [
  { provider: 'anthropic', model: 'claude-sonnet-4-6', escalation: 'claude-opus-4-6' },
  { provider: 'openai', model: 'gpt-5.1', escalation: 'gpt-5.1' },
  { provider: 'anthropic', model: 'claude-haiku-4-5', escalation: 'claude-sonnet-4-6' },
];
// Where non-viable attempts stop, weighted the way real campaigns fail: mostly tests and builds.
const STAGE_WEIGHTS = [0.05, 0.25, 0.45, 0.15, 0.1];
const MAX_RETRIES = 3;
const DIRECTED_SHARE = 0.08;

/** mulberry32: a tiny seeded generator, so the fixture is the same on every machine. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function makeSyntheticLineage(options: SyntheticLineageOptions): SyntheticLineage {
  const random = seeded(options.seed ?? 19);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  const specs = makeSpecVersions(options.specVersions, random);
  const directedTotal = Math.round(options.generations * DIRECTED_SHARE);
  const reproduced = options.generations - directedTotal;
  const records: GenerationRecord[] = [];
  const runs: Array<Record<string, unknown>> = [];
  const campaigns: CampaignFile[] = [];
  const promoted: GenerationRecord[] = [];
  let generation = 0;
  let directedLeft = directedTotal;

  for (let c = 0; c < options.campaigns; c++) {
    const spec = specs[Math.floor((c * specs.length) / options.campaigns)] as SyntheticLineage['specs'][number];
    const id = `camp-${String(c + 1).padStart(3, '0')}`;
    const length = Math.floor(reproduced / options.campaigns) + (c < reproduced % options.campaigns ? 1 : 0);
    const who = pick(PROVIDERS);
    // The campaign's Prime: the last promotion (a line of descent), an older one (a branch), or the reference Prime.
    const roll = random();
    const prime =
      promoted.length === 0 || roll < 0.15
        ? 0
        : roll < 0.65
          ? (promoted[promoted.length - 1] as GenerationRecord).generation
          : pick(promoted).generation;
    const skill = 0.2 + 0.5 * random();
    let made = 0;
    let runIndex = 0;
    while (made < length) {
      const run = `run-${id.slice(5)}-${++runIndex}`;
      const entries: Array<{ generation: number; purposes: Record<string, number>; costUsd: number }> = [];
      const runTokens = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };
      for (let attempt = 0; attempt <= MAX_RETRIES && made < length; attempt++) {
        generation++;
        made++;
        const last = c === options.campaigns - 1 && made === length;
        const viable = !last && random() < skill + 0.1 * attempt;
        const timeout = !viable && random() < 0.04;
        const passed = viable ? 5 : weightedStage(random);
        const tokens = {
          input: Math.round((attempt === 0 ? 3_000 : 900) + random() * 4_000),
          output: Math.round(6_000 + random() * 14_000),
          cacheRead: attempt === 0 ? 0 : Math.round(20_000 + random() * 4_000),
          cacheWrite: attempt === 0 ? Math.round(20_000 + random() * 4_000) : 0,
        };
        const record = makeRecord({
          generation,
          parent: prime,
          campaign: id,
          run,
          outcome: last ? 'in_progress' : viable ? 'promoted' : timeout ? 'timeout' : 'failed',
          rigResult: last ? null : viable ? 'viable' : timeout ? 'timeout' : 'non-viable',
          passed,
          passRate: viable ? 1 : Math.round(random() * 10) / 10,
          tokens,
          model: attempt === 0 ? who.model : who.escalation,
          specVersion: spec.version,
          ...(viable ? {} : { summary: `${SERVICE_STAGES[passed]} failed: synthetic failure ${generation}` }),
        });
        record['spec-hash'] = spec.hash;
        records.push(record);
        const costUsd = Math.round((tokens.input * 3 + tokens.output * 15 + tokens.cacheRead * 0.3) / 1_000) / 1_000;
        entries.push({
          generation,
          purposes: attempt === 0 ? { fresh: 1 } : { retry: 1, ...(random() < 0.2 ? { repair: 1 } : {}) },
          costUsd,
        });
        for (const key of Object.keys(runTokens) as Array<keyof typeof runTokens>) runTokens[key] += tokens[key];
        if (viable) {
          promoted.push(record);
          break;
        }
      }
      const start = (generation - entries.length) * 60;
      runs.push({
        ...makeRun({
          run,
          campaign: id,
          startSec: start,
          endSec: start + entries.length * 60,
          generations: entries,
          tokens: runTokens,
          costUsd: entries.reduce((sum, e) => sum + e.costUsd, 0),
        }),
        spec: { id: SPEC_ID, version: spec.version, hash: spec.hash },
        provider: { generation: who.provider, escalation: who.provider, backend: who.provider },
        models: { model: who.model, escalationModel: who.escalation },
      });
      // Directed changes land between campaigns, on a promoted generation, at the rate the share asks for.
      while (directedLeft > 0 && promoted.length > 0 && random() < directedTotal / reproduced) {
        directedLeft--;
        records.push(makeDirected({ generation: ++generation, parent: pick(promoted), random, specs }));
      }
    }
    campaigns.push({
      ...makeCampaign(id, { id: SPEC_ID, version: spec.version }),
      length,
      maxRetries: MAX_RETRIES,
      status: c === options.campaigns - 1 ? 'running' : 'complete',
      provider: { generation: who.provider, escalation: who.provider },
    });
  }
  while (directedLeft-- > 0) {
    const parent = promoted.length === 0 ? null : pick(promoted);
    records.push(makeDirected({ generation: ++generation, parent, random, specs }));
  }
  return { records, runs, campaigns, specs };
}

/** Writes the lineage through the real record store, plus one generation folder per spec version with its spec copy. */
export async function writeSyntheticLineage(dir: string, options: SyntheticLineageOptions): Promise<SyntheticLineage> {
  const lineage = makeSyntheticLineage(options);
  await writeFixtureLineage(dir, { records: lineage.records, runs: lineage.runs, campaigns: lineage.campaigns });
  for (const spec of lineage.specs) {
    const first = lineage.records.find((r) => r['spec-version'] === spec.version);
    if (first === undefined) continue;
    const genDir = path.join(dir, `gen-${first.generation}`);
    await mkdir(path.join(genDir, 'spec'), { recursive: true });
    await writeFile(path.join(genDir, 'spec', `${SPEC_ID}.md`), spec.text);
    await writeFile(path.join(genDir, 'manifest.json'), `${JSON.stringify({ 'spec-path': `spec/${SPEC_ID}.md` })}\n`);
  }
  return lineage;
}

function weightedStage(random: () => number): number {
  let roll = random();
  for (const [i, weight] of STAGE_WEIGHTS.entries()) {
    roll -= weight;
    if (roll < 0) return i;
  }
  return STAGE_WEIGHTS.length - 1;
}

/** Versions 0.2.0, 0.3.0, …: each edits the shipped spec a little; one branches off an older version than the last. */
function makeSpecVersions(count: number, random: () => number): SyntheticLineage['specs'] {
  const base = readFileSync(path.join(findEngineRoot(), 'spec', `${SPEC_ID}.md`), 'utf8');
  const specs: SyntheticLineage['specs'] = [];
  for (let i = 0; i < count; i++) {
    const version = `0.${i + 2}.0`;
    const parent = i === 0 ? '0.1.0' : i === 5 ? `0.${i - 1}.0` : `0.${i + 1}.0`;
    const notes = Array.from({ length: i }, (_, k) => `Revision ${k + 1}: answer within ${50 + k * 10} ms.`);
    const text = base
      .replace(/^version: .*$/m, `version: ${version}`)
      .replace(/^parent-version: .*$/m, `parent-version: ${parent}`)
      .replace(/## Purpose\n\n(.*)\n/, (_, purpose: string) => `## Purpose\n\n${purpose}\n${notes.join('\n')}\n`)
      .concat(random() < 0.5 || i === 3 ? `\n## Limits\n\nAt most ${i + 1} requests a second.\n` : '');
    specs.push({ version, parent, text, hash: hashBytes(Buffer.from(text)) });
  }
  return specs;
}

function makeDirected(options: {
  generation: number;
  parent: GenerationRecord | null;
  random: () => number;
  specs: SyntheticLineage['specs'];
}): GenerationRecord {
  const { generation, parent, random } = options;
  const roll = random();
  // A third refused by the rig, a few by the guards or the reviewer, the rest approved and promoted.
  const stage = roll < 0.3 ? 'rig' : roll < 0.4 ? 'guard' : roll < 0.55 ? 'review' : null;
  const version = parent?.['spec-version'] ?? (options.specs[0]?.version as string);
  const record = makeRecord({
    generation,
    parent: parent?.generation ?? 0,
    outcome: stage === null ? 'promoted' : 'failed',
    rigResult: stage === 'rig' ? 'non-viable' : 'viable',
    passed: stage === 'rig' ? 2 : 5,
    model: 'claude-sonnet-4-6',
    specVersion: version,
    run: `run-change-${generation}`,
    reason: stage === 'guard' ? 'guards: trivial tests' : stage === 'review' ? 'reviewer rejected the change' : null,
  });
  record['spec-hash'] = parent?.['spec-hash'] ?? record['spec-hash'];
  const usage = (scale: number) => ({
    input: Math.round(scale * 4_000),
    output: Math.round(scale * 2_000),
    cacheRead: 0,
    cacheWrite: 0,
    costUsd: Math.round(scale * 400) / 10_000,
    exchanges: 1,
  });
  const measures = { testFiles: 4, testCases: 20, assertions: 60, trivialShare: 0.05 };
  record.directed = {
    change: `change-${generation}`,
    attempt: Math.floor(random() * 2),
    program: {
      title: `tighten the echo handler (${generation})`,
      hash: 'sha256:p',
      file: `programs/p-${generation}.md`,
    },
    failure_stage: stage === 'guard' || stage === 'review' ? stage : null,
    diagnostics: stage === 'guard' ? ['trivial tests: share 0.6 > 0.3'] : [],
    guards: { passed: stage !== 'guard', violations: [], before: measures, after: measures },
    review:
      stage === 'rig' || stage === 'guard'
        ? null
        : {
            approved: stage !== 'review',
            issues: stage === 'review' ? ['the change weakens a test'] : [],
            confidence: 'medium',
            summary: stage === 'review' ? 'rejected' : 'approved',
            malformed: false,
            repaired: false,
            model: 'claude-opus-4-6',
          },
    usage: { change: usage(1 + random()), review: usage(0.5) },
    diff: { files: 2, additions: 12, deletions: 4 },
  };
  return record;
}
