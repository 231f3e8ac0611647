import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { listArtifactFiles } from '../../artifact/list-artifact-files.js';
import { findEngineRoot } from '../../version.js';
import { type Backend, type BackendContext, BackendError, type MessagesRequest, type StreamEvent } from '../backend.js';
import {
  FAULT_ACTUAL,
  FAULT_EXPECTED,
  FAULT_TEST_NAME,
  FAULT_TEST_PATH,
  FAULT_TEST_SOURCE,
  type FaultPlan,
} from './exemplar-faults.js';
import { messageText, userTextOutsideBlocks } from './read-prompt.js';
import { readReplyFiles, renderFileBlocks } from './render-file-blocks.js';
import { textReplyEvents } from './text-reply-events.js';

/** The slug of a program title: the folder of its answer under examples/programs/exemplar-answers/. */
export function programSlug(title: string): string {
  return title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

/**
 * The exemplar's play of the directed-change roles, with no key: `change` answers the shipped example programs with
 * their prepared files (examples/programs/exemplar-answers/<slug>/), `review` approves, `reflect` walks through the
 * example programs of the spec that the history does not name yet. Faults: `failing-test` (fixed only by a retry
 * carrying its diagnostics), `deletes-tests`, `unclosed-block`, `review-reject`, `review-malformed`.
 */
export function createChangeExemplarBackend(options: {
  faults: FaultPlan;
  programsDir?: string;
  onFault?: (fault: { kind: string; purpose: string; generation: number | null }) => void;
}): Backend {
  const programsDir = options.programsDir ?? path.join(findEngineRoot(), 'examples', 'programs');
  const faults = options.faults;
  let unfixed = false;

  async function changeReply(request: MessagesRequest, purpose: string): Promise<string> {
    const first = messageText(request.messages[0]?.content ?? '');
    const title = /<program path="[^"]*">\s*#\s+Task:\s*(.+)/.exec(first)?.[1]?.trim();
    const dir = title === undefined ? null : path.join(programsDir, 'exemplar-answers', programSlug(title));
    if (dir === null || !existsSync(dir)) {
      throw new BackendError({
        status: 400,
        type: 'invalid_request_error',
        message: `the exemplar backend knows only the shipped example programs (${programsDir}); this one (${JSON.stringify(title ?? '')}) needs a real provider`,
      });
    }
    let files = await readReplyFiles(dir, await listArtifactFiles(dir));
    const injected = (kind: string): void => options.onFault?.({ kind, purpose, generation: null });
    const fresh = purpose === 'change' || purpose === 'change-retry';
    let failing = false;
    if (fresh && faults.take('failing-test')) {
      injected('failing-test');
      failing = true;
    } else if (purpose === 'change-retry' && unfixed) {
      const text = userTextOutsideBlocks(request);
      failing = !(text.includes(FAULT_TEST_NAME) && text.includes(FAULT_ACTUAL) && text.includes(FAULT_EXPECTED));
    }
    if (fresh) unfixed = failing;
    if (failing || (purpose === 'change-repair' && unfixed)) {
      files = [...files, { path: FAULT_TEST_PATH, content: FAULT_TEST_SOURCE }];
    }
    let text = renderFileBlocks(files);
    // One fault per request, so each refusal (rig, guard) is seen on its own.
    if (fresh && !failing && faults.take('deletes-tests')) {
      injected('deletes-tests');
      const victim = /<source path="(test\/[^"]+\.test\.ts)"/.exec(first)?.[1];
      if (victim !== undefined) text += `\n<delete path="${victim}"/>\n`;
    }
    if (fresh && faults.take('unclosed-block')) {
      injected('unclosed-block');
      const last = text.lastIndexOf('</file:end>\n');
      text = text.slice(0, last) + text.slice(last + '</file:end>\n'.length);
    }
    return text;
  }

  function reviewReply(request: MessagesRequest, purpose: string): string {
    const injected = (kind: string): void => options.onFault?.({ kind, purpose, generation: null });
    if (purpose === 'review' && faults.take('review-reject')) {
      injected('review-reject');
      return JSON.stringify({
        approved: false,
        issues: ['(injected by --faults review-reject) the new tests do not cover the case the program names last'],
        confidence: 'medium',
        summary: 'the change is incomplete',
      });
    }
    if (faults.take('review-malformed')) {
      injected('review-malformed');
      return 'The change looks fine to me. APPROVED (high confidence).';
    }
    const title = /#\s+Task:\s*(.+)/.exec(messageText(request.messages[0]?.content ?? ''))?.[1]?.trim() ?? 'the task';
    return JSON.stringify({ approved: true, issues: [], confidence: 'high', summary: `does what "${title}" asks` });
  }

  async function reflectReply(request: MessagesRequest): Promise<string> {
    const text = messageText(request.messages[0]?.content ?? '');
    const specId = /# History of directed changes \(([^)]+)\)/.exec(text)?.[1] ?? '';
    const history = text.slice(text.indexOf('# History'), text.indexOf('# Files of the current version'));
    const names = (await readdir(programsDir)).filter((name) => name.endsWith('.md')).sort();
    for (const name of names) {
      const program = await readFile(path.join(programsDir, name), 'utf8');
      const title = /^#\s+Task:\s*(.+)$/m.exec(program)?.[1]?.trim() ?? '';
      const spec = /^## Spec\s*\n\s*(\S+)/m.exec(program)?.[1];
      if (spec === specId && !history.includes(title)) return program;
    }
    throw new BackendError({
      status: 400,
      type: 'invalid_request_error',
      message: `the exemplar backend has no further example program for ${specId}: every one in ${programsDir} is in the history`,
    });
  }

  return {
    name: 'exemplar',
    async *stream(request: MessagesRequest, context: BackendContext): AsyncIterable<StreamEvent> {
      const purpose = context.purpose ?? 'change';
      const text = purpose.startsWith('review')
        ? reviewReply(request, purpose)
        : purpose.startsWith('reflect')
          ? await reflectReply(request)
          : await changeReply(request, purpose);
      yield* textReplyEvents({ request, text, id: `msg_exemplar_${purpose}` });
    },
  };
}
