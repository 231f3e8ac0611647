import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { listArtifactFiles } from '../../artifact/list-artifact-files.js';
import { manifestSchema } from '../../artifact/manifest-schema.js';
import { findEngineRoot } from '../../version.js';
import { type Backend, type BackendContext, BackendError, type MessagesRequest, type StreamEvent } from '../backend.js';
import { CutStreamError } from '../cut-stream-error.js';
import {
  FAULT_ACTUAL,
  FAULT_EXPECTED,
  FAULT_TEST_NAME,
  FAULT_TEST_PATH,
  FAULT_TEST_SOURCE,
  type FaultPlan,
  parseFaults,
} from './exemplar-faults.js';
import { assistantPrefix, readPurpose, readSpecId, userTextOutsideBlocks } from './read-prompt.js';
import { type ReplyFile, readReplyFiles, renderFileBlocks } from './render-file-blocks.js';

export interface ExemplarOptions {
  /** The requesting Prime's artifact (its manifest names its spec id and files). */
  primeDir: string;
  /** Registered exemplars, one folder per spec id; default `<engine>/src/exemplars`. */
  exemplarsDir?: string;
  /** Milliseconds between chunks (`--exemplar-pace`); default 0. */
  paceMs?: number;
  /** Characters per text delta; default 2048. */
  chunkChars?: number;
  /** `--faults` text or a parsed plan. */
  faults?: string | FaultPlan;
  /** Called when a fault is injected, for progress output and tests. */
  onFault?: (fault: { kind: string; purpose: string; generation: number | null }) => void;
}

type Variant = 'clean' | 'failing';

/**
 * The offline backend. Asked for the requesting Prime's own spec it replies with the Prime's own files (asexual
 * reproduction); asked for a spec with a registered exemplar it replies with that; anything else is a 400.
 * `--faults` makes it misbehave on purpose so each recovery path of the Prime runs for real.
 */
