import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { listArtifactFiles } from '../../artifact/list-artifact-files.js';
import { type Manifest, manifestSchema } from '../../artifact/manifest-schema.js';
import { CambrianError } from '../../errors.js';
import { type FailStage, type Landscape, loadLandscape, pickFailStage, trueOutcome } from '../../evolve/landscape.js';
import { createRandom, seedOf } from '../../evolve/seeded-random.js';
import { quotePath } from '../../parse/check-block-path.js';
import { readUntrustedFile } from '../../rig/read-untrusted-file.js';
import { readInheritedFiles } from '../../spec/read-inherited-files.js';
import { findEngineRoot } from '../../version.js';
import { type Backend, type BackendContext, BackendError, type MessagesRequest, type StreamEvent } from '../backend.js';
import { CutStreamError } from '../cut-stream-error.js';
import { cutAtMaxTokens } from './cut-at-max-tokens.js';
import { readFailedSource, renderEdit } from './exemplar-edit.js';
import { FAULT_ACTUAL, FAULT_EXPECTED, FAULT_TEST_NAME, type FaultPlan, parseFaults } from './exemplar-faults.js';
import { applyStageFault } from './exemplar-stage-faults.js';
import { assistantPrefix, readPurpose, readSpecBlock, readSpecId, userTextOutsideBlocks } from './read-prompt.js';
import { MAX_SEALED_FILE_BYTES, readSealedFiles, SealedFileRefusedError } from './read-sealed-files.js';
import { type ReplyFile, renderFileBlocks } from './render-file-blocks.js';
import { estimateTokens, replyEndEvents, replyStartEvents } from './text-reply-events.js';

export interface ExemplarOptions {
  /**
   * The requesting Prime's sealed artifact in the generations store (`generations/gen-N`), never the run's built copy:
   * the Prime's build and start-up steps can rewrite that copy, and the exemplar must read nothing the organism chose.
   */
  sealedPrimeDir: string;
  /** Registered exemplars, one folder per spec id; default `<engine>/src/exemplars`. */
  exemplarsDir?: string;
  /** Milliseconds between chunks (`--exemplar-pace`); default 0. */
  paceMs?: number;
  /** Characters per text delta; default 2048. */
  chunkChars?: number;
  /** `--faults` text or a parsed plan. */
  faults?: string | FaultPlan;
  /**
   * A landscape file (src/evolve/landscape.ts): a fresh or retried generation of its spec fails with the probability
   * the landscape gives that spec version, at a stage drawn from the version's failure stages (a real fault in the
   * reply: exemplar-stage-faults.ts), both drawn from the generation number and the spec text, so `cambrian evolve`
   * runs real rig campaigns offline on a known landscape.
   */
  landscape?: string;
  /** Called when a fault is injected, for progress output and tests. */
  onFault?: (fault: { kind: string; purpose: string; generation: number | null }) => void;
}

/** The reply as it is, or with the fault that makes the artifact fail at one stage. */
type Variant = 'clean' | FailStage;

/**
 * The files the requested genome gives verbatim are the Prime's to write, never the model's (a real model is told so):
 * those of the spec the request carries, which may be another version than the Prime's own (a 0.5.0 Prime asked for
 * 0.4.0 writes no inherited file, so the reply must hold them all). A spec that does not parse inherits nothing.
 */
function withoutInherited(files: ReplyFile[], specText: string): ReplyFile[] {
  let inherited: Set<string>;
  try {
    inherited = new Set(
      readInheritedFiles({ text: specText.replace(/^\r?\n/, ''), file: 'spec' }).map((file) => file.path),
    );
  } catch {
    return files;
  }
  return files.filter((file) => !inherited.has(file.path));
}

/** A spec id that can name a folder of registered exemplars and nothing else: no separators, not `.` or `..`. */
const PLAIN_SPEC_ID = /^(?!\.+$)[A-Za-z0-9._-]{1,100}$/;

