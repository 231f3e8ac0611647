import path from 'node:path';
import chalk from 'chalk';
import type { Command } from 'commander';
import { CambrianError } from '../errors.js';
import { openRegularFile } from '../open-regular-file.js';
import { type BlockError, type BlockFile, createBlockParser } from '../parse/create-block-parser.js';
import { writeBlocks } from '../parse/write-blocks.js';

interface ParseCommandOptions {
  out?: string;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('parse')
    .description('Check a saved LLM reply against the <file> block rules; say what it would write, or why it cannot')
    .argument('<reply-file>', 'the reply text, as the model sent it')
    .option('--out <dir>', 'write the files into DIR (created if absent), and nowhere else')
    .option('--json', 'print one JSON document on stdout')
    .action(async (replyFile: string, options: ParseCommandOptions) => {
      process.exitCode = await runParse(replyFile, options);
    });
}

async function readReply(replyFile: string): Promise<{ files: BlockFile[]; errors: BlockError[] }> {
  const opened = await openRegularFile(replyFile);
  if (opened.type === 'missing') {
    throw new CambrianError({
      code: 'E_REPLY_NOT_FOUND',
      message: `reply file ${replyFile} does not exist`,
      hint: 'check the path; a reply is the model output saved as a text file',
      data: { file: replyFile },
    });
  }
  if (opened.type === 'unopenable') {
    throw new CambrianError({
      code: 'E_REPLY_UNREADABLE',
      message: `reply file ${replyFile} ${opened.why}`,
      hint: 'pass the path of the saved reply itself',
      data: { file: replyFile },
      cause: opened.cause,
    });
  }
  if (opened.type === 'not-a-file') {
    throw new CambrianError({
      code: 'E_REPLY_NOT_FILE',
      message: `${replyFile} is not a file`,
      hint: 'pass the path of a saved reply (a text file)',
    });
  }
  const { handle } = opened;
  const parser = createBlockParser();
  const files: BlockFile[] = [];
  const errors: BlockError[] = [];
  const take = (events: ReturnType<typeof parser.push>) => {
    for (const event of events) {
      if (event.type === 'file') files.push(event);
      else errors.push(event);
    }
  };
  // Streamed through the same chunk-safe parser a Prime uses. The decoder keeps multi-byte characters whole across
  // reads, drops a leading BOM (which would hide a first-line marker) and refuses bytes that are not UTF-8, which a
  // model reply never holds, rather than silently writing U+FFFD into files.
  const decoder = new TextDecoder('utf-8', { fatal: true });
  try {
    for await (const bytes of handle.createReadStream({ autoClose: false }))
      take(parser.push(decoder.decode(bytes, { stream: true })));
    take(parser.push(decoder.decode()));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ERR_ENCODING_INVALID_ENCODED_DATA') throw error;
    throw new CambrianError({
      code: 'E_REPLY_NOT_UTF8',
      message: `reply file ${replyFile} is not valid UTF-8 text`,
      hint: 'save the reply as UTF-8 (a model reply always is); a damaged file cannot be parsed faithfully',
      data: { file: replyFile },
      cause: error,
    });
  } finally {
    await handle.close();
  }
  take(parser.end());
  return { files, errors };
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

async function runParse(replyFile: string, options: ParseCommandOptions): Promise<number> {
  const { files, errors } = await readReply(replyFile);
  const sized = files.map((f) => ({
    path: f.path,
    bytes: Buffer.byteLength(f.content, 'utf8'),
    line: f.line,
    endLine: f.endLine,
  }));
  const ok = errors.length === 0;
  let out: string | null = null;
  if (ok && options.out !== undefined) out = await writeBlocks({ outDir: options.out, files });
  if (options.json === true) {
    const document = {
      ok,
      reply: replyFile,
      files: sized,
      // the shape of a parse error in the genome: path is null when there is none (no-blocks)
      errors: errors.map((e) => ({ line: e.line, path: e.path ?? null, rule: e.rule, message: e.message })),
      out,
      written: out !== null,
    };
    process.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
    return ok ? 0 : 1;
  }
  const total = sized.reduce((sum, f) => sum + f.bytes, 0);
  const lines: string[] = [];
  if (ok) {
    const width = Math.min(60, Math.max(...sized.map((f) => f.path.length)));
    lines.push(`${chalk.green('ok')} ${replyFile}: ${plural(sized.length, 'file')}, ${plural(total, 'byte')}`);
    for (const f of sized)
      lines.push(`  ${f.path.padEnd(width)}  ${String(f.bytes).padStart(8)} bytes  line ${f.line}`);
    lines.push(
      out === null
        ? chalk.dim(`would write ${plural(sized.length, 'file')}; pass --out DIR to write them`)
        : `wrote ${plural(sized.length, 'file')} to ${out}`,
    );
  } else {
    lines.push(
      `${chalk.red('not parseable')} ${replyFile}: ${plural(errors.length, 'error')}` +
        (options.out === undefined ? '' : `; nothing written to ${path.resolve(options.out)}`),
    );
    for (const e of errors) lines.push(`  ${replyFile}:${e.line}  ${chalk.yellow(e.rule)}  ${e.message}`);
    lines.push(
      `${chalk.yellow('hint')} fix the blocks named above (or send the errors back to the model as a parse repair)`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  return ok ? 0 : 1;
}
