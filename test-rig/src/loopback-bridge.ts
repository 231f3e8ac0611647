/**
 * Runs inside a sandbox, which has no network, and joins it to another sandbox or the host through unix sockets:
 * - `--bridge port=socket`: listens on 127.0.0.1:<port> and pipes every connection to the unix socket (which must be a
 *   socket, never a symlink: the folder may be shared with code the rig judges);
 * - `--expose port=socket`: once 127.0.0.1:<port> accepts a connection, creates the unix socket and pipes every
 *   connection on it to the port, so whoever connects to the socket reaches only a port that really listens.
 * Then runs the command after `--` (writing `started` beside each exposed socket first) and exits with its status. Only node: built-ins, so it runs from a single bound
 * file; the stage runner imports the same functions.
 */
import { spawn } from 'node:child_process';
import { lstatSync, realpathSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** Written beside an exposed socket just before the command starts. */
export const STARTED_FILE = 'started';

interface Link {
  port: number;
  socketPath: string;
}

function parseArgs(argv: string[]): { bridges: Link[]; exposes: Link[]; command: string[] } {
  const bridges: Link[] = [];
  const exposes: Link[] = [];
  let index = 0;
  while (index < argv.length && argv[index] !== '--') {
    const spec = argv[index + 1] ?? '';
    const eq = spec.indexOf('=');
    const list = argv[index] === '--bridge' ? bridges : argv[index] === '--expose' ? exposes : null;
    if (list === null || eq < 1) throw new Error(`loopback-bridge: bad argument ${argv[index]} ${spec}`);
    list.push({ port: Number(spec.slice(0, eq)), socketPath: spec.slice(eq + 1) });
    index += 2;
  }
  return { bridges, exposes, command: argv.slice(index + 1) };
}

/** Pipes two connections both ways; either side closing or failing closes both. */
export function pipeSockets(a: net.Socket, b: net.Socket): void {
  a.pipe(b).pipe(a);
  const close = (): void => {
    a.destroy();
    b.destroy();
  };
  for (const socket of [a, b]) {
    socket.on('error', close);
    socket.on('close', close);
  }
}

/** True when `socketPath` is a unix socket itself; a symlink (planted to redirect us) or anything else is refused. */
export function isSocketFile(socketPath: string): boolean {
  try {
    return lstatSync(socketPath).isSocket();
  } catch {
    return false;
  }
}

/** Listens on 127.0.0.1:<port> (0: any free port) and pipes each connection to the unix socket at `socketPath`. */
export function forwardPort(link: Link): Promise<net.Server> {
  const server = net.createServer((client) => {
    if (!isSocketFile(link.socketPath)) {
      client.destroy();
      return;
    }
    pipeSockets(client, net.connect(link.socketPath));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(link.port, '127.0.0.1', () => resolve(server));
  });
}

function portAccepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Waits until 127.0.0.1:<port> accepts, then listens on the unix socket `socketPath` and pipes each connection to the
 * port. Until the port accepts there is no socket, so "the socket exists" means "something listened on the port".
 */
export async function exposePort(link: Link, signal?: AbortSignal): Promise<net.Server | null> {
  while (!(await portAccepts(link.port))) {
    if (signal?.aborted === true) return null;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  const server = net.createServer((client) => pipeSockets(client, net.connect(link.port, '127.0.0.1')));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(link.socketPath, () => resolve(server));
  });
}

async function main(): Promise<void> {
  const { bridges, exposes, command } = parseArgs(process.argv.slice(2));
  const [file, ...args] = command;
  if (file === undefined) throw new Error('loopback-bridge: no command after --');
  for (const bridge of bridges) await forwardPort(bridge);
  // Beside each exposed socket: the command starts now (the other side times the start from here, not from when the
  // sandbox was asked for, so a slow machine does not eat the command's start-timeout).
  for (const expose of exposes) writeFileSync(path.join(path.dirname(expose.socketPath), STARTED_FILE), '');
  const child = spawn(file, args, { stdio: 'inherit' });
  child.on('error', (error) => {
    process.stderr.write(`loopback-bridge: cannot start ${file}: ${error.message}\n`);
    process.exit(127);
  });
  child.on('exit', (code, signal) => {
    process.exit(
      code ?? 128 + (signal === null ? 0 : (({ SIGKILL: 9, SIGTERM: 15 } as Record<string, number>)[signal] ?? 1)),
    );
  });
  for (const expose of exposes) {
    exposePort(expose).catch((error: unknown) => {
      // e.g. the command already put something at the socket's name: it is simply not reachable then
      process.stderr.write(`loopback-bridge: cannot expose port ${expose.port}: ${(error as Error).message}\n`);
    });
  }
}

const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(realpathSync(entry)).href) await main();
