import { type Landscape, pickFailStage, trueOutcome } from './landscape.js';
import { createRandom, seedOf } from './seeded-random.js';

/** What evolve keeps of a campaign: counts for selection, failures by stage for the mutator and the meta-monitor. */
export interface CampaignOutcome {
  attempts: number;
  viable: number;
  firstTry: { attempts: number; viable: number };
  failuresByStage: Record<string, number>;
  tokens: number;
}

/**
 * A campaign drawn from the landscape instead of run in the rig: `length` attempts, each viable with the version's
 * true rate, in Prime runs of up to `maxRetries + 1` attempts (a run ends at its first viable attempt, like a Prime's
 * promote); a failed attempt falls at a stage drawn from the version's failure stages. Seeded by the run seed and the
 * campaign's place in the run, so a resumed run draws the same outcomes; the stages come from a second stream, so the
 * viability draws are the same whatever the stages.
 */
export function simulateCampaign(options: {
  landscape: Landscape;
  specText: string;
  length: number;
  maxRetries: number;
  seed: string;
}): CampaignOutcome {
  const truth = trueOutcome(options.landscape, options.specText);
  const random = createRandom(seedOf(options.seed));
  const stageRandom = createRandom(seedOf(options.seed, 'stage'));
  const outcome: CampaignOutcome = {
    attempts: 0,
    viable: 0,
    firstTry: { attempts: 0, viable: 0 },
    failuresByStage: {},
    tokens: 0,
  };
  let inRun = 0;
  for (let i = 0; i < options.length; i += 1) {
    const viable = random() < truth.viability;
    outcome.attempts += 1;
    // Tokens are a stand-in (a spec's size drives a generation's input); the budget and the archive use them.
    outcome.tokens += Math.ceil(options.specText.length / 4) + 8000;
    if (inRun === 0) outcome.firstTry.attempts += 1;
    if (viable) {
      outcome.viable += 1;
      if (inRun === 0) outcome.firstTry.viable += 1;
      inRun = 0;
      continue;
    }
    const stage = truth.failStages.length === 1 ? truth.failStage : pickFailStage(truth.failStages, stageRandom());
    outcome.failuresByStage[stage] = (outcome.failuresByStage[stage] ?? 0) + 1;
    inRun = inRun + 1 > options.maxRetries ? 0 : inRun + 1;
  }
  return outcome;
}
