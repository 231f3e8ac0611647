import { type Backend, type BackendContext, BackendError, type MessagesRequest } from '../gateway/backend.js';
import { messageText } from '../gateway/backends/read-prompt.js';
import { textReplyEvents } from '../gateway/backends/text-reply-events.js';
import { parseSpec, type Spec } from '../spec/parse-spec.js';
import { type Landscape, MUTATION_TYPES } from './landscape.js';
import { mutateExemplar } from './mutate-exemplar.js';
import { pickCatalogueEdit } from './pick-catalogue-edit.js';
import { restructureSection } from './restructure-section.js';
import { screenExemplar } from './screen-mutation.js';
import { readSpecBlock } from './spec-block.js';
import { transplantSection } from './transplant-section.js';

/**
 * The exemplar's play of `mutate` and `screen`, with no key, reading only the request (as a model would): `mutate`
 * applies the first catalogue edit of the landscape of the type asked for that the prompt does not list as tried
 * (any type when none of it is left), or, asked for a transplant with a donor, carries the named section over from the
 * donor (transplant-section.ts), or, asked to restructure a section with no catalogue edit of that type left, moves its
 * last part to the front (restructure-section.ts); `screen` answers helper 12's deterministic verdict on the two specs it is sent.
 */
export function createEvolveExemplar(options: { landscape: Landscape | null }): Backend {
  const refuse = (message: string): never => {
    throw new BackendError({ status: 400, type: 'invalid_request_error', message });
  };
  const specOf = (prompt: string, tag: string): Spec => {
    const text = readSpecBlock(prompt, tag) ?? refuse(`the exemplar found no <${tag}> block in the prompt`);
    return parseSpec({ bytes: Buffer.from(text), file: tag });
  };

  function mutateReply(prompt: string): string {
    const landscape =
      options.landscape ??
      refuse('the exemplar mutates only from a landscape catalogue (--simulate or --landscape); use a real provider');
    const type = /^# Mutation: ([a-z]+)$/m.exec(prompt)?.[1];
    const version = /^New version: (\S+)$/m.exec(prompt)?.[1] ?? refuse('the prompt names no new version');
    const section = /^Section to transplant: (.+)$/m.exec(prompt)?.[1];
    const donor = readSpecBlock(prompt, 'donor-spec');
    if (type === 'transplant' && section !== undefined && donor !== null) {
      const recipient = specOf(prompt, 'parent-spec');
      const bytes = transplantSection({ recipient, donor: specOf(prompt, 'donor-spec'), section, version });
      return `\`\`\`markdown\n${bytes.toString('utf8').trimEnd()}\n\`\`\`\n`;
    }
    const tried = prompt.slice(prompt.indexOf('# Mutations already tried'), prompt.indexOf('# The parent spec'));
    const restructure = /^Section to restructure: (.+)$/m.exec(prompt)?.[1];
    const parent = specOf(prompt, 'parent-spec');
    // A catalogue edit of the type asked first (the landscape knows its effect), then the deterministic restructuring.
    const edit = pickCatalogueEdit({
      edits: landscape.edits,
      type: MUTATION_TYPES.find((t) => t === type),
      tried: (e) => tried.includes(`(evolve: ${e.type}, ${e.name})`),
    });
    const bytes =
      edit?.type !== type && type === 'restructuring' && restructure !== undefined
        ? restructureSection({ spec: parent, section: restructure, version })
        : mutateExemplar({
            parent,
            edit: edit ?? refuse('every mutation of the landscape catalogue was tried'),
            version,
          });
    return `\`\`\`markdown\n${bytes.toString('utf8').trimEnd()}\n\`\`\`\n`;
  }

  return {
    name: 'exemplar',
    async *stream(request: MessagesRequest, context: BackendContext) {
      const prompt = messageText(request.messages[0]?.content ?? '');
      const purpose = context.purpose ?? 'mutate';
      const text =
        purpose === 'screen'
          ? screenExemplar({ parent: specOf(prompt, 'parent-spec'), mutant: specOf(prompt, 'mutant-spec') })
          : mutateReply(prompt);
      yield* textReplyEvents({ request, text, id: `msg_exemplar_${purpose}` });
    },
  };
}