/**
 * The offline backend. Asked for the requesting Prime's own spec it replies with the Prime's own files (asexual
 * reproduction) except the files its genome marks inherited; asked for a spec with a registered exemplar it replies with that; anything else is a 400.
 * `--faults` makes it misbehave on purpose so each recovery path of the Prime runs for real. Every file it serves is
 * read through readSealedFiles, and no error it answers with names a host path.
 */
export async function createExemplarBackend(options: ExemplarOptions): Promise<Backend> {
  const manifest = await readSealedManifest(options.sealedPrimeDir);
  const primeSpecId = manifest['spec-id'];
  const primeFiles = manifest.files.filter((file) => file !== 'manifest.json' && file !== manifest['spec-path']);
  const exemplarsDir = options.exemplarsDir ?? path.join(findEngineRoot(), 'src', 'exemplars');
  const faults = typeof options.faults === 'object' ? options.faults : parseFaults(options.faults);
  const paceMs = options.paceMs ?? 0;
  const landscape = options.landscape === undefined ? null : await loadLandscape(options.landscape);
  const chunkChars = options.chunkChars ?? 2048;
  // Read once per spec; a refusal is kept too, so every request for that spec gets the same answer.
  const filesBySpec = new Map<string, Promise<ReplyFile[]>>();
  // The variant each first user message got, so its repair and continuation requests answer the same reply.
  const variants = new Map<string, Variant>();
  const cachedSpecs = new Set<string>();
  let messageCounter = 0;
  // A failing test was served and no retry carrying its diagnostics has been answered yet.
  let unfixed = false;

  async function readFilesFor(specId: string): Promise<ReplyFile[]> {
    if (specId === primeSpecId) return readSealedFiles({ root: options.sealedPrimeDir, files: primeFiles });
    const dir = path.join(exemplarsDir, specId);
    if (!PLAIN_SPEC_ID.test(specId) || !(await isFolder(dir))) {
      throw new BackendError({
        status: 400,
        type: 'invalid_request_error',
        message:
          `the exemplar backend has no reply for spec ${showSpecId(specId)}: it knows the Prime's own spec ` +
          `(${primeSpecId}) and the engine's registered exemplars; use a real provider (--provider anthropic|openai) for this spec`,
      });
    }
    return readSealedFiles({ root: dir, files: await listArtifactFiles(dir) });
  }

  async function filesFor(specId: string): Promise<ReplyFile[]> {
    let files = filesBySpec.get(specId);
    if (files === undefined) {
      files = readFilesFor(specId);
      filesBySpec.set(specId, files);
    }
    try {
      return await files;
    } catch (error) {
      if (error instanceof BackendError) throw error;
      if (error instanceof SealedFileRefusedError) {
        throw new BackendError({
          status: 400,
          type: 'invalid_request_error',
          message: `the exemplar backend refuses to reply for spec ${showSpecId(specId)}: ${error.message}`,
        });
      }
      // Anything else is the engine's own trouble; its message could hold a host path, so it stays on this side.
      throw new BackendError({
        status: 500,
        type: 'api_error',
        message: `the exemplar backend could not read its reply for spec ${showSpecId(specId)}`,
      });
    }
  }

  /** The reply for a variant: the whole codebase, or for an edit-mode retry the edit that turns its source into it. */
  function replyText(files: ReplyFile[], variant: Variant, request: MessagesRequest): string {
    const chosen = variant === 'clean' ? files : applyStageFault(files, variant);
    const source = readFailedSource(request);
    return source === null ? renderFileBlocks(chosen) : renderEdit(source, chosen);
  }

  function retryCarriesDiagnostics(request: MessagesRequest): boolean {
    const text = userTextOutsideBlocks(request);
    return text.includes(FAULT_TEST_NAME) && text.includes(FAULT_ACTUAL) && text.includes(FAULT_EXPECTED);
  }

  return {
    name: 'exemplar',
    async *stream(request: MessagesRequest, context: BackendContext): AsyncIterable<StreamEvent> {
      const purpose = readPurpose(request, context.purpose);
      const { id: specId, specBytes, specText } = readSpecId(request);
      if (specId === null) {
        throw new BackendError({
          status: 400,
          type: 'invalid_request_error',
          message: 'the exemplar backend found no <spec path="…"> block with an `id:` in the first user message',
        });
      }
      const files = withoutInherited(await filesFor(specId), readSpecBlock(request));
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
        const drawn =
          landscape !== null && specId === landscape.spec ? drawFailure(landscape, specText, context) : null;
        if (faults.take('failing-test')) {
          injected('failing-test');
          variant = 'test';
        } else if (drawn !== null) {
          injected('landscape');
          variant = drawn;
        } else if (purpose === 'retry' && unfixed && !retryCarriesDiagnostics(request)) {
          // Not fixed: the prompt does not carry the failing test's name and failure message outside file blocks.
          variant = 'test';
        } else {
          variant = 'clean';
        }
        // Only the failing test waits for its diagnostics; another stage's fault is gone at the next draw.
        if (variant === 'test') unfixed = true;
        else if (purpose === 'retry') unfixed = false;
        variants.set(key, variant);
      } else {
        variant = variants.get(key) ?? 'clean';
      }

      const full = replyText(files, variant, request);
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
        // A reply of delete lines only has no block to leave open; it is sent as it is.
        if (last !== -1) text = full.slice(0, last) + full.slice(last + '</file:end>\n'.length);
      } else if (purpose !== 'continuation' && faults.take('max-tokens')) {
        injected('max-tokens');
        text = full.slice(0, Math.floor(full.length / 2));
        stopReason = 'max_tokens';
      }
      // Like a real provider, it writes no more than max_tokens (the gateway lowers it to what --budget has left).
      const capped = cutAtMaxTokens(text, request.max_tokens);
      text = capped.text;
      if (capped.stopReason === 'max_tokens') stopReason = 'max_tokens';

      messageCounter += 1;
      const specTokens = Math.ceil(specBytes / 4);
      const specKey = `${specId}:${specBytes}`;
      const cacheHit = cachedSpecs.has(specKey);
      cachedSpecs.add(specKey);
      yield* replyStartEvents({
        id: `msg_exemplar_${messageCounter}`,
        model: request.model,
        usage: {
          input_tokens: Math.max(1, estimateTokens(JSON.stringify(request)) - specTokens),
          cache_creation_input_tokens: cacheHit ? 0 : specTokens,
          cache_read_input_tokens: cacheHit ? specTokens : 0,
        },
      });
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
      yield* replyEndEvents({ stopReason, outputTokens: estimateTokens(text) });
    },
  };
}

