import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { type GenerationRecord, generationRecordSchema } from '../artifact/generation-record-schema.js';
import { CambrianError } from '../errors.js';
import { parseStoredJson } from '../parse-stored-json.js';
import type { LineagePaths } from './lineage-paths.js';
import { writeFileAtomic } from './write-file-atomic.js';

const RECORD_FILE = /^gen-(\d+)\.json$/;

/** The generation records of a lineage, one file each (`.cambrian/records/gen-N.json`), written atomically. */
export interface RecordStore {
  list(): Promise<GenerationRecord[]>;
  get(generation: number): Promise<GenerationRecord | null>;
  put(record: GenerationRecord): Promise<void>;
}

export function createRecordStore(paths: LineagePaths): RecordStore {
  const fileOf = (generation: number): string => path.join(paths.records, `gen-${generation}.json`);
  // Parsed records by file, reused while the file is unchanged: the Prime polls GET /versions several times a second.
  const cache = new Map<string, { mtimeMs: number; size: number; ino: number; record: GenerationRecord }>();
  async function read(file: string): Promise<GenerationRecord> {
    const info = await stat(file);
    const hit = cache.get(file);
    if (hit !== undefined && hit.mtimeMs === info.mtimeMs && hit.size === info.size && hit.ino === info.ino) {
      return structuredClone(hit.record);
    }
    const record = await parse(file);
    cache.set(file, { mtimeMs: info.mtimeMs, size: info.size, ino: info.ino, record: structuredClone(record) });
    return record;
  }
  async function parse(file: string): Promise<GenerationRecord> {
    const text = await readFile(file, 'utf8');
    return parseStoredJson({
      text,
      schema: generationRecordSchema,
      damaged: (detail, cause) => damaged(file, detail, cause),
    });
  }
  return {
    async list() {
      let names: string[];
      try {
        names = await readdir(paths.records);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw error;
      }
      const records = await Promise.all(
        names.filter((name) => RECORD_FILE.test(name)).map((name) => read(path.join(paths.records, name))),
      );
      return records.sort((a, b) => a.generation - b.generation);
    },
    async get(generation) {
      try {
        return await read(fileOf(generation));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw error;
      }
    },
    async put(record) {
      const valid = generationRecordSchema.parse(record);
      await writeFileAtomic(fileOf(record.generation), `${JSON.stringify(valid, null, 2)}\n`);
    },
  };
}

function damaged(file: string, detail: string, cause?: unknown): CambrianError {
  return new CambrianError({
    code: 'E_RECORD_DAMAGED',
    message: `${file}: damaged generation record: ${detail}`,
    hint: 'restore the file from a backup, or move it out of .cambrian/records/ to drop that generation from the lineage',
    data: { file },
    cause,
  });
}
