import { CambrianError } from '../errors.js';
import type { EntryProblem } from './open-entry-beneath.js';

export type CopyProblem =
  | EntryProblem
  | 'missing'
  | 'not-a-folder'
  | 'file-too-large'
  | 'too-large'
  | 'too-many-entries'
  | 'too-deep';

const MIB = 1024 * 1024;

/**
 * An artifact entry that cannot be copied. The message names the entry by its artifact-relative path and says what is
 * wrong; it never quotes the entry's content or a host path, because it goes back to the organism that wrote it.
 */
export class ArtifactEntryError extends CambrianError {
  readonly entry: string;
  readonly problem: CopyProblem;

  constructor(options: { entry: string; problem: CopyProblem; limit?: number }) {
    super({
      code: 'E_ARTIFACT_ENTRY',
      message: describeProblem(options),
      hint: 'an artifact holds regular files and folders only, written before it is sealed',
      data: { entry: options.entry, problem: options.problem },
    });
    this.entry = options.entry;
    this.problem = options.problem;
  }
}

function describeProblem(options: { entry: string; problem: CopyProblem; limit?: number }): string {
  const { entry, limit = 0 } = options;
  switch (options.problem) {
    case 'symlink':
      return `${entry} is a symlink; an artifact holds regular files and folders only`;
    case 'special':
      return `${entry} is not a regular file or folder (a FIFO, socket or device); an artifact holds regular files and folders only`;
    case 'hard-link':
      return `${entry} is a hard link (the file has another name); an artifact holds files with one name only`;
    case 'vanished':
      return `${entry} disappeared while the artifact was copied; finish writing the artifact before sealing it`;
    case 'missing':
      return `${entry} does not exist`;
    case 'not-a-folder':
      return `${entry} is not a folder; name the artifact's folder`;
    case 'file-too-large':
      return `${entry} is larger than ${limit / MIB} MiB, the limit for one file of an artifact`;
    case 'too-large':
      return `the artifact's files total more than ${limit / MIB} MiB (limit reached at ${entry})`;
    case 'too-many-entries':
      return `the artifact holds more than ${limit} files and folders, the limit for an artifact`;
    case 'too-deep':
      return `${entry} is nested more than ${limit} folders deep, the limit for an artifact`;
  }
}
