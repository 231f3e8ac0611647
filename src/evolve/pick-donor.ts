import type { Spec } from '../spec/parse-spec.js';
import type { Archive, ArchiveMember, Descriptor } from './build-archive.js';
import { transplantableSections, transplantSection } from './transplant-section.js';

/** How far apart two archive cells are: quarters of viability, plus one for another cost band, one for another stage. */
export function cellDistance(a: Descriptor, b: Descriptor): number {
  return Math.abs(a.viability - b.viability) + (a.cost === b.cost ? 0 : 1) + (a.stage === b.stage ? 0 : 1);
}

/**
 * The donor of a transplant into the head: the archive elite farthest from the head's cell (then the better, then the
 * older) with a section that differs from the head's and whose transplant makes a spec no version of the run already
 * is (carrying a section back from the head's own child only remakes that child). Null when no elite offers one.
 */
export function pickDonor(options: {
  archive: Archive;
  head: Spec;
  /** Every version of the run with its spec, the head included. */
  specs: ReadonlyMap<string, Spec>;
}): { donor: Spec; section: string } | null {
  const { archive, head } = options;
  const own = archive.members.find((m) => m.version === head.version);
  const distance = (m: ArchiveMember): number => (own === undefined ? 0 : cellDistance(own.descriptor, m.descriptor));
  const bodies = new Set([...options.specs.values()].map((spec) => bodyOf(spec.text)));
  const candidates = archive.elites
    .filter((m) => m.version !== head.version)
    .sort((a, b) => distance(b) - distance(a) || b.mean - a.mean || a.version.localeCompare(b.version));
  for (const member of candidates) {
    const donor = options.specs.get(member.version);
    if (donor === undefined) continue;
    for (const section of transplantableSections(head, donor)) {
      const made = transplantSection({ recipient: head, donor, section, version: head.version });
      if (!bodies.has(bodyOf(made.toString('utf8')))) return { donor, section };
    }
  }
  return null;
}

/** A spec's text after its front matter, so two versions that say the same thing compare equal. */
function bodyOf(text: string): string {
  const lines = text.split('\n');
  const end = lines.findIndex((line, i) => i > 0 && line.replace(/\r$/, '') === '---');
  return lines.slice(end + 1).join('\n');
}
