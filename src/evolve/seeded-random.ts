import { createHash } from 'node:crypto';

/** A uniform [0, 1) generator (mulberry32) from a seed: the simulation's draws repeat exactly for the same seed. */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A 32-bit seed from words (run seed, step, campaign stage): each campaign has its own, independent of order. */
export function seedOf(...parts: ReadonlyArray<string | number>): number {
  return createHash('sha256').update(parts.join('\u0000')).digest().readUInt32LE(0);
}
