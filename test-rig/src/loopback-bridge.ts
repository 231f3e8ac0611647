/**
 * Runs inside the sandbox, which has no network: listens on 127.0.0.1:<port> for each `--bridge port=socket`, pipes
 * every connection to the host's unix socket bound into the sandbox, then runs the command after `--` and exits with
 * its status. Only node: built-ins, so it runs from a single bound file.
 */
import { spawn } from 'node:child_process';
import net from 'node:net';

function parseArgs(argv: string[]): { bridges: Array<{ port: number; socketPath: string }>; command: string[] } {
  const bridges: Array<{ port: number; socketPath: string }> = [];
  let index = 0;
  while (index < argv.length && argv[index] !== '--') {
    const spec = argv[index + 1] ?? '';
    const eq = spec.indexOf('=');
    if (argv[index] !== '--bridge' || eq < 1) throw new Error(`loopback-bridge: bad argument ${argv[index]} ${spec}`);
    bridges.push({ port: Number(spec.slice(0, eq)), socketPath: spec.slice(eq + 1) });
    index += 2;
  }
  return { bridges, command: argv.slice(index + 1) };
}

function listen(port: number, socketPath: string): Promise<net.Server> {
  const server = net.createServer((client) => {
    const upstream = net.connect(socketPath);
    client.pipe(upstream).pipe(client);
    const close = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close);
    upstream.on('error', close);
    client.on('close', close);
    upstream.on('close', close);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

const { bridges, command } = parseArgs(process.argv.slice(2));
const [file, ...args] = command;
if (file === undefined) throw new Error('loopback-bridge: no command after --');
for (const bridge of bridges) await listen(bridge.port, bridge.socketPath);
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
