import type { GenerationRecord } from '../../../src/artifact/generation-record-schema.js';
import type { ViabilityReport } from '../../../src/artifact/viability-report-schema.js';

/**
 * The generation records the fake Supervisor serves. A spawned generation carries the verdict the script chose for it:
 * the first `GET /versions` after the spawn shows it `in_progress`, every later one `tested` with that verdict.
 */
export class FakeSupervisorState {
  readonly startedAt = Date.now();
  #records: GenerationRecord[];
  #verdicts = new Map<number, { report: ViabilityReport; shownInProgress: boolean }>();

  constructor(history: GenerationRecord[]) {
    this.#records = history.map((record) => structuredClone(record));
  }

  record(generation: number): GenerationRecord | undefined {
    return this.#records.find((record) => record.generation === generation);
  }

  addSpawned(record: GenerationRecord, verdict: ViabilityReport): void {
    this.#records.push(structuredClone(record));
    this.#records.sort((a, b) => a.generation - b.generation);
    this.#verdicts.set(record.generation, { report: verdict, shownInProgress: false });
  }

  setOutcome(generation: number, outcome: 'promoted' | 'failed'): void {
    const record = this.record(generation);
    if (record !== undefined) record.outcome = outcome;
  }

  /** The answer to one `GET /versions`, advancing each pending verdict by one poll. */
  serveVersions(): GenerationRecord[] {
    for (const record of this.#records) {
      const verdict = this.#verdicts.get(record.generation);
      if (verdict === undefined || record.outcome !== 'in_progress') continue;
      if (!verdict.shownInProgress) {
        verdict.shownInProgress = true;
        continue;
      }
      record.outcome = 'tested';
      record['rig-result'] = verdict.report.status;
      record.viability = structuredClone(verdict.report);
      record.completed = new Date().toISOString();
    }
    return this.#records.map((record) => structuredClone(record));
  }

  stats(): Record<string, unknown> {
    const count = (outcome: string): number => this.#records.filter((record) => record.outcome === outcome).length;
    return {
      ok: true,
      generations: this.#records.length,
      promoted: count('promoted'),
      failed: count('failed'),
      in_progress: count('in_progress'),
      uptime: Math.floor((Date.now() - this.startedAt) / 1000),
    };
  }
}