/** The sealed Prime's manifest; reading it is the engine's own business, so its errors may name host paths. */
async function readSealedManifest(sealedPrimeDir: string): Promise<Manifest> {
  const file = path.join(sealedPrimeDir, 'manifest.json');
  const read = await readUntrustedFile(file, MAX_SEALED_FILE_BYTES);
  const parsed = read.ok ? manifestSchema.safeParse(parseJson(read.text)) : null;
  if (parsed?.success !== true) {
    throw new CambrianError({
      code: 'E_EXEMPLAR_MANIFEST',
      message: `the exemplar backend cannot use ${file}: ${read.ok ? 'not a valid manifest' : read.reason}`,
      hint: 'the sealed Prime is damaged; run another promoted generation (--prime gen-N)',
    });
  }
  return parsed.data;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** A plain id as it is, anything else quoted and escaped (it is organism text, shown back in one line). */
function showSpecId(specId: string): string {
  return PLAIN_SPEC_ID.test(specId) ? specId : quotePath(specId);
}

async function isFolder(dir: string): Promise<boolean> {
  return (await stat(dir).catch(() => null))?.isDirectory() === true;
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

/**
 * One seeded draw per generation attempt: null (no failure) with the spec version's true viability on the landscape,
 * else the stage it fails at, drawn from the version's failure stages.
 */
function drawFailure(landscape: Landscape, specText: string, context: BackendContext): FailStage | null {
  const { viability, failStages } = trueOutcome(landscape, specText);
  const random = createRandom(seedOf(specText, context.generation ?? 0, context.purpose ?? ''));
  return random() >= viability ? pickFailStage(failStages, random()) : null;
}
