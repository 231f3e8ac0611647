import { normalizeTitle, type Spec } from '../spec/parse-spec.js';
import { slug } from './restructure-section.js';
import { stampVersion } from './stamp-version.js';

/**
 * Type 2, transplant: the recipient with one `##` section replaced by the donor's section of the same title, stamped as
 * the next version of the recipient. Deterministic, so the exemplar can play it and a test can check it byte for byte.
 */
export function transplantSection(options: { recipient: Spec; donor: Spec; section: string; version: string }): Buffer {
  const { recipient, donor } = options;
  const key = normalizeTitle(options.section);
  const into = recipient.sections.find((s) => normalizeTitle(s.title) === key);
  const from = donor.sections.find((s) => normalizeTitle(s.title) === key);
  if (into === undefined || from === undefined)
    throw new Error(
      `transplant: section "${options.section}" is not in both ${recipient.version} and ${donor.version}`,
    );
  const lines = recipient.text.split('\n');
  lines.splice(into.startLine - 1, into.endLine - into.startLine + 1, ...from.text.split('\n'));
  return stampVersion(lines, {
    version: options.version,
    parentVersion: recipient.version,
    change: `section ${into.title} transplanted from ${donor.version}, a distant archive cell, after a plateau (evolve: transplant, transplant-${slug(into.title)}-${donor.version})`,
  });
}

/** The sections a transplant from donor into recipient could carry: same title, different text, no FROZEN region. */
export function transplantableSections(recipient: Spec, donor: Spec): string[] {
  const frozenLines = (spec: Spec, start: number, end: number): boolean =>
    spec.frozen.some((region) => region.startLine <= end && region.endLine >= start);
  return donor.sections
    .filter((from) => {
      const into = recipient.sections.find((s) => normalizeTitle(s.title) === normalizeTitle(from.title));
      return (
        into !== undefined &&
        into.text !== from.text &&
        !frozenLines(recipient, into.startLine, into.endLine) &&
        !frozenLines(donor, from.startLine, from.endLine)
      );
    })
    .map((s) => s.title);
}
