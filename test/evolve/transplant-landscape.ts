const edit = (name: string, section: string, effect: number, extra: Record<string, unknown> = {}) => ({
  name,
  section,
  text: `Paragraph of ${name}: the genome says something only ${name} says.`,
  why: `${name} changes ${section}`,
  effect,
  ...extra,
});

/**
 * A landscape whose run is known: a sibling (glossary-note, kept out) then the big gain (env-note, promoted), three
 * mutants the guard discards (a plateau of three without a promotion), then one more catalogue edit. The plateau makes
 * the meta-monitor ask for a transplant: its donor is the sibling.
 */
export const TRANSPLANT_LANDSCAPE = {
  spec: 'CAMBRIAN-SPEC-005',
  base: { viability: 0.1, failStage: 'test' },
  edits: [
    edit('glossary-note', 'Glossary', -0.05),
    edit('env-note', 'Environment', 0.8),
    edit('frozen-a', 'Glossary', 0, { fault: 'frozen' }),
    edit('frozen-b', 'Glossary', 0, { fault: 'frozen' }),
    edit('frozen-c', 'Glossary', 0, { fault: 'frozen' }),
    edit('last-note', 'Prompts', 0, { type: 'restructuring' }),
  ],
};
