import type { RedisOptions } from 'bullmq';
import { UsageError } from '../errors.js';

/** Where a rig queue lives, ready for BullMQ, and how to name it in messages (never with its password). */
export interface RigQueueConnection {
  connection: RedisOptions;
  /** `redis://host:port/db`, password left out. */
  display: string;
}

/**
 * Reads `--queue` / `--rig-queue` (or CAMBRIAN_RIG_QUEUE) as a redis:// or rediss:// (TLS) URL. The password comes from
 * CAMBRIAN_REDIS_PASSWORD or from a URL that itself came from the environment: a password on the command line would be
 * readable by every user of the machine in the process list.
 */
export function readRigQueueUrl(options: {
  flag: string | undefined;
  flagName: string;
  env: NodeJS.ProcessEnv;
}): RigQueueConnection | null {
  const fromFlag = options.flag !== undefined && options.flag !== '';
  const raw = fromFlag ? options.flag : options.env.CAMBRIAN_RIG_QUEUE;
  if (raw === undefined || raw === '') return null;
  const source = fromFlag ? options.flagName : 'CAMBRIAN_RIG_QUEUE';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`${source} is not a URL`, 'e.g. redis://127.0.0.1:6379 or rediss://queue.example:6380 (TLS)');
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:')
    throw new UsageError(
      `${source} must be a redis:// or rediss:// URL, not ${url.protocol}//`,
      'e.g. redis://127.0.0.1:6379',
    );
  if (fromFlag && url.password !== '')
    throw new UsageError(
      `${source} carries a password: flags are visible to every user in the process list`,
      'drop it from the URL and set CAMBRIAN_REDIS_PASSWORD instead',
    );
  const db = url.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db))
    throw new UsageError(`${source}: database "${db}" is not a number`, 'e.g. redis://host:6379/0');
  const password = options.env.CAMBRIAN_REDIS_PASSWORD || decodeURIComponent(url.password) || undefined;
  const username = decodeURIComponent(url.username) || undefined;
  const port = url.port === '' ? 6379 : Number(url.port);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return {
    connection: {
      host,
      port,
      ...(db === '' ? {} : { db: Number(db) }),
      ...(username === undefined ? {} : { username }),
      ...(password === undefined ? {} : { password }),
      // rediss://: TLS with Node's default verification (extra CAs through NODE_EXTRA_CA_CERTS).
      ...(url.protocol === 'rediss:' ? { tls: { servername: host } } : {}),
    },
    display: `${url.protocol}//${url.hostname}:${port}${db === '' ? '' : `/${db}`}`,
  };
}