export async function createExemplarBackend(options: ExemplarOptions): Promise<Backend> {
  const manifest = manifestSchema.parse(
    JSON.parse(await readFile(path.join(options.primeDir, 'manifest.json'), 'utf8')),
  );
  const primeSpecId = manifest['spec-id'];
  const primeFiles = manifest.files.filter((file) => file !== 'manifest.json' && file !== manifest['spec-path']);
  const exemplarsDir = options.exemplarsDir ?? path.join(findEngineRoot(), 'src', 'exemplars');
  const faults = typeof options.faults === 'object' ? options.faults : parseFaults(options.faults);
  const paceMs = options.paceMs ?? 0;
  const chunkChars = options.chunkChars ?? 2048;
  const filesBySpec = new Map<string, ReplyFile[]>();
  filesBySpec.set(primeSpecId, await readReplyFiles(options.primeDir, primeFiles));
  // The variant each first user message got, so its repair and continuation requests answer the same reply.
  const variants = new Map<string, Variant>();
  const cachedSpecs = new Set<string>();
  let messageCounter = 0;
  // A failing test was served and no retry carrying its diagnostics has been answered yet.
  let unfixed = false;

  async function filesFor(specId: string): Promise<ReplyFile[]> {
    const known = filesBySpec.get(specId);
    if (known !== undefined) return known;
    const dir = path.join(exemplarsDir, specId);
    if (!/^[A-Za-z0-9._-]+$/.test(specId) || !existsSync(dir)) {
      throw new BackendError({
        status: 400,
        type: 'invalid_request_error',
        message:
          `the exemplar backend has no reply for spec ${specId}: it knows the Prime's own spec (${primeSpecId}) ` +
          `and the registered exemplars in ${exemplarsDir}; use a real provider (--provider anthropic|openai) for this spec`,
      });
    }
    const files = await readReplyFiles(dir, await listArtifactFiles(dir));
    filesBySpec.set(specId, files);
    return files;
  }

  function replyText(files: ReplyFile[], variant: Variant): string {
    const chosen =
      variant === 'failing'
        ? [...files.filter((f) => f.path !== FAULT_TEST_PATH), { path: FAULT_TEST_PATH, content: FAULT_TEST_SOURCE }]
        : files;
    return renderFileBlocks(chosen);
  }

  function retryCarriesDiagnostics(request: MessagesRequest): boolean {
    const text = userTextOutsideBlocks(request);
    return text.includes(FAULT_TEST_NAME) && text.includes(FAULT_ACTUAL) && text.includes(FAULT_EXPECTED);
  }

  return {
    name: 'exemplar',
    async *stream(request: MessagesRequest, context: BackendContext): AsyncIterable<StreamEvent> {
      const purpose = readPurpose(request, context.purpose);
      const { id: specId, specBytes } = readSpecId(request);
      if (specId === null) {
        throw new BackendError({
          status: 400,
          type: 'invalid_request_error',
          message: 'the exemplar backend found no <spec path="…"> block with an `id:` in the first user message',
        });
      }
      const files = await filesFor(specId);
      const injected = (kind: string): void => options.onFault?.({ kind, purpose, generation: context.generation });
      if (faults.take('overloaded')) {
        injected('overloaded');
        throw new BackendError({
          status: 529,
          type: 'overloaded_error',
          message: 'Overloaded (injected by --faults overloaded)',
          retryAfterSeconds: 1,
        });
      }

      const key = createHash('sha256')
        .update(JSON.stringify(request.messages[0] ?? null))
        .digest('hex');
      let variant: Variant;
      if (purpose === 'fresh' || purpose === 'retry') {
        if (faults.take('failing-test')) {
          injected('failing-test');
          variant = 'failing';
        } else if (purpose === 'retry' && unfixed && !retryCarriesDiagnostics(request)) {
          // Not fixed: the prompt does not carry the failing test's name and failure message outside file blocks.
          variant = 'failing';
        } else {
          variant = 'clean';
        }
        if (variant === 'failing') unfixed = true;
        else if (purpose === 'retry') unfixed = false;
        variants.set(key, variant);
      } else {
        variant = variants.get(key) ?? 'clean';
      }

      const full = replyText(files, variant);
      let text = purpose === 'continuation' ? remainderAfter(full, assistantPrefix(request)) : full;
      let stopReason: 'end_turn' | 'max_tokens' = 'end_turn';
      // One transport fault per request at most, so each recovery path runs on its own.
      let cut = false;
      if (faults.take('cut-stream')) {
        injected('cut-stream');
        cut = true;
      } else if ((purpose === 'fresh' || purpose === 'retry') && faults.take('unclosed-block')) {
        injected('unclosed-block');
        const last = full.lastIndexOf('</file:end>\n');
        text = full.slice(0, last) + full.slice(last + '</file:end>\n'.length);
      } else if (purpose !== 'continuation' && faults.take('max-tokens')) {
        injected('max-tokens');
        text = full.slice(0, Math.floor(full.length / 2));
        stopReason = 'max_tokens';
      }

      messageCounter += 1;
      const requestBytes = Buffer.byteLength(JSON.stringify(request));
      const specTokens = Math.ceil(specBytes / 4);
      const specKey = `${specId}:${specBytes}`;
      const cacheHit = cachedSpecs.has(specKey);
      cachedSpecs.add(specKey);
      const outputTokens = Math.ceil(Buffer.byteLength(text) / 4);
      yield {
        type: 'message_start',
        message: {
          id: `msg_exemplar_${messageCounter}`,
          type: 'message',
          role: 'assistant',
          model: request.model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: {
            input_tokens: Math.max(1, Math.ceil(requestBytes / 4) - specTokens),
            output_tokens: 1,
            cache_creation_input_tokens: cacheHit ? 0 : specTokens,
            cache_read_input_tokens: cacheHit ? specTokens : 0,
          },
        },
      } as unknown as StreamEvent;
      yield {
        type: 'content_block_start',
        index: 0,
        content_block: { type: 'text', text: '', citations: null },
      } as StreamEvent;
      const cutAt = cut ? Math.floor(text.length / 2) : Number.POSITIVE_INFINITY;
      for (let at = 0; at < text.length; at += chunkChars) {
        if (context.signal.aborted) return;
        if (at >= cutAt) throw new CutStreamError('stream cut (injected by --faults cut-stream)');
        if (paceMs > 0 && at > 0) await sleep(paceMs, undefined, { signal: context.signal }).catch(() => {});
        yield {
          type: 'content_block_delta',
          index: 0,
          delta: { type: 'text_delta', text: text.slice(at, at + chunkChars) },
        };
      }
      if (cut) throw new CutStreamError('stream cut (injected by --faults cut-stream)');
      yield { type: 'content_block_stop', index: 0 };
      yield {
        type: 'message_delta',
        delta: { stop_reason: stopReason, stop_sequence: null },
        usage: { output_tokens: outputTokens },
      } as StreamEvent;
      yield { type: 'message_stop' };
    },
  };
}

/** What follows the assistant prefix in the full reply (contracts §5: the Prime adds "\n" itself). */
function remainderAfter(full: string, prefix: string | null): string {
  if (prefix === null) {
    throw new BackendError({
      status: 400,
      type: 'invalid_request_error',
      message: 'a continuation request needs the reply so far as its assistant message',
    });
  }
  for (const candidate of [prefix, prefix.trimEnd()]) {
    if (candidate.length > 0 && full.startsWith(candidate)) {
      const rest = full.slice(candidate.length);
      return rest.startsWith('\n') ? rest.slice(1) : rest;
    }
  }
  throw new BackendError({
    status: 400,
    type: 'invalid_request_error',
    message:
      'the exemplar backend cannot continue this reply: the assistant message is not a prefix of any reply it sent',
  });
}
